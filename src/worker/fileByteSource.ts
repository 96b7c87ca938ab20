/** A ByteSource over a file on disk, read with positioned reads (no whole-file buffer). */
import { Stats, closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'fs';
import { gunzipSync } from 'zlib';
import { ByteSource, MemoryByteSource } from '../engine/util/byteSource';

/** What kind of file a path names, when it is not a regular file. */
function notRegular(s: Stats): string | undefined {
  if (s.isFile()) return undefined;
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a named pipe (FIFO)';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * Throws a plain Error naming the path unless it is a regular file. Checked before opening:
 * opening a FIFO blocks until a writer comes, and a directory opens but cannot be read.
 */
export function requireRegularFile(path: string): void {
  const kind = notRegular(statSync(path));
  if (kind) throw new Error(`${path} is ${kind}, not a file that can be read`);
}

export class FileByteSource implements ByteSource {
  private fd: number | undefined;
  readonly size: number;

  constructor(readonly path: string) {
    requireRegularFile(path);
    this.fd = openSync(path, 'r');
    const s = fstatSync(this.fd);
    // Replaced between the check and the open: check again on what was opened.
    const kind = notRegular(s);
    if (kind) {
      this.close();
      throw new Error(`${path} is ${kind}, not a file that can be read`);
    }
    this.size = s.size;
  }

  read(target: Uint8Array, offset: number, length: number, position: number): number {
    if (this.fd === undefined) throw new Error(`${this.path}: file already closed`);
    return readSync(this.fd, target, offset, length, position);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Largest gzipped file unpacked into memory (a bigger one should be unpacked first). */
const MAX_GUNZIPPED = 1 << 30;

/**
 * A file as a ByteSource: read in place, or, when it is gzipped (as the samples ship their
 * programs and leak dumps), unpacked into memory first.
 */
export function openMaybeGzipped(path: string): FileByteSource | MemoryByteSource {
  const file = new FileByteSource(path);
  if (!isGzip(file)) return file;
  file.close();
  try {
    return new MemoryByteSource(gunzipSync(readFileSync(path), { maxOutputLength: MAX_GUNZIPPED }));
  } catch (e) {
    throw new Error(`${path}: cannot unpack it (gzip): ${(e as Error).message}; unpack it with gunzip and open the result`, { cause: e });
  }
}

/** Whether a file starts with the gzip magic bytes. */
export function isGzip(file: FileByteSource): boolean {
  const magic = new Uint8Array(2);
  return file.read(magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
}
