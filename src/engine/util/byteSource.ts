/**
 * How the engine reads a file: random-access reads into a caller's buffer. The worker and the
 * CLI pass a file-backed source; tests and non-file URIs pass bytes in memory.
 */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** Reads up to `length` bytes at file `position` into `target[offset..]`; returns the count read. */
  read(target: Uint8Array, offset: number, length: number, position: number): number;
}

/** A ByteSource over bytes already in memory. */
export class MemoryByteSource implements ByteSource {
  constructor(private readonly bytes: Uint8Array) {}

  get size(): number {
    return this.bytes.length;
  }

  read(target: Uint8Array, offset: number, length: number, position: number): number {
    const n = Math.max(0, Math.min(length, this.bytes.length - position));
    target.set(this.bytes.subarray(position, position + n), offset);
    return n;
  }
}

/** Reads exactly `length` bytes at `position` (fewer only at the end of the source). */
export function readAt(source: ByteSource, position: number, length: number): Uint8Array {
  return readInto(source, new Uint8Array(Math.max(0, Math.min(length, source.size - position))), position);
}

/** Fills `out` (or what of it the file holds) from `position`: the part read. */
export function readInto(source: ByteSource, out: Uint8Array, position: number): Uint8Array {
  const n = Math.max(0, Math.min(out.length, source.size - position));
  let done = 0;
  while (done < n) {
    const got = source.read(out, done, n - done, position + done);
    if (got <= 0) break;
    done += got;
  }
  return done === out.length ? out : out.subarray(0, done);
}
