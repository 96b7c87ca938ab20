/**
 * Finds the object that contains an address, interior pointers included, without sorting.
 *
 * Objects arrive span by span, so consecutive objects of equal size at contiguous addresses
 * form runs. A page table maps each 8 KiB page to the runs that touch it; inside a run the
 * object is `first + floor((p - start) / size)`. Pages are grouped by 64 MiB arena, and only
 * arenas that hold objects get page entries, so a sparse address space costs nothing.
 *
 * Lookups are bound by memory latency (a million runs do not fit in cache), so each run's
 * fields sit together in one array: one cache miss per lookup instead of four.
 */
import { HUGE_SIZE, ObjectTable } from '../format/model';

const PAGE = 8192;
const ARENA = 64 * 1024 * 1024;
const PAGES_PER_ARENA = ARENA / PAGE;
/** Arena directories up to this many entries are flat arrays (16 MiB, untouched where unused). */
const MAX_FLAT_ARENAS = 1 << 22;
/** Fields of run r at runs[RUN * r + ...]: start address, end address, first object, object size. */
const RUN = 4;

/** resolveAll's answer for an address that lands on no object. */
export const NOT_FOUND = 0xffffffff;

export class AddressIndex {
  private readonly runs: Float64Array;
  /** Arena number of the first directory entry. */
  private readonly arenaBase: number;
  /** Arena (minus arenaBase) -> slot of its pages, or -1; empty when `sparse` is used. */
  private readonly arenaSlot: Int32Array;
  private readonly sparse: Map<number, number> | undefined;
  /** Pages of slot s, page k: entries 2 * (s * PAGES_PER_ARENA + k): first and last run touching it, or -1. */
  private readonly pages: Int32Array;

  constructor(objects: ObjectTable) {
    const n = objects.runCount;
    this.runs = new Float64Array(n * RUN);
    let minArena = Infinity;
    let maxArena = -Infinity;
    for (let r = 0; r < n; r++) {
      const first = objects.runFirst[r];
      const count = (r + 1 < n ? objects.runFirst[r + 1] : objects.count) - first;
      const size = objects.runSize[r] === HUGE_SIZE ? objects.hugeSizes.get(first) ?? 0 : objects.runSize[r];
      const start = objects.runStart[r];
      const end = start + size * count;
      this.runs[r * RUN] = start;
      this.runs[r * RUN + 1] = end;
      this.runs[r * RUN + 2] = first;
      this.runs[r * RUN + 3] = size;
      if (end === start) continue;
      minArena = Math.min(minArena, Math.floor(start / ARENA));
      maxArena = Math.max(maxArena, Math.floor((end - 1) / ARENA));
    }
    this.arenaBase = minArena === Infinity ? 0 : minArena;
    const span = minArena === Infinity ? 0 : maxArena - minArena + 1;
    this.sparse = span <= MAX_FLAT_ARENAS ? undefined : new Map();
    this.arenaSlot = new Int32Array(this.sparse ? 0 : span).fill(-1);
    let slotCount = 0;
    for (let r = 0; r < n; r++) {
      const start = this.runs[r * RUN];
      const end = this.runs[r * RUN + 1];
      if (end === start) continue;
      for (let a = Math.floor(start / ARENA); a <= Math.floor((end - 1) / ARENA); a++) {
        const key = a - this.arenaBase;
        if (this.slotOf(key) < 0) {
          if (this.sparse) this.sparse.set(key, slotCount++);
          else this.arenaSlot[key] = slotCount++;
        }
      }
    }
    this.pages = new Int32Array(2 * slotCount * PAGES_PER_ARENA).fill(-1);
    for (let r = 0; r < n; r++) {
      const start = this.runs[r * RUN];
      const end = this.runs[r * RUN + 1];
      if (end === start) continue;
      for (let p = Math.floor(start / PAGE); p <= Math.floor((end - 1) / PAGE); p++) {
        const e = 2 * this.pageEntry(p * PAGE);
        if (this.pages[e] < 0 || this.pages[e] > r) this.pages[e] = r;
        if (this.pages[e + 1] < r) this.pages[e + 1] = r;
      }
    }
  }

  private slotOf(key: number): number {
    if (this.sparse) return this.sparse.get(key) ?? -1;
    return key >= 0 && key < this.arenaSlot.length ? this.arenaSlot[key] : -1;
  }

  /** Page-table entry of the page holding address p, or -1 if its arena holds no object. */
  private pageEntry(p: number): number {
    const arena = Math.floor(p / ARENA);
    const slot = this.slotOf(arena - this.arenaBase);
    return slot < 0 ? -1 : slot * PAGES_PER_ARENA + Math.floor((p - arena * ARENA) / PAGE);
  }

  /** Index of the object whose [addr, addr + size) contains p, or -1. */
  find(p: number): number {
    const e = this.pageEntry(p);
    if (e < 0) return -1;
    const runs = this.runs;
    const last = this.pages[2 * e + 1];
    for (let r = this.pages[2 * e]; r <= last && r >= 0; r++) {
      const start = runs[r * RUN];
      if (p >= start && p < runs[r * RUN + 1]) return runs[r * RUN + 2] + Math.floor((p - start) / runs[r * RUN + 3]);
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
    const slots = this.arenaSlot;
    const base = this.arenaBase;
    const flat = this.sparse === undefined;
    let interior = 0;
    for (let k = 0; k < offsets.length; k++) {
      const p = heapStart + offsets[k] + (high === undefined ? 0 : high[k] * 2 ** 32);
      const arena = Math.floor(p / ARENA);
      const key = arena - base;
      const slot = flat ? (key >= 0 && key < slots.length ? slots[key] : -1) : this.slotOf(key);
      let found = NOT_FOUND;
      if (slot >= 0) {
        const e = 2 * (slot * PAGES_PER_ARENA + Math.floor((p - arena * ARENA) / PAGE));
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
      offsets[k] = found;
    }
    return interior;
  }
}
