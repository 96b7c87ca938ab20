/**
 * The integration suite's entry, in the shape @vscode/test-electron runs: run() inside the
 * extension host. Here it runs in code-server (npm run test:integration); on a machine that
 * can download VS Code, `npm run test:electron` runs the very same suite in desktop VS Code.
 */
import type MochaType from 'mocha';

/** The line that carries the suite's counts out of the extension host. */
export const TALLY_PREFIX = 'goheap-tally: ';

export async function run(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Mocha } = require('mocha') as { Mocha: typeof MochaType };
  const mocha = new Mocha({ ui: 'bdd', timeout: 120_000, color: false, reporter: 'spec' });
  // Bundled tests register with this instance's globals before they load.
  mocha.suite.emit('pre-require', globalThis, 'extension.test', mocha);
  await import('./extension.test');
  await new Promise<void>((resolve, reject) => {
    const runner = mocha.run((failures) => {
      // Read by test/integration/run.ts, which adds it to npm test's tally.
      const s = runner.stats;
      if (s) console.log(`${TALLY_PREFIX}${JSON.stringify({ passes: s.passes, failures: s.failures, pending: s.pending })}`);
      if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
      else resolve();
    });
  });
}
