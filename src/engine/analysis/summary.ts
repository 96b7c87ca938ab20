/**
 * The dump summary with the key names, shapes and values of the reference decoder
 * (../shared/heapdumps/oracle.py), so that the two compare mechanically, plus what the
 * analysis adds (reachability, damage).
 */
import { HEADER, MEMSTATS_FIELDS, RECORD_NAMES, goroutineStatusName } from '../format/format';
import { GraphStats } from '../graph/graph';
import { hex } from '../util/json';
import { DumpModel, FinalizerRecord, objectAddress, objectSize } from '../format/model';

export function summarize(
  model: DumpModel,
  options: { fileName?: string; graphStats?: GraphStats; reachable?: (i: number) => boolean } = {},
): Record<string, unknown> {
  const { params, objects, strings } = model;
  const s: Record<string, unknown> = {};
  s.file = options.fileName ?? null;
  s.file_size = model.fileSize;
  s.header = HEADER.trimEnd();
  s.params = {
    bigendian: params.bigEndian,
    ptrsize: params.ptrSize,
    heapstart: hex(params.heapStart),
    heapend: hex(params.heapEnd),
    arch: params.arch,
    buildversion: params.buildVersion,
    ncpu: params.ncpu,
  };
  s.record_counts = Object.fromEntries(RECORD_NAMES.map((name, tag) => [name, model.recordCounts[tag]]));
  s.record_bytes = Object.fromEntries(RECORD_NAMES.map((name, tag) => [name, model.recordBytes[tag]]));
  s.objects = objectStats(model);

  if (model.memStats) {
    const ms: Record<string, unknown> = {};
    for (const name of MEMSTATS_FIELDS) ms[name] = model.memStats.fields[name];
    ms.NumGC = model.memStats.numGC;
    ms.PauseNs_nonzero = model.memStats.pauseNs.filter((p) => p !== 0n).length;
    ms.PauseNs_first8 = model.memStats.pauseNs.slice(0, 8);
    s.memstats = ms;
  } else {
    s.memstats = null;
  }

  const g = model.goroutines;
  const f = model.frames;
  const goroutines = [];
  for (let i = 0; i < g.count; i++) {
    const n = g.frameCount[i];
    const first = g.firstFrame[i];
    goroutines.push({
      goid: g.goid[i],
      status: goroutineStatusName(g.status[i]),
      status_code: g.status[i],
      waitreason: strings.get(g.waitReason[i]),
      issystem: g.isSystem[i] === 1,
      frames: n,
      top_frame: n > 0 ? strings.get(f.name[first]) : null,
      bottom_frame: n > 0 ? strings.get(f.name[first + n - 1]) : null,
      has_defer: g.topDefer[i] !== 0,
      has_panic: g.topPanic[i] !== 0,
    });
  }
  goroutines.sort((a, b) => a.goid - b.goid);
  s.goroutines = goroutines;
  s.goroutine_waitreasons = countBy(goroutines.map((x) => x.waitreason));
  s.goroutine_statuses = countBy(goroutines.map((x) => x.status));
  let frameBytes = 0;
  let framePointers = 0;
  let maxDepth = 0;
  for (let i = 0; i < f.count; i++) {
    frameBytes += f.size[i];
    framePointers += f.pointerFields[i];
  }
  for (let i = 0; i < g.count; i++) maxDepth = Math.max(maxDepth, g.frameCount[i]);
  s.stackframes = { count: f.count, total_bytes: frameBytes, pointer_fields: framePointers, max_depth: maxDepth };

  s.types = model.types.map((t) => ({ addr: hex(t.addr), name: t.name, size: t.size, indirect: t.indirect }));
  s.type_count = model.types.length;
  s.itab_count = model.itabs.length;
  const typeAddrs = new Set(model.types.map((t) => t.addr));
  s.itabs_with_type_record = model.itabs.filter((it) => typeAddrs.has(it.type)).length;

  const mp = model.memProf;
  s.memprof_count = mp.length;
  s.memprof_totals = {
    allocs: mp.reduce((a, m) => a + m.allocs, 0),
    frees: mp.reduce((a, m) => a + m.frees, 0),
    buckets_with_allocs: mp.filter((m) => m.allocs !== 0).length,
  };
  s.memprof = mp.map((m) => ({
    bucket: hex(m.bucket),
    size: m.size,
    allocs: m.allocs,
    frees: m.frees,
    frames: m.frames.map((fr) => ({ func: strings.get(fr.func), file: strings.get(fr.file), line: fr.line })),
  }));
  const samples = model.allocSamples;
  s.allocsample_count = samples.count;
  const buckets = new Set(mp.map((m) => m.bucket));
  let known = 0;
  for (let i = 0; i < samples.count; i++) if (buckets.has(samples.bucket[i])) known++;
  s.allocsamples_with_known_bucket = known;
  s.finalizer_count = model.finalizers.length;
  s.queuedfinalizer_count = model.queuedFinalizers.length;
  const finalizer = (x: FinalizerRecord) => ({ obj: hex(x.obj), fn: hex(x.fn), fnpc: hex(x.fnPc), fint: hex(x.fint), ot: hex(x.ot) });
  s.finalizers = model.finalizers.map(finalizer);
  s.queuedfinalizers = model.queuedFinalizers.map(finalizer);
  s.defers = model.defers.map((d) => ({
    addr: hex(d.addr), g: hex(d.g), argp: hex(d.argp), pc: hex(d.pc), fn: hex(d.fn), fnpc: hex(d.fnPc), link: hex(d.link),
  }));
  s.panics = model.panics.map((p) => ({
    addr: hex(p.addr), g: hex(p.g), argtype: hex(p.argType), argdata: hex(p.argData), defer: hex(p.defer), link: hex(p.link),
  }));
  s.osthreads = model.osThreads.map((t) => ({ addr: hex(t.addr), id: t.id, procid: t.procId }));
  s.data = model.data.map((x) => ({ addr: hex(x.addr), size: x.size, pointer_fields: x.pointerFields }));
  s.bss = model.bss.map((x) => ({ addr: hex(x.addr), size: x.size, pointer_fields: x.pointerFields }));
  s.otherroots = model.otherRoots.map((o) => ({ description: o.description, addr: hex(o.addr) }));

  if (options.graphStats) {
    const gs = options.graphStats;
    s.graph = {
      pointer_values_into_heap: gs.pointerValuesIntoHeap,
      interior_pointers: gs.interiorPointers,
      nil_pointer_slots: gs.nilPointerSlots,
      pointer_slots_outside_heap_objects: gs.pointerSlotsOutsideHeapObjects,
      objects_referenced_at_least_once: gs.objectsReferencedAtLeastOnce,
      objects_unreferenced: gs.objectsUnreferenced,
    };
  }
  if (options.reachable) {
    const reachable = options.reachable;
    let count = 0;
    let bytes = 0;
    for (let i = 0; i < objects.count; i++) {
      if (reachable(i)) {
        count++;
        bytes += objectSize(objects, i);
      }
    }
    const total = (s.objects as { total_bytes: number }).total_bytes;
    const phantoms = objects.phantoms ?? { count: 0, bytes: 0 };
    s.reachability = {
      reachable_objects: count,
      reachable_bytes: bytes,
      garbage_objects: objects.count - phantoms.count - count,
      garbage_bytes: total - phantoms.bytes - bytes,
    };
  }
  if (model.error) {
    s.error = {
      message: model.error.message,
      offset: model.error.offset,
      record: model.error.recordKind ?? null,
      record_offset: model.error.recordOffset ?? null,
      truncated: model.error.truncated,
    };
  }
  return s;
}

function objectStats(model: DumpModel): Record<string, unknown> {
  const objects = model.objects;
  const sizes = new Map<number, number>();
  let total = 0;
  let minAddr = Infinity;
  let maxAddr = -Infinity;
  for (let i = 0; i < objects.count; i++) {
    const size = objectSize(objects, i);
    total += size;
    sizes.set(size, (sizes.get(size) ?? 0) + 1);
    const a = objectAddress(objects, i);
    if (a < minAddr) minAddr = a;
    if (a > maxAddr) maxAddr = a;
  }
  const bySize = [...sizes.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  return {
    // Records, as the reference decoder counts them; phantom_slots of them are not objects.
    count: objects.count,
    total_bytes: total,
    phantom_slots: objects.phantoms?.count ?? 0,
    phantom_slot_bytes: objects.phantoms?.bytes ?? 0,
    pointer_fields: model.stats.objectPointerFields,
    objects_with_pointers: model.stats.objectsWithPointers,
    distinct_sizes: sizes.size,
    top_sizes: bySize.slice(0, 12).map(([size, count]) => ({ size, count })),
    largest: sizes.size ? Math.max(...sizes.keys()) : 0,
    min_addr: objects.count ? hex(minAddr) : null,
    max_addr: objects.count ? hex(maxAddr) : null,
  };
}

/** Counts of each value, keys sorted (as the reference decoder writes them). */
function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) out[v] = (out[v] ?? 0) + 1;
  return out;
}
