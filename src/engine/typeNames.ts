/**
 * What an object's type is, from the evidence in the dump alone. The namer is pluggable:
 * the Heap holds one, and richer inference (interface pairs, shapes, the program binary)
 * replaces it without touching the queries.
 */
import { TypeGuess } from './api';
import type { Heap } from './heap';
import { baseName } from './units';

export interface TypeNamer {
  /** The best guess for object i. */
  guess(i: number): TypeGuess;
  /** Every candidate for object i, best first. */
  evidence(i: number): TypeGuess[];
}

/** Name of a type record, saying so when the runtime cut it to its package path. */
export function typeRecordName(name: string, addr: number): string {
  return name.endsWith('.') || name === '' ? `${name}<unnamed type 0x${addr.toString(16)}>` : name;
}

/** The type word of Go >= 1.22, then the allocation site of sampled objects, then the shape. */
export function basicTypeNamer(heap: Heap): TypeNamer {
  let typeWordOf: Map<number, number> | undefined;
  let recordName: Map<number, string> | undefined;
  const siteNames = new Map<number, string>();

  const exact = (i: number): TypeGuess | undefined => {
    if (!typeWordOf) {
      const { typeWordObject, typeWordAddr } = heap.model.objects;
      typeWordOf = new Map();
      for (let k = 0; k < typeWordObject.length; k++) typeWordOf.set(typeWordObject[k], typeWordAddr[k]);
      recordName = new Map(heap.model.types.map((t) => [t.addr, typeRecordName(t.name, t.addr)]));
    }
    const t = typeWordOf.get(i);
    if (t === undefined) return undefined;
    return { name: recordName?.get(t) ?? `type 0x${t.toString(16)}`, source: 'exact' };
  };

  const site = (i: number): TypeGuess | undefined => {
    if (!heap.graph || heap.model.allocSamples.count === 0) return undefined;
    const s = heap.sampleOf(i);
    if (s < 0) return undefined;
    const bucket = heap.model.allocSamples.bucket[s];
    let name = siteNames.get(bucket);
    if (name === undefined) {
      const b = heap.model.memProf.find((m) => m.bucket === bucket);
      const f = b?.frames[0];
      const strings = heap.model.strings;
      name = f ? `allocated in ${strings.get(f.func)} (${baseName(strings.get(f.file))}:${f.line})` : '';
      siteNames.set(bucket, name);
    }
    return name ? { name, source: 'site' } : undefined;
  };

  const shape = (i: number): TypeGuess => ({
    name: `${heap.size(i)} B ${heap.model.objects.layoutHash[i] === 0 ? 'no pointers' : 'with pointers'}`,
    source: 'shape',
  });

  return {
    guess: (i) => exact(i) ?? site(i) ?? shape(i),
    evidence: (i) => [exact(i), site(i), shape(i)].filter((g): g is TypeGuess => g !== undefined),
  };
}
