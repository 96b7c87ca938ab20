/**
 * Re-reads one object's record from the file on demand: the model keeps the record offset
 * of every 64th object, and the records in between are skipped.
 */
import { ByteSource, readAt, readInto } from '../util/byteSource';
import { Tag } from './format';
import { CHECKPOINT_SHIFT, CONTENTS_FAR, DumpModel, objectSize } from './model';
import { Reader, wordAt } from './reader';

export interface ObjectRecord {
  address: number;
  size: number;
  /** File offset of the contents. */
  contentsOffset: number;
  /** Offsets of the pointer fields, in file order. */
  fields: number[];
}

export function readObjectRecord(model: DumpModel, source: ByteSource, index: number): ObjectRecord {
  const start = model.objects.checkpoints[index >> CHECKPOINT_SHIFT];
  const r = new Reader(source, 1 << 16, start);
  let k = model.objects.checkpointObject[index >> CHECKPOINT_SHIFT];
  for (;;) {
    r.mark = r.pos;
    const tag = r.uvarint();
    if (tag === Tag.Object) {
      const address = r.uvarint();
      const size = r.length();
      const contentsOffset = r.offset;
      r.skip(size);
      const fields: number[] = [];
      for (let kind = r.uvarint(); kind !== 0; kind = r.uvarint()) fields.push(r.uvarint());
      if (k === index) return { address, size, contentsOffset, fields };
      k++;
    } else {
      skipRecord(r, tag);
    }
  }
}

/**
 * Where each object's contents start in the file, for walks that visit many objects in no file
 * order: from the decoder's deltas (ObjectTable.contentsDelta, 2 bytes an object), or, for a
 * model without them, from one sequential pass over the records (8 bytes an object).
 */
export class ContentsOffsets {
  private readonly delta: Uint16Array | undefined;
  private readonly all: Float64Array | undefined;
  private readonly checkpoints: Float64Array;
  /** Offsets of the objects whose delta is CONTENTS_FAR, once read. */
  private readonly far = new Map<number, number>();

  constructor(private readonly model: DumpModel, private readonly source: ByteSource) {
    this.checkpoints = model.objects.checkpoints;
    this.delta = model.objects.contentsDelta?.length === model.objects.count ? model.objects.contentsDelta : undefined;
    if (!this.delta) this.all = allContentsOffsets(model, source);
  }

  /** File offset of object o's contents; they grow with o. */
  at(o: number): number {
    const delta = this.delta;
    if (delta === undefined) return (this.all as Float64Array)[o];
    const d = delta[o];
    return d !== CONTENTS_FAR ? this.checkpoints[o >> CHECKPOINT_SHIFT] + d : this.farOffset(o);
  }

  /** The far objects' offsets of o's whole checkpoint group, read at once (big objects come in runs). */
  private farOffset(o: number): number {
    let at = this.far.get(o);
    if (at === undefined) {
      const { checkpoints, checkpointObject, count } = this.model.objects;
      const k = o >> CHECKPOINT_SHIFT;
      const delta = this.delta as Uint16Array;
      const r = new Reader(this.source, 1 << 16, checkpoints[k]);
      contentsOffsetsFrom(r, checkpointObject[k], Math.min(count, (k + 1) << CHECKPOINT_SHIFT), (i, offset) => {
        if (delta[i] === CONTENTS_FAR) this.far.set(i, offset);
      });
      at = this.far.get(o) as number;
    }
    return at;
  }
}

/** Every object's contents offset, from one sequential pass over the records. */
function allContentsOffsets(model: DumpModel, source: ByteSource): Float64Array {
  const n = model.objects.count;
  const out = new Float64Array(n);
  if (n === 0) return out;
  contentsOffsetsFrom(new Reader(source, 4 << 20, model.objects.checkpoints[0]), 0, n, (i, offset) => (out[i] = offset));
  return out;
}

/** Reads the records from `r` (at object `first`'s record) up to object `end`, each object's contents offset to `visit`. */
function contentsOffsetsFrom(r: Reader, first: number, end: number, visit: (i: number, offset: number) => void): void {
  for (let i = first; i < end;) {
    r.mark = r.pos;
    const tag = r.uvarint();
    if (tag === Tag.Object) {
      r.uvarint();
      const size = r.length();
      visit(i++, r.offset);
      r.skip(size);
      for (let kind = r.uvarint(); kind !== 0; kind = r.uvarint()) r.uvarint();
    } else {
      skipRecord(r, tag);
    }
  }
}

/** Bytes a record may need after its contents offset: the contents, then the field list. */
function recordBound(size: number): number {
  return size + Math.min(size / 8, 4096) * 4 + 16;
}

/**
 * Parses the pointer-field list that follows `size` bytes of contents in `raw`; undefined
 * when `raw` ends before the list does.
 */
function fieldList(raw: Uint8Array, start: number, size: number, out: number[] = []): number[] | undefined {
  // Called for every object a walk reads: no closure, and `out` is resized only when its
  // length changes (consecutive objects of one type have as many fields).
  // The kinds are one byte and the offsets one or two: integer shifts below 2^28, `2 **` past.
  let p = start + size;
  let n = 0;
  for (;;) {
    if (p >= raw.length) return undefined;
    let b = raw[p++];
    let kind = b & 0x7f;
    for (let shift = 7; b >= 0x80; shift += 7) {
      if (p >= raw.length) return undefined;
      b = raw[p++];
      kind += (b & 0x7f) * 2 ** shift;
    }
    if (kind === 0) break;
    if (p >= raw.length) return undefined;
    b = raw[p++];
    let off = b & 0x7f;
    for (let shift = 7; b >= 0x80; shift += 7) {
      if (p >= raw.length) return undefined;
      b = raw[p++];
      off = shift < 28 ? off | ((b & 0x7f) << shift) : off + (b & 0x7f) * 2 ** shift;
    }
    out[n++] = off;
  }
  if (out.length !== n) out.length = n;
  return out;
}

/** Object `index`'s contents and pointer fields, its contents offset known, in one read (or two). */
export function readObjectAt(model: DumpModel, source: ByteSource, index: number, contentsOffset: number): { bytes: Uint8Array; fields: number[] } {
  const size = objectSize(model.objects, index);
  for (let span = recordBound(size); ; span *= 2) {
    const raw = readAt(source, contentsOffset, span);
    const fields = fieldList(raw, 0, size);
    if (fields || raw.length < span) return { bytes: raw.subarray(0, size), fields: fields ?? [] };
  }
}

/** Reads at most this much at once when objects lie close together in the file. */
const BATCH_SPAN = 1 << 20;
/**
 * Records further apart than this are read separately: a read that carried the bytes between
 * two records it needs would read the whole file again for every level of a walk.
 */
const BATCH_GAP = 16 << 10;

/**
 * Visits the records of many objects in file order with few reads: records close together
 * (gaps under BATCH_GAP, a megabyte at most) come from one read. Contents offsets grow
 * with the object index, so ordering the indices orders the reads (a native sort).
 * The visitor gets the contents, the pointer fields (an array reused for the next object:
 * read it, do not keep it), and the same contents as a view over the read with their start.
 */
export function readObjectsInOrder(model: DumpModel, source: ByteSource, offsets: ContentsOffsets, objects: ArrayLike<number>,
  visit: (index: number, bytes: Uint8Array, fields: number[], view: DataView, base: number) => void): void {
  const order = Uint32Array.from(objects).sort();
  const recordEnd = (i: number) => offsets.at(i) + recordBound(objectSize(model.objects, i));
  const fields: number[] = [];
  for (let k = 0; k < order.length;) {
    const start = offsets.at(order[k]);
    let end = recordEnd(order[k]);
    let j = k + 1;
    while (j < order.length && recordEnd(order[j]) - start <= BATCH_SPAN && offsets.at(order[j]) - end <= BATCH_GAP) {
      end = Math.max(end, recordEnd(order[j]));
      j++;
    }
    const raw = readAt(source, start, end - start);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (; k < j; k++) {
      const o = order[k];
      const at = offsets.at(o) - start;
      const size = objectSize(model.objects, o);
      if (fieldList(raw, at, size, fields)) visit(o, raw.subarray(at, at + size), fields, view, at);
      else {
        const rec = readObjectAt(model, source, o, offsets.at(o));
        visit(o, rec.bytes, rec.fields, new DataView(rec.bytes.buffer, rec.bytes.byteOffset, rec.bytes.byteLength), 0);
      }
    }
  }
}

/**
 * Reads object records one at a time in a sweep over the file, forward (rising indices) or
 * backward, through one window of the file: a sweep reads each byte of the file at most once,
 * whichever records it needs (contents offsets grow with the index).
 */
export class RecordWindow {
  /** The most a window reads at once, and the least. */
  private static readonly MAX = 256 << 10;
  private static readonly MIN = 8 << 10;
  private buf: Uint8Array = new Uint8Array(0);
  private own: Uint8Array | undefined;
  private bufView: DataView = new DataView(new ArrayBuffer(0));
  /** File offset of buf[0]. */
  private start = 0;
  /**
   * What the next read takes: halved while windows serve one record each (a sweep late in a
   * walk needs a few records spread over the file), doubled while they serve many.
   */
  private span = RecordWindow.MAX;
  /** Records the current window has served. */
  private served = 0;

  constructor(private readonly model: DumpModel, private readonly source: ByteSource, private readonly offsets: ContentsOffsets, private readonly forward: boolean) {}

  /** After load: the object's pointer fields (reused by the next load: do not keep). */
  fields: number[] = [];
  /** After load: a view holding the object's contents, from `base` (its buffer is reused by the next load). */
  view: DataView = new DataView(new ArrayBuffer(0));
  base = 0;

  /** Makes object o's contents and pointer fields current (fields, view, base). */
  load(o: number): void {
    const at = this.offsets.at(o);
    const size = objectSize(this.model.objects, o);
    const need = recordBound(size);
    if (at < this.start || at + need > this.start + this.buf.length) {
      if (this.buf.length > 0) {
        if (this.served <= 2) this.span = Math.max(RecordWindow.MIN, this.span >> 1);
        else if (this.served >= 16) this.span = Math.min(RecordWindow.MAX, this.span << 1);
      }
      this.served = 0;
      const span = Math.max(need, this.span);
      this.start = this.forward ? at : Math.max(0, at + need - span);
      // One buffer for the usual windows (what a load gives is not kept past the next one).
      this.buf = span <= RecordWindow.MAX ? readInto(this.source, (this.own ??= new Uint8Array(RecordWindow.MAX)).subarray(0, span), this.start) : readAt(this.source, this.start, span);
      this.bufView = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    }
    this.served++;
    const base = at - this.start;
    if (fieldList(this.buf, base, size, this.fields)) {
      this.view = this.bufView;
      this.base = base;
      return;
    }
    const rec = readObjectAt(this.model, this.source, o, at);
    this.fields = rec.fields;
    this.view = new DataView(rec.bytes.buffer, rec.bytes.byteOffset, rec.bytes.byteLength);
    this.base = 0;
  }
}

/** Skips the body of a record of the given tag (its tag already read). */
function skipRecord(r: Reader, tag: number): void {
  const u = (n: number) => { for (let i = 0; i < n; i++) r.uvarint(); };
  const bytes = () => r.skip(r.length());
  const fields = () => { for (let kind = r.uvarint(); kind !== 0; kind = r.uvarint()) r.uvarint(); };
  switch (tag) {
    case Tag.OtherRoot: bytes(); u(1); return;
    case Tag.Type: u(2); bytes(); u(1); return;
    case Tag.Goroutine: u(8); bytes(); u(4); return;
    case Tag.StackFrame: u(3); bytes(); u(3); bytes(); fields(); return;
    case Tag.Params: u(4); bytes(); bytes(); u(1); return;
    case Tag.Finalizer: case Tag.QueuedFinalizer: u(5); return;
    case Tag.Itab: u(2); return;
    case Tag.OsThread: u(3); return;
    case Tag.MemStats: u(281); return;
    case Tag.Data: case Tag.Bss: u(1); bytes(); fields(); return;
    case Tag.Defer: u(7); return;
    case Tag.Panic: u(6); return;
    case Tag.MemProf: {
      u(2);
      const n = r.uvarint();
      for (let i = 0; i < n; i++) { bytes(); bytes(); u(1); }
      u(2);
      return;
    }
    case Tag.AllocSample: u(2); return;
    default: throw new Error(`object records: unexpected record tag ${tag} at offset ${r.offset}`);
  }
}

/** Reads the words at the given offsets of contents that start at file offset `contents`. */
export function readWords(source: ByteSource, model: DumpModel, contents: number, offsets: number[]): number[] {
  const { ptrSize, bigEndian } = model.params;
  const window = new Reader(source, 1 << 16, contents);
  const out: number[] = [];
  for (const off of offsets) {
    const at = contents + off;
    if (at < window.base || at + ptrSize > window.base + window.end) {
      window.seek(at);
      window.fill(ptrSize);
    }
    out.push(wordAt(window.view, at - window.base, ptrSize, !bigEndian));
  }
  return out;
}
