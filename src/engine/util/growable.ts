/**
 * Append-only typed arrays for data whose final count is unknown while a dump is read.
 *
 * The array is allocated once with a capacity: an upper bound computed from the file size
 * for the big tables. Fresh typed-array memory is only reserved, not resident, until
 * written, so a generous bound costs nothing, and `finish()` returns a view of the part
 * written, without copying. Past the capacity the array doubles (copying), which the bounds
 * make rare.
 */

import { claimMemory } from './memory';

type TypedArray = Float64Array | Uint32Array | Int32Array | Uint16Array | Uint8Array;
type TypedArrayConstructor<T extends TypedArray> = { new (length: number): T };

export class Growable<T extends TypedArray> {
  protected data: T;
  protected n = 0;

  constructor(private readonly ctor: TypedArrayConstructor<T>, capacity = 1024) {
    this.data = new ctor(Math.max(16, Math.ceil(capacity)));
  }

  get length(): number {
    return this.n;
  }

  push(v: number): void {
    if (this.n === this.data.length) this.grow();
    this.data[this.n++] = v;
  }

  /** Appends every value of `values`, each plus `add`. */
  append(values: ArrayLike<number>, add = 0): void {
    while (this.n + values.length > this.data.length) this.grow();
    if (add === 0 && ArrayBuffer.isView(values)) this.data.set(values as never, this.n);
    else for (let k = 0; k < values.length; k++) this.data[this.n + k] = values[k] + add;
    this.n += values.length;
  }

  /** Drops the values after the first `length` (used to undo a partly read record). */
  truncate(length: number): void {
    this.n = Math.min(this.n, length);
  }

  set(i: number, v: number): void {
    this.data[i] = v;
  }

  get(i: number): number {
    return this.data[i];
  }

  /** The values written, as a view (no copy); the builder is emptied. */
  finish(): T {
    const out = this.data.subarray(0, this.n) as T;
    this.data = new this.ctor(16);
    this.n = 0;
    return out;
  }

  protected grow(): void {
    claimMemory(this.data.byteLength * 2, 'a growing table');
    const bigger = new this.ctor(this.data.length * 2);
    bigger.set(this.data as never);
    this.data = bigger;
  }
}

/*
 * The decoder pushes tens of millions of values per dump. One `push` shared by every
 * element type makes its store site megamorphic, which made decoding 1.5x slower; these
 * subclasses give the two hot element types a push of their own (the same two lines, so
 * that each compiles for one array type).
 */
export class Float64Growable extends Growable<Float64Array> {
  constructor(capacity?: number) {
    super(Float64Array, capacity);
  }

  override push(v: number): void {
    if (this.n === this.data.length) this.grow();
    this.data[this.n++] = v;
  }
}

export class Uint32Growable extends Growable<Uint32Array> {
  constructor(capacity?: number) {
    super(Uint32Array, capacity);
  }

  override push(v: number): void {
    if (this.n === this.data.length) this.grow();
    this.data[this.n++] = v;
  }
}

export class Uint16Growable extends Growable<Uint16Array> {
  constructor(capacity?: number) {
    super(Uint16Array, capacity);
  }

  override push(v: number): void {
    if (this.n === this.data.length) this.grow();
    this.data[this.n++] = v;
  }
}

type ColumnSpec = Record<string, TypedArrayConstructor<TypedArray>>;
export type ColumnBuilders<S extends ColumnSpec> = { [K in keyof S]: Growable<InstanceType<S[K]>> };
export type Columns<S extends ColumnSpec> = { [K in keyof S]: InstanceType<S[K]> };

/** One Growable per column of a structure-of-arrays table. */
export function columnBuilders<S extends ColumnSpec>(spec: S): ColumnBuilders<S> {
  const out: Record<string, Growable<TypedArray>> = {};
  for (const [name, ctor] of Object.entries(spec)) out[name] = new Growable(ctor, 1024);
  return out as ColumnBuilders<S>;
}

/** Finishes every column of a table built with columnBuilders. */
export function finishColumns<S extends ColumnSpec>(builders: ColumnBuilders<S>): Columns<S> {
  const out: Record<string, TypedArray> = {};
  for (const [name, b] of Object.entries(builders)) out[name] = (b as Growable<TypedArray>).finish();
  return out as Columns<S>;
}
