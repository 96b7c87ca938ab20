/**
 * A forward reader over a ByteSource through one reused buffer. Reads past the buffer refill
 * it, keeping the bytes from `mark` (the start of the record being read) so that a record's
 * contents can be addressed in the buffer until the record ends; the buffer grows only when
 * a single record does not fit.
 */
import { ByteSource } from '../util/byteSource';
import { DumpError } from './errors';
import { decodeGoString } from '../util/strings';

export const DEFAULT_BUFFER_SIZE = 32 << 20;

export class Reader {
  buf: Uint8Array;
  view: DataView;
  /** File offset of buf[0]. */
  base = 0;
  /** Read position, as an index into buf. */
  pos = 0;
  /** Number of valid bytes in buf. */
  end = 0;
  /** Bytes at buffer indices >= mark are kept by a refill. */
  mark = 0;
  readonly fileSize: number;

  constructor(
    private readonly source: ByteSource,
    bufferSize = DEFAULT_BUFFER_SIZE,
    start = 0,
    private readonly onRead?: (fileOffset: number) => void,
  ) {
    this.fileSize = source.size;
    this.buf = new Uint8Array(Math.max(64, Math.min(bufferSize, source.size - start + 64)));
    this.view = new DataView(this.buf.buffer);
    this.base = start;
  }

  /** File offset of the read position. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Bytes left in the file after the read position. */
  get remaining(): number {
    return this.fileSize - this.base - this.pos;
  }

  /** Makes at least `n` bytes available at pos, or as many as the file has left. */
  fill(n: number): boolean {
    if (this.end - this.pos >= n) return true;
    const keepFrom = Math.min(this.mark, this.pos);
    const need = this.pos - keepFrom + n;
    if (need > this.buf.length) {
      const grown = new Uint8Array(Math.max(need, Math.min(this.buf.length * 2, need + DEFAULT_BUFFER_SIZE)));
      grown.set(this.buf.subarray(keepFrom, this.end));
      this.buf = grown;
      this.view = new DataView(grown.buffer);
    } else if (keepFrom > 0) {
      this.buf.copyWithin(0, keepFrom, this.end);
    }
    this.base += keepFrom;
    this.end -= keepFrom;
    this.pos -= keepFrom;
    this.mark -= keepFrom;
    while (this.end < this.buf.length && this.base + this.end < this.fileSize) {
      const got = this.source.read(this.buf, this.end, this.buf.length - this.end, this.base + this.end);
      if (got <= 0) break;
      this.end += got;
    }
    this.onRead?.(this.base + this.end);
    return this.end - this.pos >= n;
  }

  /** Moves the read position to a file offset, dropping the buffer's contents. */
  seek(fileOffset: number): void {
    this.base = fileOffset;
    this.pos = this.end = this.mark = 0;
  }

  /** Moves the read position forward by n bytes without keeping them. */
  skip(n: number): void {
    if (this.end - this.pos >= n) {
      this.pos += n;
      return;
    }
    this.seek(this.base + this.pos + n);
  }

  uvarint(): number {
    let pos = this.pos;
    if (pos + 10 <= this.end) {
      // Fast path: the whole varint is in the buffer, no bounds checks needed.
      const buf = this.buf;
      let b = buf[pos++];
      if (b < 0x80) {
        this.pos = pos;
        return b;
      }
      let x = b & 0x7f;
      let mul = 128;
      for (let i = 1; i < 9; i++) {
        b = buf[pos++];
        if (b < 0x80) {
          this.pos = pos;
          return x + b * mul;
        }
        x += (b & 0x7f) * mul;
        mul *= 128;
      }
    }
    return this.uvarintSlow();
  }

  /** A uvarint of up to 10 bytes; values above 2^53 are rounded (use uvarintBig for those). */
  private uvarintSlow(): number {
    const start = this.offset;
    if (this.end - this.pos < 10) this.fill(10);
    const buf = this.buf;
    let pos = this.pos;
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= this.end) throw new DumpError(start, 'truncated varint');
      const b = buf[pos++];
      if (b < 0x80) {
        if (i === 9 && b > 1) throw new DumpError(start, 'varint overflows 64 bits');
        this.pos = pos;
        return x + b * mul;
      }
      x += (b & 0x7f) * mul;
      mul *= 128;
    }
    throw new DumpError(start, 'varint overflows 64 bits (more than 10 bytes)');
  }

  /** A uvarint as an exact 64-bit value. */
  uvarintBig(): bigint {
    const start = this.offset;
    if (this.end - this.pos < 10) this.fill(10);
    let x = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new DumpError(start, 'truncated varint');
      const b = this.buf[this.pos++];
      if (b < 0x80) {
        if (i === 9 && b > 1) throw new DumpError(start, 'varint overflows 64 bits');
        return x | (BigInt(b) << shift);
      }
      x |= BigInt(b & 0x7f) << shift;
      shift += 7n;
    }
    throw new DumpError(start, 'varint overflows 64 bits (more than 10 bytes)');
  }

  bool(): boolean {
    const start = this.offset;
    const v = this.uvarint();
    if (v > 1) throw new DumpError(start, `bool field has value ${v} (want 0 or 1)`);
    return v === 1;
  }

  /**
   * Reads a length prefix and checks it against the bytes left in the file, before anything
   * is allocated or read from it.
   */
  length(): number {
    const start = this.offset;
    const n = this.uvarint();
    const left = this.remaining;
    if (n > left) {
      let shown: number | bigint = n;
      if (n > Number.MAX_SAFE_INTEGER) {
        this.pos = start - this.base; // the record is kept from its mark, so this is in the buffer
        shown = this.uvarintBig();
      }
      throw new DumpError(start, `length ${shown} runs past end of file (${left} bytes left)`);
    }
    return n;
  }

  /** Makes the next n bytes (known to be in the file) available; returns their buffer index. */
  take(n: number): number {
    if (this.end - this.pos < n) this.fill(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  string(): string {
    const n = this.length();
    const at = this.take(n);
    return decodeGoString(this.buf.subarray(at, at + n));
  }
}

/** The pointer-sized word at index i of a buffer's DataView. */
export function wordAt(view: DataView, i: number, ptrSize: number, littleEndian: boolean): number {
  if (ptrSize === 4) return view.getUint32(i, littleEndian);
  const a = view.getUint32(i, littleEndian);
  const b = view.getUint32(i + 4, littleEndian);
  return littleEndian ? b * 4294967296 + a : a * 4294967296 + b;
}
