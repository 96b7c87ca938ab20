/**
 * How good type inference is, measured where the truth is known: in Go >= 1.22 dumps the
 * type word of pointerful objects of 513 B to 32 KiB names their exact type. The words are
 * hidden from the inference, each evidence source labels objects on its own, and each label
 * group is scored by purity: the share of its members whose exact type is the group's most
 * common one. Precision = pure members / labelled members with a known type; recall =
 * labelled members / members with a known type.
 */
import { Heap } from '../../src/engine/analysis/heap';
import { Labels, runPasses } from '../../src/engine/typing/typeInference';
import { FileByteSource } from '../../src/worker/fileByteSource';

export interface Score {
  source: string;
  /** Objects with a known exact type that this source labelled. */
  labelled: number;
  /** Of those, the ones in their group's majority type. */
  correct: number;
  /** Objects with a known exact type. */
  truth: number;
}

function score(source: string, of: Int32Array, truth: Map<number, number>): Score {
  const byGroup = new Map<number, Map<number, number>>();
  let labelled = 0;
  for (const [i, t] of truth) {
    const g = of[i];
    if (g < 0) continue;
    labelled++;
    const m = byGroup.get(g) ?? new Map<number, number>();
    m.set(t, (m.get(t) ?? 0) + 1);
    byGroup.set(g, m);
  }
  let correct = 0;
  for (const m of byGroup.values()) correct += Math.max(...m.values());
  return { source, labelled, correct, truth: truth.size };
}

/** Scores of each evidence source alone, and of all of them combined, on one dump. */
export function typePrecision(path: string): Score[] {
  const source = new FileByteSource(path);
  try {
    const heap = Heap.read(source);
    heap.index();
    const truth = new Map<number, number>();
    const { typeWordObject, typeWordAddr } = heap.model.objects;
    for (let k = 0; k < typeWordObject.length; k++) truth.set(typeWordObject[k], typeWordAddr[k]);
    const options = { useTypeWords: false };
    const alone: Labels[] = runPasses(heap, options, 'independent');
    // The shape-vote pass and the plain shape pass share the name "shape": tell them apart.
    const names = ['exact', 'dwarf', 'itab', 'finalizer', 'site', 'field', 'shape vote', 'content', 'shape'];
    const scores = alone.slice(1).map((l, k) => score(names[k + 1], l.of, truth));
    const combined = runPasses(heap, options, 'shared')[0].of;
    // Everything but the plain shape: what the inference adds to "shape only".
    const inferred = Int32Array.from(combined);
    const shapeStart = alone.slice(0, names.length - 1).reduce((n, l) => n + l.groups.length, 0);
    for (let i = 0; i < inferred.length; i++) if (inferred[i] >= shapeStart) inferred[i] = -1;
    scores.push(score('all but shape', inferred, truth), score('all', combined, truth));
    return scores;
  } finally {
    source.close();
  }
}

/** Sums scores of several dumps by source. */
export function totals(all: Score[][]): Score[] {
  const out = new Map<string, Score>();
  for (const scores of all) {
    for (const s of scores) {
      const t = out.get(s.source) ?? { source: s.source, labelled: 0, correct: 0, truth: 0 };
      t.labelled += s.labelled;
      t.correct += s.correct;
      t.truth += s.truth;
      out.set(s.source, t);
    }
  }
  return [...out.values()];
}

export const precision = (s: Score) => (s.labelled ? s.correct / s.labelled : NaN);
export const recall = (s: Score) => (s.truth ? s.labelled / s.truth : NaN);
