/**
 * How much of a dump carries a real Go type name, with and without its program binary: the
 * share of object bytes (phantom slots left out) whose name is a Go type, not an allocation
 * site, a shape ("112 B, 4 pointers ..."), a cut name (`pkg.?`) or a bare descriptor address.
 * Where the dump has Go >= 1.22 type words, every object that has one checks the name given
 * to it against the type the runtime wrote (names stripped of "(backing array)" and the like).
 */
import { inflateSync } from 'zlib';
import { Heap } from '../../src/engine/analysis/heap';
import { GoProgram } from '../../src/engine/program/goProgram';
import { FileByteSource } from '../../src/worker/fileByteSource';

export interface NameReport {
  bytes: number;
  namedShare: number;
  /** Share of bytes per evidence source. */
  bySource: Record<string, number>;
  /** The biggest unnamed groups: bytes and "source: name". */
  unnamed: [number, string][];
  typeWords: number;
  /** Objects whose name disagrees with their type word, a few described. */
  disagreeing: number;
  examples: string[];
}

const NOT_A_NAME = /^\d+ B, |^likely |\.\?|type 0x|\(from interfaces\)| referenced from /;

export function nameReport(dump: string, binary?: string): NameReport {
  const heap = Heap.read(new FileByteSource(dump)).analyse();
  if (binary && !heap.attachProgram(new GoProgram(new FileByteSource(binary), binary, (b) => inflateSync(b))).ok) {
    throw new Error(`${binary} does not match ${dump}`);
  }
  const groups = heap.typeNamer.classify();
  let bytes = 0;
  let named = 0;
  const bySource: Record<string, number> = {};
  const unnamed = new Map<string, number>();
  for (let i = 0; i < heap.objectCount; i++) {
    if (heap.isPhantom(i)) continue;
    const d = groups.describe(groups.groupOf[i]);
    const s = heap.size(i);
    bytes += s;
    bySource[d.source] = (bySource[d.source] ?? 0) + s;
    if (!NOT_A_NAME.test(d.name) && d.source !== 'site' && d.source !== 'shape') named += s;
    else unnamed.set(`${d.source}: ${d.name.slice(0, 90)}`, (unnamed.get(`${d.source}: ${d.name.slice(0, 90)}`) ?? 0) + s);
  }
  for (const k of Object.keys(bySource)) bySource[k] /= bytes;
  const { typeWordObject, typeWordAddr } = heap.model.objects;
  let disagreeing = 0;
  const examples: string[] = [];
  const norm = (x: string) => x.replace(/ \((backing array|groups|buffer|map header|table|directory)\)$/, '').replace(/^\[\d*\]/, '').replace(/^map\.group\[/, 'map[').replace(/^chan /, '');
  for (let k = 0; heap.program && k < typeWordObject.length; k++) {
    const o = typeWordObject[k];
    const want = heap.program.typeAt(typeWordAddr[k])?.name;
    if (want === undefined) continue;
    const ours = groups.describe(groups.groupOf[o]).name;
    if (norm(ours) !== norm(want) && !norm(ours).endsWith(norm(want).replace(/^.*\//, ''))) {
      if (disagreeing++ < 5) examples.push(`type word ${want} vs ${ours} (${heap.size(o)} B)`);
    }
  }
  return {
    bytes, namedShare: named / bytes, bySource, unnamed: [...unnamed].map(([k, v]) => [v, k] as [number, string]).sort((a, b) => b[0] - a[0]).slice(0, 5),
    typeWords: heap.program ? typeWordObject.length : 0, disagreeing, examples,
  };
}
