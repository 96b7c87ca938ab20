/**
 * The analysis worker (worker_threads): reads one heap dump, runs the analysis phase by
 * phase, and serves HeapApi queries. Between phases it returns to the event loop, so queries
 * that the finished phases can answer are answered while the next one waits its turn.
 */
import { setPriority } from 'os';
import { parentPort } from 'worker_threads';
import { inflateSync } from 'zlib';
import { ByteSource, MemoryByteSource } from '../engine/util/byteSource';
import { DumpError } from '../engine/format/errors';
import { Heap } from '../engine/analysis/heap';
import { heapService } from '../engine/service';
import { AnalysisStage, ApiMethod, HeapApi, Phase, REQUIRED_STAGE, STAGE_ORDER } from '../protocol/rpc';
import { AnalysisOptions, DumpSource, FromWorker, ProgramCheck, ToWorker } from '../protocol/workerMessages';
import { GoProgram } from '../engine/program/goProgram';
import { claimMemory, outOfMemoryMessage, residentBudget, setMemoryCheck } from '../engine/util/memory';
import { FileByteSource, openMaybeGzipped } from './fileByteSource';
import { collectGarbage } from './reclaim';
import { ThreadedObjects } from './threadedObjects';
import { AnalysisCache, FileIdentity, TypesIdentity, fileIdentity } from './analysisCache';
import { snapshotHeap, snapshotTypes } from '../engine/analysis/snapshot';

const port = parentPort;
if (!port) throw new Error('src/worker/main.ts runs as a worker thread');

/**
 * The analysis yields the CPU to the extension host: its event loop relays every reply, and on
 * two cores it would wait behind this thread (stalls of 60-220 ms measured in code-server while
 * a 1.4 GB dump opened). Linux keeps a nice value per thread, and setpriority(0) sets the
 * calling thread's: this one and the helper thread it starts. Elsewhere it would lower the
 * whole process, the host included, so it is left alone. The extension host lowers it earlier
 * still, as the thread starts (src/host/workerPriority.ts); this covers other starters.
 */
if (process.platform === 'linux') {
  try {
    setPriority(10);
  } catch {
    // not permitted: the analysis runs at the host's priority
  }
}

let heap: Heap | undefined;
let api: HeapApi | undefined;
/** The older dump to compare with, once one is loaded. */
let baseline: Heap | undefined;
let reached = -1; // index in STAGE_ORDER of the last stage completed
let failure: string | undefined;
let helpers: string[] | undefined;

/** The analysis cache, when it is on and the dump is a file worth caching. */
let cache: AnalysisCache | undefined;
let dumpIdentity: FileIdentity | undefined;
/** The attached program's file (null: none attached; undefined: one that has no file, not cached). */
let programIdentity: FileIdentity | null | undefined = null;
/** The types snapshots written or read already (by identity), and the write in progress. */
const typesKnown = new Set<string>();
let typesSaving = Promise.resolve();
const waiting: { stage: number; resume: () => void; fail: (e: Error) => void }[] = [];

function post(m: FromWorker, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(m, transfer);
}

function reach(stage: AnalysisStage): void {
  reached = STAGE_ORDER.indexOf(stage);
  post({ type: 'stage', stage, overview: (api as HeapApi).overview() });
  for (const w of waiting.splice(0)) {
    if (w.stage <= reached) w.resume();
    else waiting.push(w);
  }
}

function until(stage: AnalysisStage): Promise<void> {
  const k = STAGE_ORDER.indexOf(stage);
  if (failure !== undefined) return Promise.reject(new Error(failure));
  if (k <= reached) return Promise.resolve();
  return new Promise((resume, fail) => waiting.push({ stage: k, resume, fail }));
}

/** Lets queued queries run before the next phase takes the thread. */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

function progress(phase: Phase): (fraction: number | undefined) => void {
  let last = -1;
  let lastTime = 0;
  return (fraction) => {
    const now = Date.now();
    if (fraction !== undefined && fraction - last < 0.01 && now - lastTime < 200) return;
    last = fraction ?? last;
    lastTime = now;
    post({ type: 'progress', phase, fraction });
  };
}

async function analyse(src: DumpSource, options: AnalysisOptions = {}): Promise<void> {
  let source: ByteSource | undefined;
  if (options.memoryLimitMb) setMemoryCheck(residentBudget(options.memoryLimitMb * 2 ** 20, () => process.memoryUsage.rss(), 'goHeapDump.workerMemoryLimitMb'));
  try {
    source = 'path' in src ? openMaybeGzipped(src.path) : new MemoryByteSource(new Uint8Array(src.bytes));
    helpers = options.allocationHelpers;
    if (options.cache && 'path' in src) {
      dumpIdentity = fileIdentity(src.path);
      cache = new AnalysisCache(options.cache);
      if (!cache.wants(dumpIdentity.size)) cache = undefined;
    }
    const restored = cache && restore(source, src.name, options.program);
    if (restored) {
      heap = restored;
      api = heapService(heap, () => baseline);
      reach('dominated'); // every stage at once: one overview, not three
      persistTypes(); // if the cache kept no types for this program
      return;
    }
    const reading = progress('reading');
    reading(0);
    heap = Heap.read(source, src.name, {
      onProgress: (done, total) => {
        reading(done / total);
        claimMemory(0, 'reading the dump');
      },
      // The helper thread reads the file itself: not a gzipped one (unpacked in memory here).
      parallel: 'path' in src && source instanceof FileByteSource ? new ThreadedObjects(src.path, 3) : undefined,
    });
    heap.reclaim = collectGarbage;
    if (helpers) heap.setAllocationHelpers(helpers);
    api = heapService(heap, () => baseline);
    reach('decoded');
    await breathe();
    progress('indexing')(undefined);
    heap.index();
    reach('indexed');
    await breathe();
    progress('dominators')(undefined);
    heap.dominate();
    reach('dominated');
    if (cache) void persist(cache, heap);
  } catch (e) {
    const memory = outOfMemoryMessage(e);
    failure = memory ?? (e instanceof Error ? e.message : String(e));
    post({ type: 'failed', message: failure, offset: e instanceof DumpError ? e.offset : undefined, stopped: memory !== undefined });
    for (const w of waiting.splice(0)) w.fail(new Error(failure));
  }
}

/** The heap the cache kept for this dump, typed as it was (undefined: none, or unusable). */
function restore(source: ByteSource, name: string, expectedProgram: string | undefined): Heap | undefined {
  const c = cache as AnalysisCache;
  progress('reading')(undefined);
  const h = c.readHeap(dumpIdentity as FileIdentity, source, name, (why) => post({ type: 'cache', event: 'failed', part: 'heap', detail: why }));
  if (!h) return undefined;
  h.reclaim = collectGarbage;
  if (helpers) h.setAllocationHelpers(helpers);
  if (expectedProgram) attachExpected(h, expectedProgram);
  restoreTypesFromCache(h);
  post({ type: 'cache', event: 'restored', part: 'heap', detail: `analysis read from the cache (${c.pathOf('heap', dumpIdentity)})` });
  return h;
}

/**
 * Attaches the program the host said it will attach, to a heap read from the cache, before it
 * is typed: its cached types are read, not the types without it computed first. What is wrong
 * with it is left for the host's own `program` message to say.
 */
function attachExpected(h: Heap, path: string): void {
  let source: ByteSource | undefined;
  try {
    source = openMaybeGzipped(path);
    if (h.attachProgram(new GoProgram(source, path, (b) => inflateSync(b))).ok) {
      programIdentity = fileIdentity(path);
      return;
    }
  } catch {
    // said when the host attaches it
  }
  if (source instanceof FileByteSource) source.close();
}

/** What the types snapshot of the heap with its program now is made for; undefined: not cached. */
function typesIdentity(): TypesIdentity | undefined {
  if (!dumpIdentity || programIdentity === undefined) return undefined;
  return { dump: dumpIdentity, program: programIdentity, helpers: helpers ?? null };
}

/** Types the heap as the cache kept it for its program now, if it did (before anything classifies it). */
function restoreTypesFromCache(h: Heap): void {
  const identity = typesIdentity();
  if (!identity || !cache) return;
  const program = identity.program?.path;
  if (cache.readTypes(h, identity, (why) => post({ type: 'cache', event: 'failed', part: 'types', program, detail: why }))) {
    typesKnown.add(JSON.stringify(identity));
    post({ type: 'cache', event: 'restored', part: 'types', program, detail: `types read from the cache (${cache.pathOf('types', identity)})` });
  }
}

/**
 * Writes the heap's snapshot to the cache, then its types' (computing what the views ask first
 * anyway: the classification, the type histogram, the suspects). Between the two, and while
 * the files are written, queries are answered.
 */
async function persist(c: AnalysisCache, h: Heap): Promise<void> {
  try {
    const skipped = await c.write('heap', dumpIdentity, snapshotHeap(h, dumpIdentity));
    post({ type: 'cache', event: skipped ? 'failed' : 'saved', part: 'heap', detail: skipped ? `the analysis was not saved to the cache: ${skipped}` : `analysis saved to the cache (${c.pathOf('heap', dumpIdentity)})` });
    if (!skipped) persistTypes();
  } catch (e) {
    post({ type: 'cache', event: 'failed', part: 'heap', detail: `the analysis could not be saved to the cache: ${(e as Error).message}` });
  }
}

/** Queues a write of the types snapshot for the program attached now (once per identity). */
function persistTypes(): void {
  typesSaving = typesSaving.then(async () => {
    await breathe();
    // Read after the pause: a program attached meanwhile is what the types are computed with.
    const c = cache;
    const h = heap;
    const identity = typesIdentity();
    if (!c || !h || !identity || failure !== undefined || typesKnown.has(JSON.stringify(identity))) return;
    try {
      typesKnown.add(JSON.stringify(identity));
      // What the views ask first, computed now (they would ask in a moment) to be kept too.
      (api as HeapApi).suspects();
      (api as HeapApi).types({ start: 0, end: 1, sort: { key: 'retained', descending: true } });
      const skipped = await c.write('types', identity, snapshotTypes(h, identity));
      post({ type: 'cache', event: skipped ? 'failed' : 'saved', part: 'types', program: identity.program?.path, detail: skipped ? `the types were not saved to the cache: ${skipped}` : `types saved to the cache (${c.pathOf('types', identity)})` });
    } catch (e) {
      post({ type: 'cache', event: 'failed', part: 'types', program: identity.program?.path, detail: `the types could not be saved to the cache: ${(e as Error).message}` });
    }
  });
}

async function answer(id: number, method: ApiMethod, args: unknown): Promise<void> {
  try {
    await until(REQUIRED_STAGE[method]);
    const fn = (api as HeapApi)[method] as (a: unknown) => unknown;
    if (typeof fn !== 'function') throw new Error(`unknown query ${String(method)}`);
    const ok = fn(args);
    const bytes = (ok as { bytes?: unknown } | undefined)?.bytes;
    post({ type: 'reply', id, ok }, bytes instanceof ArrayBuffer ? [bytes] : []);
  } catch (e) {
    post({ type: 'reply', id, err: outOfMemoryMessage(e) ?? (e instanceof Error ? e.message : String(e)) });
  }
}

/**
 * Whether dump `a` was written after dump `b` by the same process: the cumulative counters
 * of MemStats only grow (TotalAlloc, then NumGC).
 */
function isLater(a: Heap, b: Heap): boolean {
  const x = a.model.memStats;
  const y = b.model.memStats;
  if (!x || !y) return false;
  if (x.fields.TotalAlloc !== y.fields.TotalAlloc) return x.fields.TotalAlloc > y.fields.TotalAlloc;
  return x.numGC > y.numGC;
}

/** Reads an older dump beside this one (decoded and indexed; no dominators needed). */
async function loadBaseline(id: number, src: DumpSource): Promise<void> {
  try {
    await until('indexed');
    const source = 'path' in src ? openMaybeGzipped(src.path) : new MemoryByteSource(new Uint8Array(src.bytes));
    const older = Heap.read(source, src.name);
    older.reclaim = collectGarbage;
    older.index();
    // The same program wrote both: its binary names the older dump's types too, or the
    // comparison would match DWARF names against shapes.
    attachToBaseline(older);
    baseline = older;
    post({ type: 'reply', id, ok: { name: src.name, newerThanThis: isLater(older, heap as Heap) } });
  } catch (e) {
    post({ type: 'reply', id, err: outOfMemoryMessage(e) ?? (e instanceof Error ? e.message : String(e)) });
  }
}

/**
 * Gives the older dump the program of this one (its own GoProgram: a position-independent
 * program may be loaded at another address in each run). A binary that did not write the
 * older dump is left out of it, which the comparison's names then show.
 */
function attachToBaseline(older: Heap): void {
  const p = heap?.program;
  if (p) older.attachProgram(new GoProgram(p.elf.source, p.fileName, (b) => inflateSync(b)));
}

/** Checks a program binary against the dump and, if asked and it matches, uses it. */
async function checkProgram(id: number, src: DumpSource, attach: boolean): Promise<void> {
  let check: ProgramCheck;
  let source: ByteSource | undefined;
  try {
    await until('decoded');
    const h = heap as Heap;
    if (attach && h.program && 'path' in src && programIdentity && JSON.stringify(fileIdentity(src.path)) === JSON.stringify(programIdentity)) {
      // Attached already (announced with the dump: see attachExpected).
      post({ type: 'reply', id, ok: { ok: true, problems: [], program: h.program.describe() } satisfies ProgramCheck });
      return;
    }
    source = 'path' in src ? openMaybeGzipped(src.path) : new MemoryByteSource(new Uint8Array(src.bytes));
    const program = new GoProgram(source, src.name, (b) => inflateSync(b));
    const match = program.match(h.model.params, h.model.data, h.model.bss);
    check = { ok: match.ok, problems: match.problems, program: program.describe() };
    if (match.ok && attach) {
      const previous = h.program?.elf.source;
      h.attachProgram(program);
      programIdentity = 'path' in src ? fileIdentity(src.path) : undefined;
      if (cache) {
        restoreTypesFromCache(h);
        if (reached === STAGE_ORDER.indexOf('dominated')) persistTypes();
      }
      if (baseline) attachToBaseline(baseline);
      if (previous instanceof FileByteSource) previous.close();
      source = undefined; // in use from now on
      // The overview (and every view) now has names, lines and types from the program.
      post({ type: 'stage', stage: STAGE_ORDER[reached], overview: (api as HeapApi).overview() });
    }
  } catch (e) {
    check = { ok: false, problems: [e instanceof Error ? e.message : String(e)], program: null };
  }
  if (source instanceof FileByteSource) source.close();
  post({ type: 'reply', id, ok: check });
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'open') void analyse(m.source, m.options);
  else if (m.type === 'baseline') void loadBaseline(m.id, m.source);
  else if (m.type === 'program') void checkProgram(m.id, m.source, m.attach);
  else void answer(m.id, m.method, m.args);
});
