/**
 * npm run demo [-- --smoke]: builds and packages the extension and opens VS Code on the
 * repo's sample (its Go source and its dumps) with the sample dump open.
 * With `code` on PATH: a VS Code window with the extension under development. Otherwise:
 * code-server from npm (installed once into .cache/) on 127.0.0.1, printing the URL (no
 * browser needed here: open it in yours, over SSH port forwarding if remote); Ctrl-C stops it. --smoke does the same headless, checks in Chromium that the editor
 * rendered the sample, prints the result and exits.
 */
import { execFileSync, spawn, spawnSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import { unpackSampleProgram } from '../support/binaries';
import { REPO, SAMPLES } from '../support/corpus';
import { launchChromium, remoteUri, startCodeServer, workbenchUrl } from './codeServer';

const SAMPLE = join(SAMPLES, 'dumps', 'orders.heapdump');
const smoke = process.argv.includes('--smoke');

async function main(): Promise<number> {
  execFileSync('npm', ['run', 'package'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  // The program that wrote the sample dumps, where the extension looks for it (and offers it).
  unpackSampleProgram();
  if (!smoke && spawnSync('code', ['--version'], { stdio: 'ignore' }).status === 0) {
    spawn('code', ['--extensionDevelopmentPath', REPO, SAMPLES, SAMPLE], { detached: true, stdio: 'ignore' }).unref();
    console.log(`Opened VS Code on ${SAMPLES} with the extension under development.`);
    return 0;
  }
  const server = await startCodeServer({ vsix: [join(REPO, 'go-heap-dump-viewer.vsix')] });
  const url = workbenchUrl(server, SAMPLES, [['openFile', remoteUri(server, SAMPLE)]]);
  if (!smoke) {
    console.log([
      '',
      'Go Heap Dump Viewer is running in code-server (VS Code in the browser):',
      '',
      `  ${url}`,
      '',
      'Open that URL in a browser on this machine. On another machine, forward the port over SSH first:',
      '',
      `  ssh -N -L ${server.port}:127.0.0.1:${server.port} USER@THIS_HOST`,
      '',
      'then open the same URL there (it must stay 127.0.0.1: webviews need a secure context). Press Ctrl-C to stop.',
    ].join('\n'));
    const stop = () => {
      server.stop();
      process.exit(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    await new Promise(() => undefined);
  }
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    const version = JSON.parse(readFileSync(SAMPLE.replace('.heapdump', '.summary.json'), 'utf8')).params.buildversion;
    const editor = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await editor.getByText(version, { exact: true }).first().waitFor({ timeout: 120_000 });
    const shot = join(REPO, 'test-results', 'demo-smoke.png');
    await page.screenshot({ path: shot });
    console.log(`smoke: OK: the heap dump editor shows ${version} for ${SAMPLE} (screenshot ${shot})`);
    return 0;
  } catch (e) {
    console.error(`smoke: FAILED: ${(e as Error).message}`);
    return 1;
  } finally {
    await browser.close();
    server.stop();
  }
}

main().then((code) => process.exit(code), (e) => {
  console.error(e);
  process.exit(1);
});
