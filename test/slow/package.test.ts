/**
 * What ships: the .vsix holds only what runs (bundles, codicons, icons, css, the README and
 * licence), and the npm package installs a `goheap` that runs from any folder.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { readdirSync } from 'fs';
import { join } from 'path';
import { REPO, SAMPLES } from '../support/corpus';
import { tempDir } from '../support/tempDir';

const SHIPPED = [
  /^dist\/(extension|worker|objectPartHelper|webview)\.js$/,
  /^dist\/codicons\/codicon\.(css|ttf)$/,
  /^media\/[^/]+\.(svg|png|css)$/,
  /^(package\.json|README\.md|LICENSE|CHANGELOG\.md)$/,
];

function run(cmd: string, args: string[], cwd = REPO) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 16 << 20 });
  assert.strictEqual(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describe('packages', function () {
  this.timeout(180_000);

  it('the .vsix holds only what runs: no maps, screenshots, tests or samples', function () {
    const vsix = join(tempDir('goheap-vsix-'), 'x.vsix');
    run('npx', ['--no-install', 'vsce', 'package', '--no-dependencies', '--out', vsix]);
    // The archive's own list (a .vsix is a zip): extension/ holds the package's files.
    const listing = run('python3', ['-c', 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', vsix]);
    const files = listing.split('\n').filter((f) => f.startsWith('extension/')).map((f) => f.slice('extension/'.length)).filter(Boolean);
    assert.ok(files.includes('dist/extension.js') && files.includes('dist/webview.js') && files.includes('dist/worker.js'), files.join('\n'));
    const extra = files.filter((f) => !SHIPPED.some((p) => p.test(f)));
    assert.deepStrictEqual(extra.filter((f) => f !== 'readme.md' && f !== 'changelog.md' && f !== 'LICENSE.txt'), [], 'files that do not run in the extension');
    assert.ok(!files.some((f) => /screenshot|\.map$|^test\/|^samples\//.test(f)));
  });

  it('npm pack + npm install -g gives a goheap that runs from any folder', function () {
    const dir = tempDir('goheap-pack-');
    run('npm', ['pack', '--pack-destination', dir]);
    const [tarball] = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack wrote a tarball');
    const prefix = join(dir, 'prefix');
    run('npm', ['install', '-g', '--no-audit', '--no-fund', '--prefix', prefix, join(dir, tarball)]);
    const out = run(join(prefix, 'bin', 'goheap'), ['summary', '--binary', join(SAMPLES, 'bin', 'orderservice-go1.19.gz'), join(SAMPLES, 'dumps', 'orders.heapdump')], dir);
    assert.match(out, /Go heap dump written by go1\.19\.8/);
    assert.match(out, /program +\S+orderservice-go1\.19\.gz \(go1\.19\.8/);
  });
});
