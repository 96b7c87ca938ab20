/**
 * Finds the object that contains an address, interior pointers included, without sorting.
 *
 * Objects arrive span by span, so consecutive objects of equal size at contiguous addresses
 * form runs. A page table maps each 8 KiB page to the runs that touch it; inside a run the
 * object is `first + floor((p - start) / size)`. Pages are grouped by 64 MiB arena, and only
 * arenas that hold objects get page entries, so a sparse address space costs nothing.
 */
import { ObjectTable } from './model';

const PAGE = 8192;
const ARENA = 64 * 1024 * 1024;
const PAGES_PER_ARENA = ARENA / PAGE;
/** Arena directories up to this many entries are flat arrays (16 MiB, untouched where unused). */
const MAX_FLAT_ARENAS = 1 << 22;

export class AddressIndex {
  private readonly runStart: Float64Array;
  /** End address (exclusive) of each run. */
  private readonly runEnd: Float64Array;
  private readonly runSize: Uint32Array;
  private readonly runFirst: Uint32Array;
  /** Arena number of the first directory entry. */
  private readonly arenaBase: number;
  /** Arena (minus arenaBase) -> slot of its pages, or -1. */
  private readonly arenaSlot: Int32Array | Map<number, number>;
  /** Slot * PAGES_PER_ARENA + page in arena -> first and last run touching the page, or -1. */
  private readonly pageFirst: Int32Array;
  private readonly pageLast: Int32Array;

  constructor(objects: ObjectTable) {
    const n = objects.runCount;
    this.runStart = objects.runStart;
    this.runSize = objects.runSize;
    this.runFirst = objects.runFirst;
    this.runEnd = new Float64Array(n);
    let minArena = Infinity;
    let maxArena = -Infinity;
    for (let r = 0; r < n; r++) {
      const count = (r + 1 < n ? this.runFirst[r + 1] : objects.count) - this.runFirst[r];
      const size = objects.runSize[r] === 0xffffffff ? objects.hugeSizes.get(this.runFirst[r]) ?? 0 : objects.runSize[r];
      this.runEnd[r] = this.runStart[r] + size * count;
      if (size * count === 0) continue;
      minArena = Math.min(minArena, Math.floor(this.runStart[r] / ARENA));
      maxArena = Math.max(maxArena, Math.floor((this.runEnd[r] - 1) / ARENA));
    }
    this.arenaBase = minArena === Infinity ? 0 : minArena;
    const span = minArena === Infinity ? 0 : maxArena - minArena + 1;
    const slots = span <= MAX_FLAT_ARENAS ? new Int32Array(span).fill(-1) : new Map<number, number>();
    let slotCount = 0;
    const slotOf = (arena: number): number => {
      const key = arena - this.arenaBase;
      let s = slots instanceof Map ? slots.get(key) ?? -1 : slots[key];
      if (s < 0) {
        s = slotCount++;
        if (slots instanceof Map) slots.set(key, s);
        else slots[key] = s;
      }
      return s;
    };
    for (let r = 0; r < n; r++) {
      if (this.runEnd[r] <= this.runStart[r]) continue;
      const last = Math.floor((this.runEnd[r] - 1) / ARENA);
      for (let a = Math.floor(this.runStart[r] / ARENA); a <= last; a++) slotOf(a);
    }
    this.arenaSlot = slots;
    this.pageFirst = new Int32Array(slotCount * PAGES_PER_ARENA).fill(-1);
    this.pageLast = new Int32Array(slotCount * PAGES_PER_ARENA).fill(-1);
    for (let r = 0; r < n; r++) {
      if (this.runEnd[r] <= this.runStart[r]) continue;
      const firstPage = Math.floor(this.runStart[r] / PAGE);
      const lastPage = Math.floor((this.runEnd[r] - 1) / PAGE);
      for (let p = firstPage; p <= lastPage; p++) {
        const e = this.pageEntry(p * PAGE);
        if (this.pageFirst[e] < 0 || this.pageFirst[e] > r) this.pageFirst[e] = r;
        if (this.pageLast[e] < r) this.pageLast[e] = r;
      }
    }
  }

  /** Page-table entry of the page holding address p, or -1 if its arena holds no object. */
  private pageEntry(p: number): number {
    const arena = Math.floor(p / ARENA);
    const key = arena - this.arenaBase;
    const slots = this.arenaSlot;
    let slot: number;
    if (slots instanceof Int32Array) {
      if (key < 0 || key >= slots.length) return -1;
      slot = slots[key];
    } else {
      slot = slots.get(key) ?? -1;
    }
    if (slot < 0) return -1;
    return slot * PAGES_PER_ARENA + Math.floor((p - arena * ARENA) / PAGE);
  }

  /** Index of the object whose [addr, addr + size) contains p, or -1. */
  find(p: number): number {
    const e = this.pageEntry(p);
    if (e < 0) return -1;
    const last = this.pageLast[e];
    for (let r = this.pageFirst[e]; r <= last && r >= 0; r++) {
      const start = this.runStart[r];
      if (p >= start && p < this.runEnd[r]) return this.runFirst[r] + Math.floor((p - start) / this.runSize[r]);
    }
    return -1;
  }
}
