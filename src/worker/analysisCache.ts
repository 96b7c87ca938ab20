/**
 * The analysis cache on disk: snapshots (engine/analysis/snapshot.ts) of the dumps analysed
 * before, in a folder of the extension's storage (never next to the dump). A dump's snapshot
 * is named by a hash of its identity (real path, device, inode, size, modification time), so a
 * changed or replaced file is a miss; the identity is stored inside too and checked on reading.
 * Files are written under a temporary name and renamed when complete, so a crash or a second
 * window never leaves a half-written snapshot under a real name. Least recently used snapshots
 * go first when the folder passes its budget.
 */
import { createHash } from 'crypto';
import { promises as fsp, closeSync, mkdirSync, openSync, readdirSync, realpathSync, renameSync, rmSync, statSync, unlinkSync, utimesSync, writeSync } from 'fs';
import { join } from 'path';
import type { Heap } from '../engine/analysis/heap';
import { restoreHeap, restoreTypes } from '../engine/analysis/snapshot';
import type { ByteSource } from '../engine/util/byteSource';
import { outOfMemoryMessage } from '../engine/util/memory';
import type { PackedSnapshot } from '../engine/util/snapshotCodec';
import { FileByteSource } from './fileByteSource';

export interface CacheSettings {
  /** The folder (created on first write). */
  dir: string;
  /** Budget of the whole folder in bytes; the least recently used snapshots go first. */
  maxBytes: number;
  /** Dumps smaller than this are not cached (they analyse in about a second). */
  minDumpBytes: number;
}

/** What a file is: enough to tell it from every other file and from its own older versions. */
export interface FileIdentity {
  path: string;
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

/** What a types snapshot is made for: the dump, the program attached (null: none), the allocation helpers (null: the default). */
export interface TypesIdentity {
  dump: FileIdentity;
  program: FileIdentity | null;
  helpers: string[] | null;
}

export function fileIdentity(path: string): FileIdentity {
  const real = realpathSync(path);
  const s = statSync(real);
  return { path: real, dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
}

const SUFFIX = '.snapshot';
const hash = (x: unknown) => createHash('sha256').update(JSON.stringify(x)).digest('hex').slice(0, 32);

export class AnalysisCache {
  constructor(private readonly settings: CacheSettings) {}

  /** Whether a dump of this size is worth caching. */
  wants(size: number): boolean {
    return size >= this.settings.minDumpBytes && this.settings.maxBytes > 0;
  }

  /** Where the snapshot for `identity` (any JSON) is, or would be. */
  pathOf(kind: 'heap' | 'types', identity: unknown): string {
    return join(this.settings.dir, `${kind}-${hash(identity)}${SUFFIX}`);
  }

  /** The snapshot file for `identity`, opened, if there is one (it counts as used now). */
  open(kind: 'heap' | 'types', identity: unknown): FileByteSource | undefined {
    const path = this.pathOf(kind, identity);
    try {
      const file = new FileByteSource(path);
      const now = new Date();
      utimesSync(path, now, now);
      return file;
    } catch {
      return undefined;
    }
  }

  /** Deletes a snapshot that could not be read (damaged, or from another version). */
  discard(kind: 'heap' | 'types', identity: unknown): void {
    rmSync(this.pathOf(kind, identity), { force: true });
  }

  /**
   * The heap the cache kept for the dump, reading its objects from `source`; undefined when
   * there is none. One that cannot be used is deleted (`problem` says why); running out of
   * memory is thrown (the analysis would not fit either).
   */
  readHeap(identity: FileIdentity, source: ByteSource, name: string, problem: (why: string) => void): Heap | undefined {
    return this.read('heap', identity, problem, (file) => restoreHeap(file, identity, source, name));
  }

  /** Types the heap (with the program it has now) as the cache kept it, if it did. */
  readTypes(heap: Heap, identity: TypesIdentity, problem: (why: string) => void): boolean {
    return this.read('types', identity, problem, (file) => restoreTypes(heap, file, identity)) ?? false;
  }

  private read<T>(kind: 'heap' | 'types', identity: unknown, problem: (why: string) => void, restore: (file: FileByteSource) => T): T | undefined {
    const file = this.open(kind, identity);
    if (!file) return undefined;
    try {
      return restore(file);
    } catch (e) {
      if (outOfMemoryMessage(e)) throw e;
      this.discard(kind, identity);
      problem(`the cached ${kind === 'heap' ? 'analysis' : 'types'} could not be used and ${kind === 'heap' ? 'was' : 'were'} deleted: ${(e as Error).message}`);
      return undefined;
    } finally {
      file.close();
    }
  }

  /** write, for a caller about to exit (the command line): synchronously. */
  writeNow(kind: 'heap' | 'types', identity: unknown, snapshot: PackedSnapshot): string | undefined {
    const tooBig = this.tooBig(snapshot);
    if (tooBig) return tooBig;
    const temporary = this.temporaryFor(kind, identity);
    try {
      const fd = openSync(temporary, 'w');
      try {
        for (const part of snapshot.parts) {
          for (let done = 0; done < part.length; ) done += writeSync(fd, part, done, Math.min(part.length - done, 1 << 26));
        }
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      rmSync(temporary, { force: true });
      throw e;
    }
    this.commit(kind, identity, temporary);
    return undefined;
  }

  /**
   * Writes a snapshot (asynchronously: the caller's thread goes on answering), then trims the
   * folder to its budget. A snapshot bigger than the budget is not written: the answer says
   * why, undefined when it was written.
   */
  async write(kind: 'heap' | 'types', identity: unknown, snapshot: PackedSnapshot): Promise<string | undefined> {
    const tooBig = this.tooBig(snapshot);
    if (tooBig) return tooBig;
    const temporary = this.temporaryFor(kind, identity);
    try {
      const file = await fsp.open(temporary, 'w');
      try {
        for (const part of snapshot.parts) {
          for (let done = 0; done < part.length; ) done += (await file.write(part, done, Math.min(part.length - done, 1 << 26))).bytesWritten;
        }
      } finally {
        await file.close();
      }
    } catch (e) {
      rmSync(temporary, { force: true });
      throw e;
    }
    this.commit(kind, identity, temporary);
    return undefined;
  }

  private tooBig(snapshot: PackedSnapshot): string | undefined {
    if (snapshot.size <= this.settings.maxBytes) return undefined;
    return `it needs ${Math.ceil(snapshot.size / 2 ** 20)} MB, more than the cache's budget of ${Math.floor(this.settings.maxBytes / 2 ** 20)} MB`;
  }

  /** A name of its own to write under (a second window may write the same snapshot meanwhile). */
  private temporaryFor(kind: 'heap' | 'types', identity: unknown): string {
    mkdirSync(this.settings.dir, { recursive: true });
    return `${this.pathOf(kind, identity)}.${process.pid}.${Date.now()}.partial`;
  }

  /** The complete file under its real name, then the folder trimmed to its budget. */
  private commit(kind: 'heap' | 'types', identity: unknown, temporary: string): void {
    const path = this.pathOf(kind, identity);
    renameSync(temporary, path);
    trim(this.settings.dir, this.settings.maxBytes, path);
  }
}

/** Deletes the least recently used snapshots (and stale partial files) until the folder fits `maxBytes`. */
function trim(dir: string, maxBytes: number, keep: string): void {
  const files = readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    try {
      const s = statSync(path);
      return s.isFile() ? [{ path, name, size: s.size, used: s.mtimeMs }] : [];
    } catch {
      return [];
    }
  });
  const hourAgo = Date.now() - 3600_000;
  let total = 0;
  for (const f of files) {
    if (f.name.endsWith('.partial') && f.used < hourAgo) unlinkQuietly(f.path);
    else total += f.size;
  }
  for (const f of files.filter((f) => f.name.endsWith(SUFFIX) && f.path !== keep).sort((a, b) => a.used - b.used)) {
    if (total <= maxBytes) break;
    unlinkQuietly(f.path);
    total -= f.size;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already (another window trimmed it)
  }
}
