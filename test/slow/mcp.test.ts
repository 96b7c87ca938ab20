/**
 * goheap mcp as an agent sees it: started through the official SDK's client over stdio, its
 * tools listed and each one called on sample dumps; the numbers equal the CLI's own JSON
 * (goheap suspects/leaks/summary --json); malformed arguments are MCP errors, and the
 * server goes on answering.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { readdirSync, statSync } from 'fs';
import { join } from 'path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { heapService } from '../../src/engine/service';
import { REPO, SAMPLES } from '../support/corpus';
import { analyse } from '../support/leakScenarios';
import { tempDir } from '../support/tempDir';

const CLI = join(REPO, 'dist', 'goheap.js');
const LEAKS = join(SAMPLES, 'leaks', 'dumps');
const DUMP = join(LEAKS, 'mutex-go1.26.heapdump.gz');
const CACHE = join(LEAKS, 'cache-go1.26.heapdump.gz');
const BINARY = join(LEAKS, 'leaks-go1.26.gz');

function cliJson(...args: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.strictEqual(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe('goheap mcp', function () {
  this.timeout(120_000);
  let client: Client;
  const call = async (name: string, args: Record<string, unknown>) => {
    const r = await client.callTool({ name, arguments: args });
    assert.ok(!r.isError, JSON.stringify(r.content));
    return r.structuredContent as Record<string, unknown>;
  };

  before(async function () {
    const b = spawnSync(process.execPath, [join(REPO, 'esbuild.mjs')], { cwd: REPO, encoding: 'utf8' });
    assert.strictEqual(b.status, 0, b.stderr);
    client = new Client({ name: 'goheap-test', version: '1' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp'], stderr: 'pipe' }));
  });

  after(async () => client?.close());

  it('lists the nine read-only tools, each taking the dump', async function () {
    const { tools } = await client.listTools();
    assert.deepStrictEqual(tools.map((t) => t.name).sort(), ['diff', 'goroutines', 'leaks', 'object', 'paths', 'sites', 'summary', 'suspects', 'types']);
    for (const t of tools) {
      assert.deepStrictEqual((t.inputSchema as { required: string[] }).required.slice(0, 1), ['dump'], t.name);
      assert.strictEqual(t.annotations?.readOnlyHint, true);
    }
  });

  it('reports the analysis phases as progress on the first call of a dump', async function () {
    const steps: number[] = [];
    const r = await client.callTool({ name: 'summary', arguments: { dump: CACHE, binary: BINARY } }, undefined, { onprogress: (p) => steps.push(p.progress) });
    assert.ok(!r.isError);
    assert.deepStrictEqual(steps, [0, 1, 2, 3]);
  });

  it('answers suspects and leaks with the numbers of the CLI', async function () {
    const s = await call('suspects', { dump: CACHE, binary: BINARY, n: 3 });
    const cli = cliJson('suspects', '--json', '--n', '3', '--binary', BINARY, CACHE);
    const mine = s.suspects as { sentence: string; retainedBytes: number; count: number; holder: string }[];
    const theirs = cli.suspects as { sentence: string; retainedBytes: number; count: number; holder: string }[];
    assert.deepStrictEqual(mine.map((x) => [x.sentence, x.retainedBytes, x.count, x.holder]), theirs.map((x) => [x.sentence, x.retainedBytes, x.count, x.holder]));
    assert.strictEqual(s.reachableBytes, cli.reachableBytes);
    const l = await call('leaks', { dump: DUMP, binary: BINARY });
    const cliLeaks = cliJson('leaks', '--json', '--binary', BINARY, DUMP).leaks as { goids: number[]; proof: string }[];
    const goids = (x: { goids: number[]; proof: string }[]) => x.filter((g) => g.proof === 'proven').flatMap((g) => g.goids).sort((a, b) => a - b);
    assert.deepStrictEqual(goids(l.leaks as { goids: number[]; proof: string }[]), goids(cliLeaks));
    assert.ok(goids(cliLeaks).length > 0);
  });

  it('answers every other tool in small pages with the engine\'s numbers', async function () {
    const summary = await call('summary', { dump: CACHE });
    const cli = cliJson('summary', '--json', CACHE);
    const objects = cli.objects as { count: number; phantom_slots: number };
    assert.strictEqual(summary.objects, objects.count - objects.phantom_slots);
    const types = await call('types', { dump: CACHE, binary: BINARY, start: 0, end: 5 });
    assert.strictEqual((types.rows as unknown[]).length, 5);
    const top = (types.rows as { id: number; count: number }[])[0];
    const object = await call('object', { dump: CACHE, binary: BINARY, index: 0 });
    assert.ok(object.object && object.referrers);
    const paths = await call('paths', { dump: CACHE, binary: BINARY, type: top.id });
    assert.ok(Array.isArray(paths.retainers));
    const objectPaths = await call('paths', { dump: CACHE, binary: BINARY, index: ((summary.topRetainers as { index: number }[])[0]).index });
    assert.ok((objectPaths.paths as unknown[]).length > 0);
    const goroutines = await call('goroutines', { dump: DUMP, start: 0, end: 3 });
    assert.ok((goroutines.rows as unknown[]).length > 0);
    const sites = await call('sites', { dump: CACHE, binary: BINARY, end: 3 });
    const engine = heapService(analyse(CACHE, BINARY)).allocationSites({ start: 0, end: 3, sort: { key: 'retainedBytes', descending: true } }).rows;
    assert.deepStrictEqual((sites.rows as { retainedBytes: number }[]).map((r) => r.retainedBytes), engine.map((r) => r.retainedBytes));
    assert.strictEqual((sites.rows as { site: string }[])[0].site.split(' ')[0], engine[0].frames[engine[0].userFrame].function);
    const diff = await call('diff', { dump: join(SAMPLES, 'dumps', 'orders.heapdump'), older: join(SAMPLES, 'dumps', 'orders-before.heapdump'), n: 3 });
    assert.ok((diff.types as { growthBytes: number }[])[0].growthBytes > 0);
  });

  it('turns malformed arguments into MCP errors and keeps serving', async function () {
    await assert.rejects(client.callTool({ name: 'types', arguments: { dump: 5 } }), /-32602/);
    await assert.rejects(client.callTool({ name: 'types', arguments: { dump: CACHE, bogus: 1 } }), /unknown argument/);
    await assert.rejects(client.callTool({ name: 'nope', arguments: {} }), /unknown tool/);
    const missing = await client.callTool({ name: 'summary', arguments: { dump: join(SAMPLES, 'no-such.heapdump') } });
    assert.strictEqual(missing.isError, true);
    const dir = await client.callTool({ name: 'summary', arguments: { dump: SAMPLES } });
    assert.match(JSON.stringify(dir.content), /is a directory/);
    assert.ok(!(await client.callTool({ name: 'leaks', arguments: { dump: DUMP } })).isError);
  });

  it('keeps the analysis in the command line\'s cache: a new server answers from it, the same', async function () {
    const dir = tempDir('goheap-mcp-cache-');
    const env = { ...process.env, GOHEAP_CACHE_DIR: dir, GOHEAP_CACHE_MIN_MB: '0' } as Record<string, string>;
    const sample = join(SAMPLES, 'dumps', 'orders.heapdump');
    const answers = async () => {
      const c = new Client({ name: 'goheap-test', version: '1' });
      await c.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp'], stderr: 'pipe', env }));
      try {
        const r = await Promise.all(['summary', 'suspects', 'types'].map((name) => c.callTool({ name, arguments: { dump: sample } })));
        // The snapshots are written once the first answer is out.
        for (let k = 0; k < 100 && readdirSync(dir).filter((f) => f.endsWith('.snapshot')).length < 2; k++) await new Promise((w) => setTimeout(w, 100));
        return JSON.stringify(r.map((x) => x.structuredContent));
      } finally {
        await c.close();
      }
    };
    const first = await answers();
    assert.strictEqual(readdirSync(dir).filter((f) => f.endsWith('.snapshot')).length, 2);
    const stamp = readdirSync(dir).map((f) => statSync(join(dir, f)).ino).sort().join();
    assert.strictEqual(await answers(), first);
    // Read, not written again.
    assert.strictEqual(readdirSync(dir).map((f) => statSync(join(dir, f)).ino).sort().join(), stamp);
  });
});
