/**
 * What an object's type is, from the evidence in the dump alone. The namer is pluggable:
 * the Heap holds one, and richer inference (interface pairs, propagation, the program
 * binary) replaces it without touching the queries.
 */
import { TypeGuess } from './api';
import type { Heap } from './heap';
import { HUGE_SIZE } from './model';
import { readObjectRecord } from './objectRecords';
import { PairTable } from './pairTable';
import { baseName } from './units';

/** Every object assigned to a type group, groups named on demand. */
export interface TypeGroups {
  /** Group of object i. */
  groupOf: Uint32Array;
  count: number;
  describe(group: number): TypeGuess;
}

export interface TypeNamer {
  /** Groups for all objects (computed once per namer and per analysis stage). */
  classify(): TypeGroups;
  /** Every candidate for object i, best first, with why. */
  evidence(i: number): TypeGuess[];
}

/** Name of a type record, saying so when the runtime cut it to its package path. */
export function typeRecordName(name: string, addr: number): string {
  return name.endsWith('.') || name === '' ? `${name}<unnamed type 0x${addr.toString(16)}>` : name;
}

/**
 * The type word of Go >= 1.22 (exact), then the allocation site of sampled objects, then the
 * shape: size and pointer layout.
 */
export function basicTypeNamer(heap: Heap): TypeNamer {
  let cached: { withGraph: boolean; groups: TypeGroups } | undefined;
  let typeWordOf: Map<number, number> | undefined;
  const recordNames = () => new Map(heap.model.types.map((t) => [t.addr, typeRecordName(t.name, t.addr)]));

  const exactOf = (i: number): number | undefined => {
    if (!typeWordOf) {
      const { typeWordObject, typeWordAddr } = heap.model.objects;
      typeWordOf = new Map();
      for (let k = 0; k < typeWordObject.length; k++) typeWordOf.set(typeWordObject[k], typeWordAddr[k]);
    }
    return typeWordOf.get(i);
  };

  const siteName = (bucketIndex: number): string => {
    const f = heap.model.memProf[bucketIndex]?.frames[0];
    const s = heap.model.strings;
    return f ? `${s.get(f.func)} (${baseName(s.get(f.file))}:${f.line})` : 'unknown site';
  };

  const shapeName = (i: number): string => {
    const size = heap.size(i);
    if (heap.model.objects.layoutHash[i] === 0) return `${size} B, no pointers`;
    const fields = readObjectRecord(heap.model, heap.source, i).fields;
    const shown = fields.length > 8 ? `${fields.slice(0, 8).join(',')},...` : fields.join(',');
    return `${size} B, ${fields.length} pointer${fields.length > 1 ? 's' : ''} at ${shown}`;
  };

  const classify = (): TypeGroups => {
    const n = heap.objectCount;
    const { layoutHash, size, typeWordObject, typeWordAddr } = heap.model.objects;
    const groupOf = new Uint32Array(n).fill(0xffffffff);
    // What each group stands for: kind, and the key (type address, bucket, representative object).
    const kind: TypeGuess['source'][] = [];
    const key: number[] = [];
    const exact = new Map<number, number>();
    for (let k = 0; k < typeWordObject.length; k++) {
      let g = exact.get(typeWordAddr[k]);
      if (g === undefined) {
        g = kind.push('exact') - 1;
        key.push(typeWordAddr[k]);
        exact.set(typeWordAddr[k], g);
      }
      groupOf[typeWordObject[k]] = g;
    }
    const graph = heap.graph;
    const samples = heap.model.allocSamples;
    if (graph && samples.count > 0) {
      const bucketIndex = new Map(heap.model.memProf.map((b, k) => [b.bucket, k]));
      const bySite = new Map<number, number>();
      for (let s = 0; s < samples.count; s++) {
        const o = graph.index.find(samples.addr[s]);
        if (o < 0 || groupOf[o] !== 0xffffffff || heap.model.objects.addr[o] !== samples.addr[s]) continue;
        const b = bucketIndex.get(samples.bucket[s]);
        if (b === undefined) continue;
        let g = bySite.get(b);
        if (g === undefined) {
          g = kind.push('site') - 1;
          key.push(b);
          bySite.set(b, g);
        }
        groupOf[o] = g;
      }
    }
    const shapes = new PairTable();
    const shapeGroup: number[] = [];
    for (let i = 0; i < n; i++) {
      if (groupOf[i] !== 0xffffffff) continue;
      const s = shapes.id(size[i] === HUGE_SIZE ? HUGE_SIZE : size[i], layoutHash[i]);
      if (s === shapeGroup.length) {
        shapeGroup.push(kind.push('shape') - 1);
        key.push(i);
      }
      groupOf[i] = shapeGroup[s];
    }
    const names: (string | undefined)[] = [];
    let records: Map<number, string> | undefined;
    return {
      groupOf,
      count: kind.length,
      describe: (g) => {
        let name = names[g];
        if (name === undefined) {
          if (kind[g] === 'exact') name = (records ??= recordNames()).get(key[g]) ?? `type 0x${key[g].toString(16)}`;
          else if (kind[g] === 'site') name = siteName(key[g]);
          else name = shapeName(key[g]);
          names[g] = name;
        }
        return { name, source: kind[g] };
      },
    };
  };

  return {
    classify: () => {
      const withGraph = heap.graph !== undefined;
      if (!cached || cached.withGraph !== withGraph) cached = { withGraph, groups: classify() };
      return cached.groups;
    },
    evidence: (i) => {
      const out: TypeGuess[] = [];
      const t = exactOf(i);
      if (t !== undefined) out.push({ name: recordNames().get(t) ?? `type 0x${t.toString(16)}`, source: 'exact' });
      const s = heap.graph ? heap.sampleOf(i) : -1;
      if (s >= 0) {
        const b = heap.model.memProf.findIndex((m) => m.bucket === heap.model.allocSamples.bucket[s]);
        if (b >= 0) out.push({ name: siteName(b), source: 'site' });
      }
      out.push({ name: shapeName(i), source: 'shape' });
      return out;
    },
  };
}
