/**
 * The goheap CLI as a user runs it (the built dist/goheap.js in a child process): output,
 * exit codes 0/1/2/3, and `summary --json` equal to the reference decoder's summary.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { ProgramPair, programPairs } from '../support/binaries';
import { REPO, SAMPLES, parseJsonExact } from '../support/corpus';
import { tempDir } from '../support/tempDir';
import { DumpBuilder } from '../fixtures/dumpBuilder';

const CLI = join(REPO, 'dist', 'goheap.js');
const SAMPLE = join(SAMPLES, 'dumps', 'orders.heapdump');

function goheap(...args: string[]) {
  return goheapWith({}, ...args);
}

function goheapWith(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('goheap CLI', function () {
  before(function () {
    // Build first: a dist/ left from an older checkout would test old code.
    this.timeout(60_000);
    const b = spawnSync(process.execPath, [join(REPO, 'esbuild.mjs')], { cwd: REPO, encoding: 'utf8' });
    assert.strictEqual(b.status, 0, b.stderr);
    assert.ok(existsSync(CLI));
  });

  it('--binary: the program line, exact frame lines, named globals in paths to roots', function () {
    const [p19] = programPairs();
    const summary = goheap('summary', '--binary', p19.binary, SAMPLE);
    assert.strictEqual(summary.code, 0, summary.err);
    assert.match(summary.out, /program +\S+orderservice-go1\.19 \(go1\.19\.8, example\.com\/orderservice; [\d,]+ functions, [\d,]+ globals\)/);
    const g = goheap('goroutines', '--binary', p19.binary, SAMPLE);
    assert.match(g.out, /main\.worker background\.go:40\n/);
    assert.match(g.out, /created by main\.startBackground background\.go:21\n/);
    const top = goheap('top', '--binary', p19.binary, SAMPLE);
    assert.match(top.out, /main\.OrderIndex/);
  });

  it('types: the histogram and its coverage, every object counted once; exact names with --binary', function () {
    const r = goheap('types', '--json', SAMPLE);
    assert.strictEqual(r.code, 0, r.err);
    const parsed = JSON.parse(r.out) as { coverage: { category: string; objects: number }[]; total: number; types: { name: string; source: string; count: number }[] };
    const oracle = JSON.parse(readFileSync(SAMPLE.replace('.heapdump', '.summary.json'), 'utf8'));
    assert.strictEqual(parsed.coverage.reduce((a, c) => a + c.objects, 0), oracle.objects.count);
    assert.strictEqual(parsed.types.length, 30);
    assert.ok(parsed.types.some((t) => t.name === 'main.newOrder (orders.go:91)' && t.source === 'site'));
    const text = goheap('types', '--n', '5', SAMPLE);
    assert.match(text.out, /^orders\.heapdump: \d+ type groups; .*site \d+\.\d% of objects/);
    assert.strictEqual(text.out.trim().split('\n').length, 3 + 5);
    const [p19] = programPairs();
    const typed = goheap('types', '--n', '5', '--binary', p19.binary, SAMPLE);
    assert.match(typed.out, /program \d+\.\d% of objects/);
    assert.match(typed.out, /dwarf \(certain\)\s+main\.Order\n/);
  });

  it('--binary of another program warns and goes on; a file that is not one fails with 1', function () {
    const p26 = programPairs().find((p) => p.goVersion === '1.26') as ProgramPair;
    const r = goheap('goroutines', '--binary', p26.binary, SAMPLE);
    assert.strictEqual(r.code, 0);
    assert.match(r.err, /did not write .*orders\.heapdump, not using it: the binary was built with go1\.26\.\d+, the dump written by go1\.19\.8/);
    assert.match(r.out, /main\.worker/);
    const bad = goheap('summary', '--binary', SAMPLE, SAMPLE);
    assert.strictEqual(bad.code, 1);
    assert.match(bad.err, /not an ELF file .*byte offset 0/);
  });

  it('summary --json equals the reference decoder on its keys', function () {
    const r = goheap('summary', '--json', SAMPLE);
    assert.strictEqual(r.code, 0, r.err);
    const ours = parseJsonExact(r.out) as Record<string, unknown>;
    const oracle = parseJsonExact(readFileSync(SAMPLE.replace('.heapdump', '.summary.json'), 'utf8')) as Record<string, unknown>;
    const { phantom_slots: phantoms, phantom_slot_bytes: phantomBytes, ...objects } = ours.objects as Record<string, unknown>;
    assert.deepStrictEqual([phantoms, phantomBytes], [0, 0], 'Go 1.19 writes no phantom slots');
    ours.objects = objects;
    for (const key of ['header', 'params', 'record_counts', 'objects', 'memstats', 'goroutines', 'goroutine_statuses',
      'goroutine_waitreasons', 'stackframes', 'type_count', 'itab_count', 'memprof_count', 'memprof_totals',
      'allocsample_count', 'finalizer_count', 'queuedfinalizer_count', 'data', 'bss']) {
      assert.deepStrictEqual(ours[key], oracle[key], key);
    }
    for (const key of ['pointer_values_into_heap', 'interior_pointers', 'objects_unreferenced']) {
      assert.strictEqual((ours.graph as Record<string, number>)[key], (oracle.graph as Record<string, number>)[key], `graph.${key}`);
    }
  });

  it('summary --json keeps the record counts and says how many records are phantom slots', function () {
    const dump = join(SAMPLES, 'dumps', 'orders-go1.26.heapdump');
    const r = goheap('summary', '--json', dump);
    assert.strictEqual(r.code, 0, r.err);
    const ours = JSON.parse(r.out);
    const oracle = JSON.parse(readFileSync(dump.replace('.heapdump', '.summary.json'), 'utf8'));
    assert.strictEqual(ours.objects.count, oracle.objects.count);
    assert.ok(ours.objects.phantom_slots > 0);
    assert.strictEqual(ours.objects.count - ours.objects.phantom_slots, oracle.memstats.HeapObjects);
    assert.strictEqual(ours.objects.total_bytes - ours.objects.phantom_slot_bytes, oracle.memstats.HeapAlloc);
    const text = goheap('summary', dump).out;
    assert.match(text, new RegExp(`objects +${oracle.memstats.HeapObjects.toLocaleString('en-US')} `));
    assert.match(text, /phantom slots +[\d,]+ records .* left out/);
  });

  it('keeps the analysis in its cache folder: a second command reads it and prints the same; --no-cache and "off" write nothing', function () {
    const dir = tempDir('goheap-cli-cache-');
    const env = { GOHEAP_CACHE_DIR: dir, GOHEAP_CACHE_MIN_MB: '0' };
    const [p19] = programPairs();
    const snapshots = () => readdirSync(dir).filter((f) => f.endsWith('.snapshot')).sort();
    const plain = goheapWith({ GOHEAP_CACHE_DIR: 'off' }, 'top', SAMPLE);
    const first = goheapWith(env, 'top', SAMPLE);
    assert.strictEqual(first.code, 0, first.err);
    assert.strictEqual(first.out, plain.out);
    assert.match(first.err, /the analysis of \S+orders\.heapdump is cached in \S+ for the next command/);
    assert.strictEqual(snapshots().length, 2, 'the heap and its types');
    const again = goheapWith(env, 'top', SAMPLE);
    assert.deepStrictEqual([again.code, again.out, again.err], [0, plain.out, '']);
    // Other commands read the same analysis: their answers as without a cache.
    for (const cmd of [['suspects'], ['types'], ['summary', '--json'], ['leaks']]) {
      assert.strictEqual(goheapWith(env, ...cmd, SAMPLE).out, goheapWith({ GOHEAP_CACHE_DIR: 'off' }, ...cmd, SAMPLE).out, cmd.join(' '));
    }
    // goroutines computes no dominator tree; read from the cache, it has one: what each group retains too.
    const groups = goheapWith(env, 'goroutines', SAMPLE).out;
    assert.match(groups, / retains [\d.,]+ [KMG]?i?B /);
    assert.strictEqual(groups.replace(/ retains [\d.,]+ [KMG]?i?B /g, ' '), goheapWith({ GOHEAP_CACHE_DIR: 'off' }, 'goroutines', SAMPLE).out);
    // With the binary: its own types, kept beside; the heap is shared.
    const typed = goheapWith({ GOHEAP_CACHE_DIR: 'off' }, 'top', '--binary', p19.binary, SAMPLE).out;
    assert.strictEqual(goheapWith(env, 'top', '--binary', p19.binary, SAMPLE).out, typed);
    assert.strictEqual(snapshots().length, 3);
    assert.deepStrictEqual(goheapWith(env, 'top', '--binary', p19.binary, SAMPLE), { code: 0, out: typed, err: '' });

    const empty = tempDir('goheap-cli-cache-');
    assert.strictEqual(goheapWith({ GOHEAP_CACHE_DIR: empty, GOHEAP_CACHE_MIN_MB: '0' }, 'top', '--no-cache', SAMPLE).out, plain.out);
    assert.deepStrictEqual(readdirSync(empty), []);
    // Dumps under the minimum (32 MB by default) are not cached.
    goheapWith({ GOHEAP_CACHE_DIR: empty }, 'top', SAMPLE);
    assert.deepStrictEqual(readdirSync(empty), []);
  });

  it('top names the leaking global map and the allocation site that fills it', function () {
    const r = goheap('top', '--n', '5', SAMPLE);
    assert.strictEqual(r.code, 0, r.err);
    assert.match(r.out, /root: bss segment/);
    assert.match(r.out, /main\.newOrder orders\.go:\d+/);
  });

  it('goroutines groups the six blocked workers', function () {
    const r = goheap('goroutines', SAMPLE);
    assert.strictEqual(r.code, 0, r.err);
    assert.match(r.out, /^\s+6: \[waiting, chan receive\]/m);
    assert.match(r.out, /main\.worker/);
  });

  it('diff puts the leaking allocations on top, with survivors and new objects', function () {
    const r = goheap('diff', '--n', '5', join(SAMPLES, 'dumps', 'orders-before.heapdump'), SAMPLE);
    assert.strictEqual(r.code, 0, r.err);
    assert.match(r.out, /survivors\s+[\d,]+ objects/);
    const growth = r.out.split('Growth by type')[1].split('\n').slice(2, 7).join('\n');
    assert.match(growth, /main\.(newOrder|renderReceipt)|runtime\.(mapassign|makeBucketArray)/, `top growth:\n${growth}`);
    const sites = r.out.split('Growth by allocation site')[1];
    assert.match(sites.split('\n').slice(2, 12).join('\n'), /orders\.go:\d+/);
  });

  it('exit 2 and usage for bad arguments', function () {
    assert.strictEqual(goheap('frobnicate', SAMPLE).code, 2);
    assert.strictEqual(goheap('top', '--n', 'x', SAMPLE).code, 2);
    assert.match(goheap('summary').err, /usage: goheap/);
  });

  it('exit 1 with the offset, and no stack trace, for a file that is not a heap dump', function () {
    const r = goheap('summary', join(REPO, 'package.json'));
    assert.strictEqual(r.code, 1);
    assert.match(r.err, /error at offset 0: bad header/);
    assert.doesNotMatch(r.err, /\n\s+at /);
  });

  it('exit 3 with partial output and the error for a truncated dump', function () {
    const bytes = readFileSync(SAMPLE);
    const cut = join(tempDir('goheap-'), 'cut.heapdump');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 5000));
    const r = goheap('summary', cut);
    assert.strictEqual(r.code, 3);
    assert.match(r.out, /objects\s+[\d,]+ \(/);
    assert.match(r.err, /truncated dump, showing what was read: error at offset \d+ in \w+ record/);
  });

  it('a dump whose objects are scattered over 100,000 arenas: summary and top within 300 MB', function () {
    this.timeout(120_000);
    const n = 100_000;
    const ARENA = 64 * 1024 * 1024;
    const b = new DumpBuilder({ heapStart: 0xc000000000, heapEnd: 0xc000000000 + (n + 1) * ARENA });
    for (let k = 0; k < n; k++) b.object(0xc000000000 + k * ARENA, 16, k + 1 < n ? { 0: 0xc000000000 + (k + 1) * ARENA } : {});
    b.bss(0x500000, 8, { 0: 0xc000000000 });
    const file = join(tempDir('goheap-'), 'scattered.heapdump');
    writeFileSync(file, b.build());
    // Before: a RangeError with a stack trace, or 6.3 GB.
    const budget = { GOHEAP_MEMORY_LIMIT_MB: '300' };
    const summary = goheapWith(budget, 'summary', file);
    assert.strictEqual(summary.code, 0, summary.err);
    assert.match(summary.out, /reachable\s+100,000 \(/);
    const top = goheapWith(budget, 'top', '--n', '1', file);
    assert.strictEqual(top.code, 0, top.err);
    assert.match(top.out, /1\.53 MiB\s+100\.0%/);
  });

  it('exit 4 with a message, and no stack trace, when the analysis would pass its memory budget', function () {
    const r = goheapWith({ GOHEAP_MEMORY_LIMIT_MB: '1' }, 'top', SAMPLE);
    assert.strictEqual(r.code, 4, r.err);
    assert.match(r.err, /^goheap: The analysis would use more than its 1 MB budget \(GOHEAP_MEMORY_LIMIT_MB\): \d+ MB in use and about \d+ MB more needed for [a-z ]+\.\n$/);
  });
});
