/**
 * Re-reads one object's record from the file on demand: the model keeps the record offset
 * of every 64th object, and the records in between are skipped.
 */
import { ByteSource } from './byteSource';
import { Tag } from './format';
import { CHECKPOINT_SHIFT, DumpModel } from './model';
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
  let k = (index >> CHECKPOINT_SHIFT) << CHECKPOINT_SHIFT;
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
