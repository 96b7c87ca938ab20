/**
 * A mocha reporter that prints like the usual one (dot; spec with `--reporter-option base=spec`)
 * and writes the run's counts for test/run.ts (see tally.ts).
 */
import Mocha from 'mocha';
import { writeTally } from './tally';

function TallyReporter(runner: Mocha.Runner, options?: Mocha.MochaOptions & { reporterOption?: Record<string, string> }): Mocha.reporters.Base {
  const Base = options?.reporterOption?.base === 'spec' ? Mocha.reporters.Spec : Mocha.reporters.Dot;
  const reporter = new Base(runner, options);
  runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
    if (runner.stats) writeTally(runner.stats);
  });
  return reporter;
}

module.exports = TallyReporter;
