/**
 * A hash table from pairs of 32-bit integers to dense ids 0, 1, 2, ... in typed arrays
 * (open addressing): classifying millions of objects by (size, layout) without a Map entry
 * or a string per object.
 */
export class PairTable {
  private keysA: Uint32Array;
  private keysB: Uint32Array;
  private ids: Int32Array;
  private mask: number;
  size = 0;

  constructor(expected = 1024) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.keysA = new Uint32Array(cap);
    this.keysB = new Uint32Array(cap);
    this.ids = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
  }

  /** The id of (a, b), assigning the next id when the pair is new. */
  id(a: number, b: number): number {
    let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b)) & this.mask;
    for (;;) {
      const id = this.ids[h];
      if (id < 0) break;
      if (this.keysA[h] === a && this.keysB[h] === b) return id;
      h = (h + 1) & this.mask;
    }
    const id = this.size++;
    this.keysA[h] = a;
    this.keysB[h] = b;
    this.ids[h] = id;
    if (this.size * 2 > this.mask) this.grow();
    return id;
  }

  private grow(): void {
    const { keysA, keysB, ids } = this;
    const cap = (this.mask + 1) * 2;
    this.keysA = new Uint32Array(cap);
    this.keysB = new Uint32Array(cap);
    this.ids = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    for (let k = 0; k < ids.length; k++) {
      if (ids[k] < 0) continue;
      let h = (Math.imul(keysA[k], 0x9e3779b1) ^ Math.imul(keysB[k], 0x85ebca6b)) & this.mask;
      while (this.ids[h] >= 0) h = (h + 1) & this.mask;
      this.keysA[h] = keysA[k];
      this.keysB[h] = keysB[k];
      this.ids[h] = ids[k];
    }
  }
}
