/**
 * A mocha reporter that prints like the usual one (dot; spec with `--reporter-option base=spec`)
 * and, when GOHEAP_TALLY names a file, appends the run's counts to it as one JSON line: how
 * test/run.ts sums every stage of `npm test` into one "N passed, N failed" line.
 */
import { appendFileSync } from 'fs';
import Mocha from 'mocha';

export interface Tally {
  stage: string;
  passed: number;
  failed: number;
  skipped: number;
}

/** Appends the counts of a finished run to the GOHEAP_TALLY file, if there is one. */
export function writeTally(stats: { passes: number; failures: number; pending: number }): void {
  const file = process.env.GOHEAP_TALLY;
  if (!file) return;
  const tally: Tally = { stage: process.env.GOHEAP_STAGE ?? 'mocha', passed: stats.passes, failed: stats.failures, skipped: stats.pending };
  appendFileSync(file, JSON.stringify(tally) + '\n');
}

function TallyReporter(runner: Mocha.Runner, options?: Mocha.MochaOptions & { reporterOption?: Record<string, string> }): Mocha.reporters.Base {
  const Base = options?.reporterOption?.base === 'spec' ? Mocha.reporters.Spec : Mocha.reporters.Dot;
  const reporter = new Base(runner, options);
  runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
    if (runner.stats) writeTally(runner.stats);
  });
  return reporter;
}

module.exports = TallyReporter;
