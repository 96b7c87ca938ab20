/**
 * Constants of the "go1.7 heap dump" format written by runtime/debug.WriteHeapDump
 * (Go 1.7 through 1.26). See ../shared/heapdumps/FORMAT.md for the record layouts.
 */

import type { StringTable } from '../util/strings';

export const HEADER = 'go1.7 heap dump\n';

/** Record tags. */
export const Tag = {
  Eof: 0,
  Object: 1,
  OtherRoot: 2,
  Type: 3,
  Goroutine: 4,
  StackFrame: 5,
  Params: 6,
  Finalizer: 7,
  Itab: 8,
  OsThread: 9,
  MemStats: 10,
  QueuedFinalizer: 11,
  Data: 12,
  Bss: 13,
  Defer: 14,
  Panic: 15,
  MemProf: 16,
  AllocSample: 17,
} as const;

/** Record kind names by tag, as the reference decoder spells them. */
export const RECORD_NAMES: readonly string[] = [
  'eof', 'object', 'otherroot', 'type', 'goroutine', 'stackframe', 'params', 'finalizer',
  'itab', 'osthread', 'memstats', 'queuedfinalizer', 'data', 'bss', 'defer', 'panic',
  'memprof', 'allocsample',
];

/** Goroutine status names by status code (runtime/runtime2.go). */
export const GOROUTINE_STATUS: readonly string[] = [
  'idle', 'runnable', 'running', 'syscall', 'waiting', 'moribund_unused', 'dead',
  'enqueue_unused', 'copystack', 'preempted',
  // Go 1.26: found leaked by the goroutine-leak detector; a dead goroutine kept for cgo callbacks.
  'leaked', 'waiting for cgo callback',
];

export function goroutineStatusName(code: number): string {
  return GOROUTINE_STATUS[code] ?? `unknown(${code})`;
}

/** The 24 named runtime.MemStats fields of a memstats record, in file order. */
export const MEMSTATS_FIELDS = [
  'Alloc', 'TotalAlloc', 'Sys', 'Lookups', 'Mallocs', 'Frees',
  'HeapAlloc', 'HeapSys', 'HeapIdle', 'HeapInuse', 'HeapReleased',
  'HeapObjects', 'StackInuse', 'StackSys', 'MSpanInuse', 'MSpanSys',
  'MCacheInuse', 'MCacheSys', 'BuckHashSys', 'GCSys', 'OtherSys',
  'NextGC', 'LastGC', 'PauseTotalNs',
] as const;
export type MemStatsField = (typeof MEMSTATS_FIELDS)[number];

/** Field kinds of a fields list: 1 pointer; 2 iface and 3 eface are defined but never written. */
export const MAX_FIELD_KIND = 3;

/**
 * Go >= 1.22 ("allocation headers"): a pointerful object of a small size class above
 * 512 bytes starts with the address of its type descriptor.
 */
export const TYPE_WORD_MIN_SIZE = 513;
export const TYPE_WORD_MAX_SIZE = 32768;

/** Parses "go1.22.12" or "devel go1.23-abcdef ..." into [major, minor]; undefined if unknown. */
export function parseGoVersion(v: string): [number, number] | undefined {
  const m = /go(\d+)\.(\d+)/.exec(v);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Whether a runtime of this build version writes the Go >= 1.22 type word. */
export function hasAllocationHeaders(buildVersion: string): boolean {
  const v = parseGoVersion(buildVersion);
  // An unrecognised version string comes from a development build: assume a modern runtime.
  return v === undefined || v[0] > 1 || v[1] >= 22;
}

/**
 * A memory-profile stack from the allocating code on: Go 1.26 records runtime.mallocgc and
 * its direct caller (newobject, makeslice, rawbyteslice...) on top, which earlier runtimes
 * leave out. Dropping them keeps sites, names and diffs the same across versions.
 */
export function allocatingFrames<F extends { func: number }>(strings: StringTable, frames: F[]): F[] {
  const top = frames[0];
  return top && /^runtime\.mallocgc/.test(strings.get(top.func)) ? frames.slice(2) : frames;
}
