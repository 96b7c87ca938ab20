/**
 * The analysis worker (worker_threads): reads one heap dump, runs the analysis phase by
 * phase, and serves HeapApi queries. Between phases it returns to the event loop, so queries
 * that the finished phases can answer are answered while the next one waits its turn.
 */
import { setPriority } from 'os';
import { parentPort } from 'worker_threads';
import { inflateSync } from 'zlib';
import { ByteSource, MemoryByteSource } from '../engine/format/byteSource';
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

const port = parentPort;
if (!port) throw new Error('src/worker/main.ts runs as a worker thread');

/**
 * The analysis yields the CPU to the extension host: its event loop relays every reply, and on
 * two cores it would wait behind this thread (stalls of 60-220 ms measured in code-server while
 * a 1.4 GB dump opened). Linux keeps a nice value per thread, and setpriority(0) sets the
 * calling thread's: this one and the helper thread it starts. Elsewhere it would lower the
 * whole process, the host included, so it is left alone.
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
    if (options.allocationHelpers) heap.setAllocationHelpers(options.allocationHelpers);
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
  } catch (e) {
    const memory = outOfMemoryMessage(e);
    failure = memory ?? (e instanceof Error ? e.message : String(e));
    post({ type: 'failed', message: failure, offset: e instanceof DumpError ? e.offset : undefined, stopped: memory !== undefined });
    for (const w of waiting.splice(0)) w.fail(new Error(failure));
  }
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
    source = 'path' in src ? openMaybeGzipped(src.path) : new MemoryByteSource(new Uint8Array(src.bytes));
    const program = new GoProgram(source, src.name, (b) => inflateSync(b));
    const h = heap as Heap;
    const match = program.match(h.model.params, h.model.data, h.model.bss);
    check = { ok: match.ok, problems: match.problems, program: program.describe() };
    if (match.ok && attach) {
      const previous = h.program?.elf.source;
      h.attachProgram(program);
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
