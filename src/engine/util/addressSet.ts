/**
 * A set of addresses in typed arrays (open addressing), for membership tests in the decoder's
 * hot loop: a multiply and a load or two, no hashing of JS numbers through a Map.
 */
export class AddressSet {
  private keys = new Float64Array(64);
  private mask = 63;
  private count = 0;

  private slot(a: number): number {
    // Addresses are 8-byte aligned: mix the bits above the alignment.
    return Math.imul((a / 8) >>> 0, 0x9e3779b1) >>> 0;
  }

  add(a: number): void {
    if (a === 0 || this.has(a)) return;
    if ((this.count + 1) * 2 > this.mask) this.grow();
    let h = this.slot(a) & this.mask;
    while (this.keys[h] !== 0) h = (h + 1) & this.mask;
    this.keys[h] = a;
    this.count++;
  }

  has(a: number): boolean {
    const keys = this.keys;
    let h = this.slot(a) & this.mask;
    for (;;) {
      const k = keys[h];
      if (k === a) return a !== 0;
      if (k === 0) return false;
      h = (h + 1) & this.mask;
    }
  }

  get size(): number {
    return this.count;
  }

  /** The addresses in the set, in no particular order. */
  values(): Float64Array {
    return this.keys.filter((k) => k !== 0);
  }

  private grow(): void {
    const old = this.keys;
    this.keys = new Float64Array(old.length * 2);
    this.mask = this.keys.length - 1;
    this.count = 0;
    for (const k of old) if (k !== 0) this.add(k);
  }
}
