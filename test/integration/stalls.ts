/**
 * Event-loop stalls of this thread, told apart from the machine's. A timer every millisecond
 * records each gap between its callbacks (start and end, on the clock every process of the
 * machine shares); an idle Node process started beside it does the same. On a shared two-core
 * machine the idle process also stalls, for up to 260 ms (measured) while code-server and
 * Chromium start, open a webview or the machine is busy elsewhere: the time of a host stall the
 * idle process was stalled too is the machine's, and what is left is the host's own.
 */
import { spawn } from 'child_process';
import { performance } from 'perf_hooks';

/** [start, end] in epoch milliseconds (fractional). */
export type Gap = [number, number];

/** Gaps longer than this are recorded (the rest is the timer's own millisecond). */
const RECORD_MS = 3;

const SAMPLER = `
const { performance } = require('perf_hooks');
const now = () => performance.timeOrigin + performance.now();
const gaps = [];
let last = now();
const timer = setInterval(() => { const t = now(); if (t - last > ${RECORD_MS}) gaps.push([last, t]); last = t; }, 1);
process.stdin.on('end', () => { clearInterval(timer); process.stdout.write(JSON.stringify(gaps)); });
process.stdin.resume();
`;

export interface StallWatch {
  /** Stops both samplers: this thread's gaps and the idle process's. */
  stop(): Promise<{ host: Gap[]; machine: Gap[] | undefined }>;
}

export function watchStalls(): StallWatch {
  const now = () => performance.timeOrigin + performance.now();
  const host: Gap[] = [];
  let last = now();
  const timer = setInterval(() => {
    const t = now();
    if (t - last > RECORD_MS) host.push([last, t]);
    last = t;
  }, 1);
  // The extension host's executable runs Node scripts (desktop VS Code's Electron with this variable).
  const idle = spawn(process.execPath, ['-e', SAMPLER], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['pipe', 'pipe', 'ignore'] });
  let out = '';
  idle.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => {
    idle.on('close', () => resolve());
    idle.on('error', () => resolve());
  });
  return {
    async stop() {
      clearInterval(timer);
      idle.stdin.end();
      await exited;
      let machine: Gap[] | undefined;
      try {
        machine = JSON.parse(out) as Gap[];
      } catch {
        machine = undefined;
      }
      return { host, machine };
    },
  };
}

/** Each host gap less the time the idle process was stalled within it: the host's own stall, in ms. */
export function ownStalls(host: Gap[], machine: Gap[]): { gap: Gap; ms: number; own: number }[] {
  return host.map((gap) => {
    let shared = 0;
    let covered = gap[0];
    // The machine's gaps are in time order and do not overlap (one timer's intervals).
    for (const [s, e] of machine) {
      if (e <= covered) continue;
      if (s >= gap[1]) break;
      const from = Math.max(s, covered);
      const to = Math.min(e, gap[1]);
      if (to > from) {
        shared += to - from;
        covered = to;
      }
    }
    return { gap, ms: gap[1] - gap[0], own: gap[1] - gap[0] - shared };
  });
}
