/**
 * npm test: every stage in order (lint, types, unit, slow, integration in a real VS Code, UI),
 * each run even when an earlier one failed, then one line summing them all:
 * "N passed, N failed[, N skipped]". Exits non-zero when any stage failed.
 *
 * Mocha stages report their counts through test/support/tally.ts (GOHEAP_TALLY); the
 * integration suite, which runs inside VS Code, prints them and test/integration/run.ts
 * writes them there. A stage that ends without counts (a crash) counts as one failure.
 */
import { spawnSync } from 'child_process';
import { join } from 'path';
import { REPO } from './support/corpus';
import { tempDir } from './support/tempDir';
import { Tally, readTallies } from './support/tally';

interface Stage {
  name: string;
  /** Commands, each one check when the stage has no counts of its own. */
  commands: string[][];
  /** Whether the stage reports counts through GOHEAP_TALLY. */
  tallies: boolean;
}

const npx = (...args: string[]) => ['npx', '--no-install', ...args];
const STAGES: Stage[] = [
  { name: 'lint', commands: [npx('eslint', '.')], tallies: false },
  { name: 'types', commands: [npx('tsc', '--noEmit'), npx('tsc', '--noEmit', '-p', 'webview')], tallies: false },
  { name: 'unit', commands: [npx('mocha')], tallies: true },
  { name: 'slow', commands: [npx('mocha', '--config', 'test/slow/.mocharc.json')], tallies: true },
  { name: 'integration', commands: [npx('tsx', 'test/integration/run.ts')], tallies: true },
  { name: 'ui', commands: [npx('mocha', '--config', 'test/e2e/.mocharc.json')], tallies: true },
];

function main(): number {
  const only = process.argv.slice(2);
  const tallyFile = join(tempDir('goheap-test-'), 'tally.jsonl');
  const results: Tally[] = [];
  for (const stage of STAGES) {
    if (only.length && !only.includes(stage.name)) continue;
    console.log(`\n=== ${stage.name}`);
    const before = readTallies(tallyFile).length;
    let exitFailures = 0;
    for (const [cmd, ...args] of stage.commands) {
      const r = spawnSync(cmd, args, {
        cwd: REPO,
        stdio: 'inherit',
        env: { ...process.env, GOHEAP_TALLY: tallyFile, GOHEAP_STAGE: stage.name },
      });
      if (r.status !== 0) exitFailures++;
    }
    const counted = readTallies(tallyFile).slice(before);
    let tally: Tally;
    if (!stage.tallies) {
      tally = { stage: stage.name, passed: stage.commands.length - exitFailures, failed: exitFailures, skipped: 0 };
    } else if (counted.length === 0) {
      tally = { stage: stage.name, passed: 0, failed: 1, skipped: 0 };
      console.log(`${stage.name}: ended without reporting its tests (crashed?)`);
    } else {
      tally = counted.reduce((a, t) => ({ stage: stage.name, passed: a.passed + t.passed, failed: a.failed + t.failed, skipped: a.skipped + t.skipped }));
      // A stage whose process failed with every test passing still failed (e.g. a hook).
      if (exitFailures > 0 && tally.failed === 0) tally.failed = 1;
    }
    results.push(tally);
  }
  console.log('');
  for (const t of results) console.log(`  ${t.stage.padEnd(12)} ${t.passed} passed, ${t.failed} failed${t.skipped ? `, ${t.skipped} skipped` : ''}`);
  const sum = results.reduce((a, t) => ({ passed: a.passed + t.passed, failed: a.failed + t.failed, skipped: a.skipped + t.skipped }), { passed: 0, failed: 0, skipped: 0 });
  console.log(`${sum.passed} passed, ${sum.failed} failed${sum.skipped ? `, ${sum.skipped} skipped` : ''}`);
  return sum.failed > 0 ? 1 : 0;
}

process.exitCode = main();
