/**
 * The analysis's memory budget. The engine cannot see the process it runs in, so whoever runs
 * it (the worker, the CLI) installs a check; the engine calls `claimMemory` before it makes a
 * big allocation and as its tables grow. A check that finds the budget would be passed throws
 * MemoryBudgetError, which stops the analysis with a message instead of a RangeError (or the
 * process being killed) half way through an allocation.
 */

export class MemoryBudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MemoryBudgetError';
  }
}

type MemoryCheck = (bytes: number, what: string) => void;

let check: MemoryCheck | undefined;

/** Installs the budget check (undefined: no budget). */
export function setMemoryCheck(fn: MemoryCheck | undefined): void {
  check = fn;
}

/** Says that `bytes` more are about to be used for `what`; throws MemoryBudgetError past the budget. */
export function claimMemory(bytes: number, what: string): void {
  check?.(bytes, what);
}

/**
 * A budget on the process's resident memory: at most `limitBytes` more than it held when the
 * budget was set. `rss` reads the resident size (process.memoryUsage.rss).
 */
export function residentBudget(limitBytes: number, rss: () => number, setting: string): MemoryCheck {
  const base = rss();
  return (bytes, what) => {
    const used = rss() - base;
    if (used + bytes <= limitBytes) return;
    const mb = (n: number) => `${Math.ceil(n / 2 ** 20).toLocaleString('en-US')} MB`;
    throw new MemoryBudgetError(`The analysis would use more than its ${mb(limitBytes)} budget (${setting}): ${mb(used)} in use and about ${mb(bytes)} more needed for ${what}.`);
  };
}

/** A clear message for an allocation the JavaScript engine refused, or undefined for other errors. */
export function outOfMemoryMessage(e: unknown): string | undefined {
  if (e instanceof MemoryBudgetError) return e.message;
  if (e instanceof RangeError && /Array buffer allocation failed|Invalid typed array length|Invalid array length|Array buffer allocation/i.test(e.message)) {
    return `The analysis needs more memory than it could get (${e.message}). Close other dumps or programs, or analyse the dump on a machine with more memory.`;
  }
  return undefined;
}
