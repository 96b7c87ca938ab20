/** A ByteSource over a file on disk, read with positioned reads (no whole-file buffer). */
import { closeSync, fstatSync, openSync, readSync } from 'fs';
import { ByteSource } from '../engine/format/byteSource';

export class FileByteSource implements ByteSource {
  private fd: number | undefined;
  readonly size: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
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
