/**
 * The editor's path through the analysis, as the extension host sees it: the bundled worker
 * (dist/worker.js) opened on a file in a worker thread of this process, which plays the host.
 * Prints JSON: seconds from the start to the first overview (what the editor paints first),
 * to indexed and to complete; the round trip of the first queries a user makes; the longest
 * stall of this thread's event loop meanwhile (what the host would feel relaying progress and
 * replies); and the peak RSS of the process. bench.ts runs it in a fresh child per run.
 */
import { monitorEventLoopDelay } from 'perf_hooks';
import { Worker } from 'worker_threads';
import type { FromWorker, ToWorker } from '../../src/protocol/workerMessages';

// editor.js WORKER FILE [BINARY] [--cache DIR]: with a cache folder, the worker reads the
// analysis from it or writes it there (then this waits for the writes before it exits).
const argv = process.argv.slice(2);
const cacheAt = argv.indexOf('--cache');
const cacheDir = cacheAt >= 0 ? argv.splice(cacheAt, 2)[1] : undefined;
const [script, file, binary] = argv;
const cacheEvents: string[] = [];
let finishing = false;
let cacheWritten: () => void = () => undefined;
const typesWritten = new Promise<void>((resolve) => (cacheWritten = resolve));
const t0 = performance.now();
const at = () => (performance.now() - t0) / 1000;
const stalls = monitorEventLoopDelay({ resolution: 5 });
stalls.enable();
// The longest gap between ticks of a 5 ms timer: the loop's stall, measured directly.
let lastTick = performance.now();
let longestGap = 0;
const ticker = setInterval(() => {
  const now = performance.now();
  longestGap = Math.max(longestGap, now - lastTick - 5);
  lastTick = now;
}, 5);

const worker = new Worker(script, { resourceLimits: { maxOldGenerationSizeMb: 16384 } });
const marks: Record<string, number> = {};
const pending = new Map<number, (m: FromWorker) => void>();
let nextId = 1;
const send = (m: ToWorker) => worker.postMessage(m);
const call = (method: string, args: unknown): Promise<number> => {
  const id = nextId++;
  const start = performance.now();
  return new Promise((resolve, reject) => {
    pending.set(id, (m) => ('err' in m ? reject(new Error(String(m.err))) : resolve((performance.now() - start) / 1000)));
    send({ type: 'call', id, method, args } as ToWorker);
  });
};

worker.on('message', (m: FromWorker) => {
  if (m.type === 'stage') {
    marks[m.stage] ??= at();
    // Once: attaching the binary posts the stage again.
    if (m.stage === 'dominated' && !finishing) {
      finishing = true;
      void finish();
    }
  } else if (m.type === 'failed') {
    console.error(m.message);
    process.exit(1);
  } else if (m.type === 'cache') {
    cacheEvents.push(`${m.part}${m.program ? ' (binary)' : ''} ${m.event}`);
    // The types of the program this run uses: read from the cache, or written there.
    if ((m.part === 'types' && (m.program === undefined) === !binary) || m.event === 'failed') cacheWritten();
  } else if (m.type === 'reply') {
    pending.get(m.id)?.(m);
    pending.delete(m.id);
  }
});

async function finish(): Promise<void> {
  const queries: Record<string, number> = {};
  queries.overview = await call('overview', undefined);
  queries.types = await call('types', { start: 0, end: 100, sort: { key: 'retained', descending: true } });
  queries.objects = await call('objects', { start: 0, end: 100, sort: { key: 'retained', descending: true } });
  queries.suspects = await call('suspects', undefined);
  queries.goroutines = await call('goroutineGroups', { start: 0, end: 100 });
  clearInterval(ticker);
  stalls.disable();
  if (cacheDir) await typesWritten;
  console.log(JSON.stringify({
    firstOverview: marks.decoded ?? marks.dominated,
    indexed: marks.indexed,
    complete: marks.dominated,
    queries,
    hostStallMs: Math.max(longestGap, stalls.max / 1e6),
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    cacheEvents,
  }));
  await worker.terminate();
  process.exit(0);
}

send({ type: 'open', source: { path: file, name: file }, options: cacheDir ? { cache: { dir: cacheDir, maxBytes: 2 ** 40, minDumpBytes: 0 }, program: binary } : {} });
if (binary) {
  // As the extension does once the user chose the binary: attached as soon as the dump is read.
  const id = nextId++;
  pending.set(id, () => undefined);
  send({ type: 'program', id, source: { path: binary, name: binary }, attach: true });
}
