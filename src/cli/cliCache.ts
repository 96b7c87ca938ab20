/**
 * The command line's analysis cache: the snapshots the extension keeps (src/worker/
 * analysisCache.ts), in the user's cache folder, so that a second command on the same
 * unchanged dump reads the analysis instead of computing it again.
 *
 *   GOHEAP_CACHE_DIR     the folder (default $XDG_CACHE_HOME/goheap or ~/.cache/goheap); "off": none
 *   GOHEAP_CACHE_MAX_MB  its budget (default 4096), least recently used first out
 *   GOHEAP_CACHE_MIN_MB  dumps smaller than this are not cached (default 32)
 */
import { homedir } from 'os';
import { join } from 'path';
import type { Heap } from '../engine/analysis/heap';
import { snapshotHeap, snapshotTypes } from '../engine/analysis/snapshot';
import type { ByteSource } from '../engine/util/byteSource';
import { AnalysisCache, FileIdentity, TypesIdentity, fileIdentity } from '../worker/analysisCache';

const MB = 2 ** 20;

function megabytes(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return process.env[name] !== undefined && process.env[name] !== '' && Number.isFinite(v) && v >= 0 ? v : fallback;
}

/** One dump's cache entry: read it if it is there, write it once the command is done. */
export class CachedDump {
  private readonly identity: FileIdentity;
  private heapRead = false;
  private typesRead = false;

  private constructor(private readonly cache: AnalysisCache, readonly dir: string, file: string, private readonly warn: (why: string) => void) {
    this.identity = fileIdentity(file);
  }

  /** The entry of `file` when the cache is on and the dump big enough to be worth it. */
  static of(file: string, size: number, warn: (why: string) => void): CachedDump | undefined {
    const setting = process.env.GOHEAP_CACHE_DIR;
    if (setting === 'off') return undefined;
    const dir = setting || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'goheap');
    const cache = new AnalysisCache({ dir, maxBytes: megabytes('GOHEAP_CACHE_MAX_MB', 4096) * MB, minDumpBytes: megabytes('GOHEAP_CACHE_MIN_MB', 32) * MB });
    return cache.wants(size) ? new CachedDump(cache, dir, file, warn) : undefined;
  }

  /** The analysed heap the cache kept, if it did. */
  readHeap(source: ByteSource, name: string): Heap | undefined {
    const heap = this.cache.readHeap(this.identity, source, name, this.warn);
    this.heapRead = heap !== undefined;
    return heap;
  }

  /** Types the heap as the cache kept it for this program and these helpers, if it did. */
  readTypes(heap: Heap, program: string | undefined, helpers: string[] | undefined): void {
    this.typesRead = this.cache.readTypes(heap, this.typesIdentity(program, helpers), this.warn);
  }

  /**
   * Keeps what this command computed and the cache lacks (the heap once its dominators are
   * known; its types). Whether anything was written.
   */
  write(heap: Heap, program: string | undefined, helpers: string[] | undefined): boolean {
    if (!heap.dominators) return false;
    let wrote = false;
    try {
      if (!this.heapRead) {
        const skipped = this.cache.writeNow('heap', this.identity, snapshotHeap(heap, this.identity));
        if (skipped) {
          this.warn(`the analysis was not cached: ${skipped}`);
          return false;
        }
        wrote = true;
      }
      if (!this.typesRead) {
        const identity = this.typesIdentity(program, helpers);
        wrote = !this.cache.writeNow('types', identity, snapshotTypes(heap, identity)) || wrote;
      }
    } catch (e) {
      this.warn(`the analysis could not be cached: ${(e as Error).message}`);
    }
    return wrote;
  }

  private typesIdentity(program: string | undefined, helpers: string[] | undefined): TypesIdentity {
    return { dump: this.identity, program: program ? fileIdentity(program) : null, helpers: helpers ?? null };
  }
}
