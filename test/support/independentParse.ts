/**
 * A deliberately separate, minimal reading of a heap dump for tests: whole file in memory,
 * BigInt-free but simple, no shared code with src/engine. It yields what the queries are
 * checked against: objects with their pointer words, and every root word.
 */
import { readFileSync } from 'fs';

export interface IObject {
  addr: number;
  size: number;
  /** [field offset, pointer value] of each pointer field. */
  pointers: [number, number][];
}

export interface IRootWord {
  /** 'data' | 'bss' | 'frame' | 'ctxt' | 'defer' | 'panic' | 'finalizer-fn' | 'queued' | 'other' */
  kind: string;
  value: number;
  /** Segment offset of the word for data/bss. */
  offset?: number;
}

export interface IDump {
  ptrSize: number;
  objects: IObject[];
  roots: IRootWord[];
  /** Objects that have a registered finalizer (their referents are kept alive). */
  finalized: number[];
  /** Sorted object starts, for containment lookups. */
  find(p: number): number;
}

export function independentParse(path: string): IDump {
  const b = readFileSync(path);
  let pos = 16;
  const uv = (): number => {
    let x = 0;
    let mul = 1;
    for (;;) {
      const c = b[pos++];
      x += (c & 0x7f) * mul;
      if (c < 0x80) return x;
      mul *= 128;
    }
  };
  const bytes = (): [number, number] => {
    const n = uv();
    const at = pos;
    pos += n;
    return [at, n];
  };
  let ptrSize = 8;
  const word = (at: number) => (ptrSize === 8 ? b.readUInt32LE(at + 4) * 2 ** 32 + b.readUInt32LE(at) : b.readUInt32LE(at));
  const fields = (at: number, n: number): [number, number][] => {
    const out: [number, number][] = [];
    for (let k = uv(); k !== 0; k = uv()) {
      const off = uv();
      if (off + ptrSize <= n) out.push([off, word(at + off)]);
    }
    return out;
  };
  const objects: IObject[] = [];
  const roots: IRootWord[] = [];
  const finalized: number[] = [];
  for (;;) {
    const tag = uv();
    if (tag === 0) break;
    switch (tag) {
      case 1: { const addr = uv(); const [at, n] = bytes(); objects.push({ addr, size: n, pointers: fields(at, n) }); break; }
      case 2: { bytes(); roots.push({ kind: 'other', value: uv() }); break; }
      case 3: uv(); uv(); bytes(); uv(); break;
      case 4: { for (let k = 0; k < 8; k++) uv(); bytes(); roots.push({ kind: 'ctxt', value: uv() }); uv(); uv(); uv(); break; }
      case 5: {
        uv(); uv(); uv(); const [at, n] = bytes(); uv(); uv(); uv(); bytes();
        const listed = fields(at, n);
        for (const [, v] of listed) roots.push({ kind: 'frame', value: v });
        // Every other word of the frame is a conservative root (a local in a stack object).
        const offsets = new Set(listed.map(([off]) => off));
        for (let off = 0; off + ptrSize <= n; off += ptrSize) if (!offsets.has(off)) roots.push({ kind: 'stackword', value: word(at + off) });
        break;
      }
      case 6: { uv(); ptrSize = uv(); uv(); uv(); bytes(); bytes(); uv(); break; }
      case 7: { const obj = uv(); const fn = uv(); uv(); uv(); uv(); finalized.push(obj); roots.push({ kind: 'finalizer-fn', value: fn }); break; }
      case 11: { const obj = uv(); const fn = uv(); uv(); uv(); uv(); roots.push({ kind: 'queued', value: obj }, { kind: 'queued', value: fn }); break; }
      case 8: uv(); uv(); break;
      case 9: uv(); uv(); uv(); break;
      case 10: for (let k = 0; k < 281; k++) uv(); break;
      case 12: case 13: { uv(); const [at, n] = bytes(); for (const [off, v] of fields(at, n)) roots.push({ kind: tag === 12 ? 'data' : 'bss', value: v, offset: off }); break; }
      case 14: { const addr = uv(); uv(); uv(); uv(); const fn = uv(); uv(); uv(); roots.push({ kind: 'defer', value: addr }, { kind: 'defer', value: fn }); break; }
      case 15: { const addr = uv(); uv(); uv(); const data = uv(); uv(); uv(); roots.push({ kind: 'panic', value: addr }, { kind: 'panic', value: data }); break; }
      case 16: { uv(); uv(); const n = uv(); for (let k = 0; k < n; k++) { bytes(); bytes(); uv(); } uv(); uv(); break; }
      case 17: uv(); uv(); break;
      default: throw new Error(`independent parse: tag ${tag} at ${pos}`);
    }
  }
  const order = objects.map((_, i) => i).sort((x, y) => objects[x].addr - objects[y].addr);
  const starts = order.map((i) => objects[i].addr);
  const find = (p: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] <= p) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best < 0) return -1;
    const o = objects[order[best]];
    return p < o.addr + o.size ? order[best] : -1;
  };
  return { ptrSize, objects, roots, finalized, find };
}

/** Bytes of the objects reachable from the roots, by a plain breadth-first search. */
export function reachableBytes(d: IDump): number {
  const seen = new Uint8Array(d.objects.length);
  const queue: number[] = [];
  const visit = (p: number) => {
    const o = d.find(p);
    if (o >= 0 && !seen[o]) {
      seen[o] = 1;
      queue.push(o);
    }
  };
  for (const r of d.roots) if (r.value) visit(r.value);
  for (const f of d.finalized) {
    const o = d.find(f);
    if (o >= 0) for (const [, v] of d.objects[o].pointers) visit(v);
  }
  while (queue.length) for (const [, v] of d.objects[queue.pop() as number].pointers) visit(v);
  let bytes = 0;
  d.objects.forEach((o, i) => (bytes += seen[i] ? o.size : 0));
  return bytes;
}
