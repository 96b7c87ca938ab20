/** The overview: what the dump is, how big the heap is, MemStats explained, GC pauses. */
import { Overview, OverviewStat } from '../api';
import { MemStatsField, RECORD_NAMES } from '../format/format';
import type { Heap } from './heap';
import { samplingRate } from './pprof';
import { HUGE_SIZE, objectSize, runBounds } from '../format/model';

/** One-line explanations from the runtime package's MemStats documentation. */
const MEMSTATS_DOCS: Record<MemStatsField | 'NumGC', [string, OverviewStat['unit']]> = {
  Alloc: ['Bytes of allocated heap objects (same as HeapAlloc).', 'bytes'],
  TotalAlloc: ['Cumulative bytes allocated for heap objects; does not decrease when objects are freed.', 'bytes'],
  Sys: ['Total bytes of memory obtained from the OS (virtual address space reserved by the runtime).', 'bytes'],
  Lookups: ['Number of pointer lookups performed by the runtime (always 0 in current runtimes).', 'count'],
  Mallocs: ['Cumulative count of heap objects allocated.', 'count'],
  Frees: ['Cumulative count of heap objects freed.', 'count'],
  HeapAlloc: ['Bytes of allocated heap objects: reachable objects and unswept unreachable ones.', 'bytes'],
  HeapSys: ['Bytes of heap memory obtained from the OS.', 'bytes'],
  HeapIdle: ['Bytes in idle (unused) spans: could be returned to the OS or reused.', 'bytes'],
  HeapInuse: ['Bytes in in-use spans (spans with at least one object).', 'bytes'],
  HeapReleased: ['Bytes of physical memory returned to the OS.', 'bytes'],
  HeapObjects: ['Number of allocated heap objects.', 'count'],
  StackInuse: ['Bytes in stack spans (goroutine stacks).', 'bytes'],
  StackSys: ['Bytes of stack memory obtained from the OS.', 'bytes'],
  MSpanInuse: ['Bytes of allocated mspan structures.', 'bytes'],
  MSpanSys: ['Bytes of memory obtained from the OS for mspan structures.', 'bytes'],
  MCacheInuse: ['Bytes of allocated mcache structures.', 'bytes'],
  MCacheSys: ['Bytes of memory obtained from the OS for mcache structures.', 'bytes'],
  BuckHashSys: ['Bytes of memory in profiling bucket hash tables.', 'bytes'],
  GCSys: ['Bytes of memory in garbage collection metadata.', 'bytes'],
  OtherSys: ['Bytes of memory in miscellaneous off-heap runtime allocations.', 'bytes'],
  NextGC: ['Target heap size of the next GC cycle.', 'bytes'],
  LastGC: ['Time the last garbage collection finished (nanoseconds since 1970).', 'time'],
  PauseTotalNs: ['Cumulative time in GC stop-the-world pauses since the program started.', 'ns'],
  NumGC: ['Number of completed GC cycles.', 'count'],
};

/** The last overview of each heap, and what it was computed from (it changes with each). */
const computed = new WeakMap<Heap, { from: unknown[]; overview: Overview }>();

/** The overview of the heap as analysed so far (computed once per stage and classification). */
export function overview(heap: Heap): Overview {
  const from = [heap.graph, heap.dominators, heap.typeNamer, heap.program];
  const last = computed.get(heap);
  if (last && last.from.every((x, k) => x === from[k])) return last.overview;
  const o = computeOverview(heap);
  computed.set(heap, { from, overview: o });
  return o;
}

function computeOverview(heap: Heap): Overview {
  const { model } = heap;
  const { params, objects } = model;
  // Run by run: objects of a run share their size (a lookup per object cost seconds on 20 M).
  let bytes = 0;
  let liveCount = 0;
  let liveBytes = 0;
  const reached = heap.graph !== undefined && heap.rootsRead;
  const idom = heap.dominators?.idom;
  for (let r = 0; r < objects.runCount; r++) {
    const [first, end] = runBounds(objects, r);
    const huge = objects.runSize[r] === HUGE_SIZE;
    for (let i = first; i < end; i++) {
      const s = huge ? objectSize(objects, i) : objects.runSize[r];
      bytes += s;
      if (reached && (idom ? idom[i] >= 0 : heap.isReachable(i))) {
        liveCount++;
        liveBytes += s;
      }
    }
  }
  const reachableCount = reached ? liveCount : null;
  const reachableBytes = reached ? liveBytes : null;
  const phantoms = objects.phantoms ?? { count: 0, bytes: 0 };
  bytes -= phantoms.bytes;
  const d = heap.dominators;
  const memStats: OverviewStat[] = [];
  const gcPauses: number[] = [];
  let numGC = 0;
  if (model.memStats) {
    for (const [name, [doc, unit]] of Object.entries(MEMSTATS_DOCS)) {
      const v = name === 'NumGC' ? model.memStats.numGC : model.memStats.fields[name as MemStatsField];
      memStats.push({ name, value: v.toString(), doc, unit });
    }
    numGC = Number(model.memStats.numGC);
    // PauseNs is a ring buffer: the pause of GC k (1-based) is at (k + 255) % 256.
    for (let k = Math.max(1, numGC - 255); k <= numGC; k++) gcPauses.push(Number(model.memStats.pauseNs[(k + 255) % 256]));
  }
  const topRetainers = d ? heap.objectsInOrder('retained', 0, 10, true).map((i) => heap.objectRow(i)) : [];
  const e = model.error;
  return {
    fileSize: model.fileSize,
    goVersion: params.buildVersion,
    arch: params.arch,
    ptrSize: params.ptrSize,
    bigEndian: params.bigEndian,
    ncpu: params.ncpu,
    heapStart: params.heapStart,
    heapEnd: params.heapEnd,
    objectCount: objects.count - phantoms.count,
    objectBytes: bytes,
    phantomSlots: { count: phantoms.count, bytes: phantoms.bytes },
    reachableCount,
    reachableBytes,
    stackWordReachable: d ? ((r) => ({ count: r.objects, bytes: r.bytes }))(heap.reachedOnlyByStackWords()) : null,
    goroutineCount: model.goroutines.count,
    frameCount: model.frames.count,
    recordCounts: Object.fromEntries(RECORD_NAMES.map((n, t) => [n, model.recordCounts[t]])),
    memStats,
    gcPauses,
    numGC,
    problem: e ? { message: e.message, offset: e.offset, recordKind: e.recordKind ?? null, truncated: e.truncated, notRead: notRead(heap) } : null,
    topRetainers,
    siteCount: model.memProf.length,
    sampledObjects: model.allocSamples.count,
    samplingRate: samplingRate(heap) ?? null,
    program: heap.program?.describe() ?? null,
  };
}

/**
 * The sections of a damaged dump that come after the damage. WriteHeapDump writes the objects,
 * then goroutines and their frames, then the data and bss segments (the globals), finalizers,
 * MemStats, and last the memory profile: a dump cut before its segments has no global roots.
 */
function notRead(heap: Heap): string[] {
  const m = heap.model;
  if (!m.error) return [];
  const out: string[] = [];
  if (!heap.rootsRead) out.push('roots (globals): what is reachable is unknown, not garbage');
  if (!m.memStats) out.push('MemStats');
  if (!m.memStats && m.memProf.length === 0) out.push('memory profile (allocation sites)');
  return out;
}
