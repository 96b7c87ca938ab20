/**
 * The analysis thread's priority, lowered from its first instruction. The worker lowers its
 * own once its script runs (src/worker/main.ts), but Node's bootstrap and the parse of a 1 MB
 * bundle come first: about 100 ms of CPU at the extension host's priority, in the very second
 * the dump opens, when the webview is painting and the host relays the first messages. Traced
 * in code-server on two cores, the host's thread then waited up to 66 ms for a core with the
 * worker among those ahead of it. On Linux a nice value belongs to a thread, so the host can
 * set the new thread's as soon as it exists: the thread `new Worker` created is the one in
 * /proc/self/task that was not there before.
 */
import { readdirSync } from 'fs';
import { setPriority } from 'os';
import { Worker } from 'worker_threads';

/** The nice value of analysis threads (the helper thread a worker starts inherits it). */
export const ANALYSIS_NICE = 10;

const TASKS = '/proc/self/task';

/** Starts a worker whose thread runs at ANALYSIS_NICE where the system allows it. */
export function startAnalysisWorker(start: () => Worker): Worker {
  const before = process.platform === 'linux' ? threadIds() : undefined;
  const worker = start();
  if (before) {
    for (const tid of threadIds() ?? []) {
      if (before.has(tid)) continue;
      try {
        setPriority(tid, ANALYSIS_NICE);
      } catch {
        // gone already, or not permitted: the worker lowers its own when its script runs
      }
    }
  }
  return worker;
}

function threadIds(): Set<number> | undefined {
  try {
    return new Set(readdirSync(TASKS).map(Number));
  } catch {
    return undefined;
  }
}
