/**
 * Finds the object that contains an address, interior pointers included, without sorting.
 *
 * Objects arrive span by span, so consecutive objects of equal size at contiguous addresses
 * form runs. A page table maps each page to the runs that touch it; inside a run the object is
 * `first + floor((p - start) / size)`. Pages are grouped by 64 MiB arena, and each arena's
 * table covers only the extent its runs use, with pages of at least 8 KiB and large enough that
 * the table has at most about two entries per run: memory follows what the dump holds, never
 * the address space it spans (40,000 objects in 40,000 arenas cost a few entries each).
 *
 * Lookups are bound by memory latency (a million runs do not fit in cache), so each run's
 * fields sit together in one array: one cache miss per lookup instead of four.
 */
import { HUGE_SIZE, ObjectTable } from '../format/model';

const PAGE_SHIFT = 13; // 8 KiB, the runtime's page
const ARENA = 64 * 1024 * 1024;
/** Arena directories up to this many entries are flat arrays; wider address spaces use a Map. */
const MAX_FLAT_ARENAS = 1 << 20;
/** Fields of run r at runs[RUN * r + ...]: start address, end address, first object, object size. */
const RUN = 4;
/** Fields of arena slot s at slots[SLOT * s + ...]: extent start (from the arena's base), page shift, page count, first entry. */
const SLOT = 4;

/** The runs in order of their start address; undefined when the file has them in that order already. */
function addressOrder(objects: ObjectTable): Uint32Array | undefined {
  const { runStart, runCount } = objects;
  let sorted = true;
  for (let r = 1; r < runCount && sorted; r++) sorted = runStart[r - 1] <= runStart[r];
  if (sorted) return undefined;
  const order = new Uint32Array(runCount);
  for (let r = 0; r < runCount; r++) order[r] = r;
  return order.sort((a, b) => runStart[a] - runStart[b] || a - b);
}

/** resolveAll's answer for an address that lands on no object. */
export const NOT_FOUND = 0xffffffff;

export class AddressIndex {
  private readonly runs: Float64Array;
  /** Arena number of the first directory entry. */
  private readonly arenaBase: number;
  /** Arena (minus arenaBase) -> slot + 1, or 0; empty when `sparse` is used. */
  private readonly arenaSlot: Int32Array;
  private readonly sparse: Map<number, number> | undefined;
  private readonly slots: Int32Array;
  /** Page entry e at pages[2e], pages[2e + 1]: first and last run (in address order) touching the page, or -1. */
  private readonly pages: Int32Array;

  constructor(objects: ObjectTable) {
    const n = objects.runCount;
    this.runs = new Float64Array(n * RUN);
    let minArena = Infinity;
    let maxArena = -Infinity;
    // Runs by address: the runs touching a page are then consecutive, so a page's range of
    // runs holds those only. Runs come in the file's order, the order of the runtime's span
    // list, which a long-running program's reused spans leave far from address order (a range
    // by file order then spanned thousands of unrelated runs: 10 s to index a 105 MB etcd dump).
    const order = addressOrder(objects);
    for (let k = 0; k < n; k++) {
      const r = order ? order[k] : k;
      const first = objects.runFirst[r];
      const count = (r + 1 < n ? objects.runFirst[r + 1] : objects.count) - first;
      const size = objects.runSize[r] === HUGE_SIZE ? objects.hugeSizes.get(first) ?? 0 : objects.runSize[r];
      const start = objects.runStart[r];
      const end = start + size * count;
      this.runs[k * RUN] = start;
      this.runs[k * RUN + 1] = end;
      this.runs[k * RUN + 2] = first;
      this.runs[k * RUN + 3] = size;
      if (end === start) continue;
      minArena = Math.min(minArena, Math.floor(start / ARENA));
      maxArena = Math.max(maxArena, Math.floor((end - 1) / ARENA));
    }
    this.arenaBase = minArena === Infinity ? 0 : minArena;
    const span = minArena === Infinity ? 0 : maxArena - minArena + 1;
    this.sparse = span <= MAX_FLAT_ARENAS ? undefined : new Map();
    this.arenaSlot = new Int32Array(this.sparse ? 0 : span);

    // Each arena's extent (lo, hi relative to the arena) and how many runs touch it.
    const lo: number[] = [];
    const hi: number[] = [];
    const touching: number[] = [];
    this.forEachArenaPart((_run, arena, from, to) => {
      const key = arena - this.arenaBase;
      let s = this.slotOf(key);
      if (s < 0) {
        s = lo.length;
        lo.push(from);
        hi.push(to);
        touching.push(0);
        if (this.sparse) this.sparse.set(key, s);
        else this.arenaSlot[key] = s + 1;
      }
      lo[s] = Math.min(lo[s], from);
      hi[s] = Math.max(hi[s], to);
      touching[s]++;
    });
    this.slots = new Int32Array(SLOT * lo.length);
    let entries = 0;
    for (let s = 0; s < lo.length; s++) {
      let shift = PAGE_SHIFT;
      while (((hi[s] - lo[s]) >>> shift) > 2 * touching[s] + 1) shift++;
      const pageCount = ((hi[s] - lo[s] - 1) >>> shift) + 1;
      this.slots.set([lo[s], shift, pageCount, entries], SLOT * s);
      entries += pageCount;
    }
    this.pages = new Int32Array(2 * entries).fill(-1);
    this.forEachArenaPart((r, arena, from, to) => {
      const s = SLOT * this.slotOf(arena - this.arenaBase);
      const shift = this.slots[s + 1];
      const base = this.slots[s + 3];
      for (let k = (from - this.slots[s]) >>> shift; k <= (to - 1 - this.slots[s]) >>> shift; k++) {
        const e = 2 * (base + k);
        if (this.pages[e] < 0 || this.pages[e] > r) this.pages[e] = r;
        if (this.pages[e + 1] < r) this.pages[e + 1] = r;
      }
    });
  }

  /** Bytes the index holds (its typed arrays). */
  get footprint(): number {
    return this.runs.byteLength + this.arenaSlot.byteLength + this.slots.byteLength + this.pages.byteLength + (this.sparse?.size ?? 0) * 32;
  }

  /** Calls fn for each arena a run touches, with the part of the run inside it (relative to the arena). */
  private forEachArenaPart(fn: (run: number, arena: number, from: number, to: number) => void): void {
    const runs = this.runs;
    for (let r = 0; r < runs.length / RUN; r++) {
      const start = runs[r * RUN];
      const end = runs[r * RUN + 1];
      if (end === start) continue;
      for (let a = Math.floor(start / ARENA); a <= Math.floor((end - 1) / ARENA); a++) {
        const base = a * ARENA;
        fn(r, a, Math.max(start, base) - base, Math.min(end, base + ARENA) - base);
      }
    }
  }

  private slotOf(key: number): number {
    if (this.sparse) return this.sparse.get(key) ?? -1;
    return key >= 0 && key < this.arenaSlot.length ? this.arenaSlot[key] - 1 : -1;
  }

  /** Page entry of the page holding address p, or -1 if no run's extent covers it. */
  private pageEntry(p: number): number {
    const arena = Math.floor(p / ARENA);
    const s = SLOT * this.slotOf(arena - this.arenaBase);
    if (s < 0) return -1;
    const rel = p - arena * ARENA - this.slots[s];
    if (rel < 0) return -1;
    const k = rel >>> this.slots[s + 1];
    return k < this.slots[s + 2] ? this.slots[s + 3] + k : -1;
  }

  /** After a find that found an object: p's offset in it (saves looking up the object's address). */
  foundOffset = 0;

  /** Index of the object whose [addr, addr + size) contains p, or -1. */
  find(p: number): number {
    const e = this.pageEntry(p);
    if (e < 0) return -1;
    const runs = this.runs;
    const last = this.pages[2 * e + 1];
    for (let r = this.pages[2 * e]; r <= last && r >= 0; r++) {
      const start = runs[r * RUN];
      if (p >= start && p < runs[r * RUN + 1]) {
        const k = Math.floor((p - start) / runs[r * RUN + 3]);
        this.foundOffset = p - start - k * runs[r * RUN + 3];
        return runs[r * RUN + 2] + k;
      }
    }
    return -1;
  }

  /**
   * Resolves many addresses in place: the address heapStart + offsets[k] (+ high[k] * 2^32)
   * becomes the index of the object holding it, or NOT_FOUND; returns how many landed inside
   * an object rather than at its start. The loop keeps everything in locals.
   */
  resolveAll(offsets: Uint32Array, high: Uint32Array | undefined, heapStart: number): number {
    const runs = this.runs;
    const pages = this.pages;
    const dir = this.arenaSlot;
    const slots = this.slots;
    const base = this.arenaBase;
    const flat = this.sparse === undefined;
    let interior = 0;
    for (let k = 0; k < offsets.length; k++) {
      const p = heapStart + offsets[k] + (high === undefined ? 0 : high[k] * 2 ** 32);
      const arena = Math.floor(p / ARENA);
      const key = arena - base;
      const slot = flat ? (key >= 0 && key < dir.length ? dir[key] - 1 : -1) : this.slotOf(key);
      let found = NOT_FOUND;
      if (slot >= 0) {
        const s = SLOT * slot;
        const rel = p - arena * ARENA - slots[s];
        const page = rel >>> slots[s + 1];
        if (rel >= 0 && page < slots[s + 2]) {
          const e = 2 * (slots[s + 3] + page);
          const last = pages[e + 1];
          for (let r = pages[e]; r <= last && r >= 0; r++) {
            const start = runs[r * RUN];
            if (p >= start && p < runs[r * RUN + 1]) {
              const size = runs[r * RUN + 3];
              const within = Math.floor((p - start) / size);
              found = runs[r * RUN + 2] + within;
              if (p !== start + within * size) interior++;
              break;
            }
          }
        }
      }
      offsets[k] = found;
    }
    return interior;
  }
}
