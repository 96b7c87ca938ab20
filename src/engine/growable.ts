/**
 * Append-only typed arrays for data whose final count is unknown while a dump is read.
 *
 * Values go into fixed-size chunks, so growing never copies what is already stored and never
 * holds twice the memory; `finish()` gathers them into one exact-size array, freeing each chunk
 * as it is copied.
 */

type TypedArray = Float64Array | Uint32Array | Int32Array | Uint16Array | Uint8Array;
type TypedArrayConstructor<T extends TypedArray> = { new (length: number): T };

const CHUNK_BITS = 20;
const CHUNK = 1 << CHUNK_BITS; // elements per chunk

export class Growable<T extends TypedArray> {
  private readonly full: T[] = [];
  private current: T;
  private used = 0;

  constructor(private readonly ctor: TypedArrayConstructor<T>, private readonly chunkSize = CHUNK) {
    this.current = new ctor(Math.min(chunkSize, 1024));
  }

  get length(): number {
    return this.full.length * this.chunkSize + this.used;
  }

  push(v: number): void {
    if (this.used === this.current.length) this.grow();
    this.current[this.used++] = v;
  }

  /** Drops the values after the first `length` (used to undo a partly read record). */
  truncate(length: number): void {
    while (length < this.full.length * this.chunkSize) {
      this.current = this.full.pop() as T;
      this.used = this.current.length;
    }
    this.used = length - this.full.length * this.chunkSize;
  }

  set(i: number, v: number): void {
    const c = Math.floor(i / this.chunkSize);
    if (c < this.full.length) this.full[c][i - c * this.chunkSize] = v;
    else this.current[i - c * this.chunkSize] = v;
  }

  get(i: number): number {
    const c = Math.floor(i / this.chunkSize);
    return c < this.full.length ? this.full[c][i - c * this.chunkSize] : this.current[i - c * this.chunkSize];
  }

  /** One exact-size array of all values (with `extra` zeroed slots after them); empties this. */
  finish(extra = 0): T {
    const out = new this.ctor(this.length + extra);
    let at = 0;
    for (let c = 0; c < this.full.length; c++) {
      out.set(this.full[c], at);
      at += this.full[c].length;
      (this.full as (T | undefined)[])[c] = undefined;
    }
    out.set(this.current.subarray(0, this.used) as never, at);
    this.full.length = 0;
    this.current = new this.ctor(0);
    this.used = 0;
    return out;
  }

  private grow(): void {
    if (this.current.length < this.chunkSize) {
      // Small tables start small; the first chunk grows by doubling until it is full size.
      const bigger = new this.ctor(Math.min(this.chunkSize, this.current.length * 2));
      bigger.set(this.current as never);
      this.current = bigger;
      return;
    }
    this.full.push(this.current);
    this.current = new this.ctor(this.chunkSize);
    this.used = 0;
  }
}

type ColumnSpec = Record<string, TypedArrayConstructor<TypedArray>>;
export type ColumnBuilders<S extends ColumnSpec> = { [K in keyof S]: Growable<InstanceType<S[K]>> };
export type Columns<S extends ColumnSpec> = { [K in keyof S]: InstanceType<S[K]> };

/** One Growable per column of a structure-of-arrays table. */
export function columnBuilders<S extends ColumnSpec>(spec: S): ColumnBuilders<S> {
  const out: Record<string, Growable<TypedArray>> = {};
  for (const [name, ctor] of Object.entries(spec)) out[name] = new Growable(ctor, 1 << 16);
  return out as ColumnBuilders<S>;
}

/** Finishes every column of a table built with columnBuilders. */
export function finishColumns<S extends ColumnSpec>(builders: ColumnBuilders<S>): Columns<S> {
  const out: Record<string, TypedArray> = {};
  for (const [name, b] of Object.entries(builders)) out[name] = (b as Growable<TypedArray>).finish();
  return out as Columns<S>;
}
