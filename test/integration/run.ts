/**
 * npm run test:integration: the integration suite inside code-server's real extension
 * host (extensionDevelopmentPath/extensionTestsPath through the smoke-test driver), with
 * headless Chromium as the client. Exits with the suite's result.
 */
import { execFileSync, spawnSync } from 'child_process';
import { join } from 'path';
import { format } from 'util';
import { unpackSampleProgram } from '../support/binaries';
import { denseDump } from '../bench/denseDump';
import { writeTally } from '../support/tally';
import { TALLY_PREFIX } from './index';
import { REPO, SAMPLES } from '../support/corpus';
import { launchChromium, remoteUri, startCodeServer, workbenchUrl } from '../vscode/codeServer';

/** Workbench chatter of an offline code-server that says nothing about the tests. */
const NOISE = /ChatModelSelection|open-vsx\.org|authentication provider|AccountPolicyGate|AgentHost|^\s+at |marketplace|gallery/i;

async function main(): Promise<number> {
  execFileSync(process.execPath, [join(REPO, 'esbuild.mjs')], { stdio: 'inherit', cwd: REPO });
  // The program that wrote the sample dumps, next to them: the suite finds it there.
  unpackSampleProgram();
  // A 1 GB dump for the host-stall test, from the benchmark's generator (needs Go).
  if (spawnSync('go', ['version']).status === 0) process.env.GOHEAP_STALL_DUMP = denseDump(join(REPO, 'bench-data'), 1000).file;
  const server = await startCodeServer({ smokeTestDriver: true });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const exit = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
    });
    await page.exposeFunction('codeAutomationLog', (level: string, args: unknown[]) => {
      const text = Array.isArray(args) ? format(...args) : String(args);
      if (text.startsWith(TALLY_PREFIX)) writeTally(JSON.parse(text.slice(TALLY_PREFIX.length)));
      else if (!NOISE.test(text)) console.log(level === 'error' ? `[error] ${text}` : text);
    });
    const url = workbenchUrl(server, SAMPLES, [
      ['extensionDevelopmentPath', remoteUri(server, REPO)],
      ['extensionTestsPath', remoteUri(server, join(REPO, 'dist', 'test', 'suite', 'index'))],
    ]);
    await page.goto(url);
    const timeout = new Promise<number>((resolve) => setTimeout(() => {
      console.error('integration tests: no result after 10 minutes');
      resolve(1);
    }, 600_000));
    return await Promise.race([exit, timeout]);
  } finally {
    await browser.close();
    server.stop();
  }
}

main().then((code) => process.exit(code), (e) => {
  console.error(e);
  process.exit(1);
});
