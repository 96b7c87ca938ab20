/**
 * Re-reads one object's record from the file on demand: the model keeps the record offset
 * of every 64th object, and the records in between are skipped.
 */
import { ByteSource, readAt } from './byteSource';
import { Tag } from './format';
import { CHECKPOINT_SHIFT, DumpModel, objectSize } from './model';
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
 * Where every object's contents start, from one sequential pass over the records (for
 * walks that visit many objects in no file order; 8 bytes per object).
 */
export function contentsOffsets(model: DumpModel, source: ByteSource): Float64Array {
  const n = model.objects.count;
  const out = new Float64Array(n);
  if (n === 0) return out;
  const r = new Reader(source, 4 << 20, model.objects.checkpoints[0]);
  for (let k = 0; k < n;) {
    r.mark = r.pos;
    const tag = r.uvarint();
    if (tag === Tag.Object) {
      r.uvarint();
      const size = r.length();
      out[k++] = r.offset;
      r.skip(size);
      for (let kind = r.uvarint(); kind !== 0; kind = r.uvarint()) r.uvarint();
    } else {
      skipRecord(r, tag);
    }
  }
  return out;
}

/** Bytes a record may need after its contents offset: the contents, then the field list. */
function recordBound(size: number): number {
  return size + Math.min(size / 8, 4096) * 4 + 16;
}

/**
 * Parses the pointer-field list that follows `size` bytes of contents in `raw`; undefined
 * when `raw` ends before the list does.
 */
function fieldList(raw: Uint8Array, size: number): number[] | undefined {
  const fields: number[] = [];
  let p = size;
  const uvarint = (): number => {
    let x = 0;
    for (let shift = 0; p < raw.length; shift += 7) {
      const b = raw[p++];
      x += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return x;
    }
    return -1;
  };
  for (;;) {
    const kind = uvarint();
    if (kind === 0) return fields;
    const off = kind < 0 ? -1 : uvarint();
    if (off < 0) return undefined;
    fields.push(off);
  }
}

/** Object `index`'s contents and pointer fields, its contents offset known, in one read (or two). */
export function readObjectAt(model: DumpModel, source: ByteSource, index: number, contentsOffset: number): { bytes: Uint8Array; fields: number[] } {
  const size = objectSize(model.objects, index);
  for (let span = recordBound(size); ; span *= 2) {
    const raw = readAt(source, contentsOffset, span);
    const fields = fieldList(raw, size);
    if (fields || raw.length < span) return { bytes: raw.subarray(0, size), fields: fields ?? [] };
  }
}

/** Reads at most this much at once when objects lie close together in the file. */
const BATCH_SPAN = 1 << 20;

/**
 * Visits the records of many objects in file order with few reads: objects whose records lie
 * within a megabyte of each other come from one read.
 */
export function readObjectsInOrder(model: DumpModel, source: ByteSource, offsets: Float64Array, objects: number[],
  visit: (index: number, bytes: Uint8Array, fields: number[]) => void): void {
  const order = Uint32Array.from(objects).sort((a, b) => offsets[a] - offsets[b]);
  const recordEnd = (i: number) => offsets[i] + recordBound(objectSize(model.objects, i));
  for (let k = 0; k < order.length;) {
    const start = offsets[order[k]];
    let end = recordEnd(order[k]);
    let j = k + 1;
    while (j < order.length && recordEnd(order[j]) - start <= BATCH_SPAN) {
      end = Math.max(end, recordEnd(order[j]));
      j++;
    }
    const raw = readAt(source, start, end - start);
    for (; k < j; k++) {
      const o = order[k];
      const at = offsets[o] - start;
      const size = objectSize(model.objects, o);
      const fields = fieldList(raw.subarray(at), size);
      if (fields) visit(o, raw.subarray(at, at + size), fields);
      else {
        const rec = readObjectAt(model, source, o, offsets[o]);
        visit(o, rec.bytes, rec.fields);
      }
    }
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
