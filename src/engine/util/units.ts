/** Display units shared by every front end (CLI, webview, tree view; re-exported by src/protocol). */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 -> "1.5 KiB". */
export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${UNITS[u]}`;
}

/** 1234567 -> "1,234,567". */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Address as lower-case hex with 0x. */
export function formatAddress(a: number): string {
  return '0x' + a.toString(16);
}

/** A share as a percentage with one decimal. */
export function formatPercent(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-';
}

/** Nanoseconds as a short duration: "850 ns", "1.2 ms", "3.4 s". */
export function formatNs(ns: number): string {
  if (ns < 1e3) return `${ns} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(1)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(1)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

/** The last path element of a file name from a dump ("/a/b/c.go" -> "c.go"). */
export function baseName(path: string): string {
  const k = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return k >= 0 ? path.slice(k + 1) : path;
}

/**
 * "main.worker handler.go:42", as Go tracebacks and pprof show a frame; "~handler.go:42"
 * when the line is a line of the function found elsewhere, not the frame's own.
 */
export function frameText(f: { function: string; file?: string; line?: number; approximate?: boolean }): string {
  if (!f.file || !f.line) return f.function;
  return `${f.function} ${f.approximate ? '~' : ''}${baseName(f.file)}:${f.line}`;
}

/** Functions that say how a goroutine waits, not what it does. */
const PLUMBING = /^(runtime\.|sync\.runtime_|internal\/poll\.runtime_|time\.Sleep$)/;

/**
 * The frame that best names a stack: the innermost frame outside the runtime's waiting and
 * scheduling code; for a stack that is all runtime, its entry function (the frame above
 * runtime.goexit).
 */
export function summaryFrame<F extends { function: string }>(frames: F[]): F | undefined {
  const user = frames.find((f) => !PLUMBING.test(f.function) && !f.function.startsWith('(0x'));
  if (user) return user;
  const entry = frames.filter((f) => f.function !== 'runtime.goexit');
  return entry[entry.length - 1] ?? frames[0];
}

/** The one line that says what the phantom slots are, wherever the object count is shown. */
export function phantomSlotsText(o: { phantomSlots: { count: number; bytes: number } }): string {
  const { count, bytes } = o.phantomSlots;
  return `${formatCount(count)} record${count === 1 ? '' : 's'} (${formatBytes(bytes)}) left out: the reserved tails of small-object spans, which Go >= 1.22 writes as objects`;
}

/** What the stack words outside the frames' pointer maps keep alive, in one line. */
export function stackWordText(r: { count: number; bytes: number }): string {
  return `${formatCount(r.count)} object${r.count === 1 ? '' : 's'} (${formatBytes(r.bytes)}) reachable only through words of stack frames their pointer maps leave out (locals kept in stack objects)`;
}

/** The memory profile's sampling rate, as known or estimated, or why the profile is (nearly) empty. */
export function samplingText(r: { rate: number; source: string; sampled?: number; expected?: number }): string {
  if (r.source === 'off') {
    return `memory profiling was off: ${formatCount(r.sampled ?? 0)} allocation${r.sampled === 1 ? '' : 's'} sampled where Go's default rate would have sampled about ${formatCount(r.expected ?? 0)}`
      + ' (Go turns it off in a program that cannot read the profile: import _ "runtime/pprof", or set runtime.MemProfileRate early in main, to get allocation sites)';
  }
  if (r.rate <= 1) return 'every allocation sampled';
  return `one sample every ${formatBytes(r.rate)} allocated${r.source === 'estimated' ? ' (estimated: the dump does not record runtime.MemProfileRate)' : ''}`;
}
