/**
 * Hostile but well-formed heap dumps, seeded: what a decoder that only survives bit flips
 * has not met. Objects scattered over the whole address space, huge counts, deep stacks,
 * long strings, cycles and self-references, pointers into phantom slots (Go >= 1.22).
 */
import { DumpBuilder, Pointers } from '../fixtures/dumpBuilder';

type Rand = () => number;

const ARENA = 64 * 1024 * 1024;
const HEAP = 0xc000000000;

const int = (rand: Rand, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

/** Objects in arenas spread over up to 2^40 bytes, each pointing at random others. */
function scatteredArenas(rand: Rand): DumpBuilder {
  const n = int(rand, 1, 3000);
  const spread = 2 ** int(rand, 27, 40);
  const b = new DumpBuilder({ heapStart: HEAP, heapEnd: HEAP + spread + ARENA });
  const addrs = new Set<number>();
  while (addrs.size < n) addrs.add(HEAP + Math.floor((rand() * spread) / 64) * 64);
  const list = [...addrs];
  for (const a of list) b.object(a, 16, rand() < 0.7 ? { 0: list[int(rand, 0, n - 1)] + int(rand, 0, 15) } : {});
  b.bss(0x500000, 8, { 0: list[0] });
  return b;
}

/** A memory-profile bucket and a goroutine thousands of frames deep. */
function deepStacks(rand: Rand): DumpBuilder {
  const depth = int(rand, 1000, 20_000);
  const b = new DumpBuilder().object(HEAP + 0x1000, 64).bss(0x500000, 8, { 0: HEAP + 0x1000 });
  const recursion = int(rand, 1, 5);
  const frames = Array.from({ length: depth }, (_, k) => ({ func: `main.f${k % recursion}`, file: '/src/deep.go', line: (k % 50) + 1 }));
  b.memProf(0x900000, 64, frames, int(rand, 1, 1e6), 0).allocSample(HEAP + 0x1000, 0x900000);
  b.goroutine({ goid: 1, frames: Array.from({ length: Math.min(depth, 5000) }, (_, k) => ({ name: `main.f${k % recursion}`, size: 16 })) });
  return b;
}

/** Counts at the edge of what a double holds; sizes as large as the format allows. */
function hugeCounts(rand: Rand): DumpBuilder {
  const b = new DumpBuilder().object(HEAP + 0x1000, 8192 * int(rand, 1, 64)).bss(0x500000, 8, { 0: HEAP + 0x1000 });
  const big = () => 2 ** int(rand, 31, 53) - 1;
  for (let k = 0; k < int(rand, 1, 50); k++) {
    b.memProf(0x900000 + k * 16, big(), [{ func: 'main.alloc', file: '/src/a.go', line: big() }], big(), big());
  }
  for (let g = 1; g <= int(rand, 1, 200); g++) b.goroutine({ goid: big(), status: int(rand, 0, 12), frames: [{ name: 'main.wait' }] });
  return b;
}

/** Names and paths of up to a megabyte, with control characters and markup. */
function longStrings(rand: Rand): DumpBuilder {
  const long = (n: number) => Array.from({ length: n }, () => String.fromCharCode(int(rand, 0, 0x2fff))).join('') + '<img src=x onerror=alert(1)>';
  const b = new DumpBuilder().object(HEAP + 0x1000, 32).bss(0x500000, 8, { 0: HEAP + 0x1000 });
  b.type(0x600000, 32, long(int(rand, 1000, 1 << 20)));
  b.memProf(0x900000, 32, [{ func: long(int(rand, 100, 1 << 18)), file: `/${long(int(rand, 10, 1 << 16))}.go`, line: 1 }], 1, 0);
  b.otherRoot(long(int(rand, 100, 1 << 16)), HEAP + 0x1000);
  b.goroutine({ goid: 1, waitReason: long(int(rand, 10, 1 << 16)), frames: [{ name: long(int(rand, 10, 1 << 16)) }] });
  return b;
}

/** A dense graph of cycles, self-references and interior pointers. */
function cycles(rand: Rand): DumpBuilder {
  const n = int(rand, 2, 5000);
  const size = 16 * int(rand, 1, 8);
  const b = new DumpBuilder();
  for (let i = 0; i < n; i++) {
    const p: Pointers = {};
    for (let k = 0; k < size / 8; k++) {
      const r = rand();
      if (r < 0.2) p[k * 8] = HEAP + i * size; // itself
      else if (r < 0.6) p[k * 8] = HEAP + ((i + 1) % n) * size + int(rand, 0, size - 1); // the next, anywhere inside
      else if (r < 0.8) p[k * 8] = HEAP + int(rand, 0, n - 1) * size;
    }
    b.object(HEAP + i * size, size, p);
  }
  b.bss(0x500000, 8, { 0: HEAP + int(rand, 0, n - 1) * size });
  return b;
}

/** Go 1.26 spans whose reserved tail is dumped as objects (phantom slots), pointed into. */
function phantomPointers(rand: Rand): DumpBuilder {
  const b = new DumpBuilder({ version: 'go1.26.0' });
  const size = [16, 32, 48, 64, 128, 256, 512][int(rand, 0, 6)];
  const pages = int(rand, 1, 40);
  const slots = Math.floor(8192 / size);
  for (let p = 0; p < pages; p++) {
    const page = HEAP + p * 8192;
    for (let s = 0; s < slots; s++) {
      const target = HEAP + int(rand, 0, pages - 1) * 8192 + (slots - 1 - int(rand, 0, 2)) * size; // often a phantom
      b.object(page + s * size, size, rand() < 0.5 ? { 0: target + int(rand, 0, 7) } : {});
    }
  }
  b.bss(0x500000, 16, { 0: HEAP, 8: HEAP + (slots - 1) * size });
  return b;
}

export const HOSTILE = { scatteredArenas, deepStacks, hugeCounts, longStrings, cycles, phantomPointers };

/** The hostile dump of this seed, and what it is. */
export function hostileDump(rand: Rand): { bytes: Uint8Array; what: string } {
  const names = Object.keys(HOSTILE) as (keyof typeof HOSTILE)[];
  const name = names[int(rand, 0, names.length - 1)];
  return { bytes: HOSTILE[name](rand).build(), what: name };
}
