/**
 * npm run bench [-- options]: what users wait for, as ratios measured in one run.
 *
 *   --size MB        a dense synthetic dump of about MB (test/bench/denseheap, built with Go;
 *                    its program binary is measured too); default 1300 when no --file is given
 *   --file FILE      a dump of your own (repeatable); --binary PROG after it names its program
 *   --runs N         runs of each measurement, medians reported (default 3)
 *   --phases         also the engine's phases one by one (test/bench/pipeline.ts)
 *   --types [FILE]   the type-inference coverage and precision report instead
 *   --real           also real programs (test/bench/realprogs: an HTTP service over popular
 *                    libraries, an embedded etcd), built with every Go toolchain found from
 *                    Debian's golang-*-dev sources; their dumps add a names line: the share of
 *                    object bytes that carry a Go type name with and without the binary
 *
 * For each dump, paired in each run with the C program that only decodes it (floor.c):
 * `goheap summary`, `goheap goroutines` and `goheap top` as a user runs them (time, and peak RSS
 * over the file), `top --binary` against `top`, the editor's path through the worker (first
 * overview, complete, the first queries, the longest stall of the host's event loop) and
 * the MCP server (first call, later calls), and the editor reopening the dump from its analysis
 * cache (filled by one open, read by the next; with and without the binary). Dumps are made in
 * bench-data/ (gitignored).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as esbuild from 'esbuild';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readSync, readdirSync, rmSync, statSync, writeFileSync } from 'fs';
import { cpus, tmpdir } from 'os';
import { join } from 'path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { REPO } from '../support/corpus';
import { typeReport } from './types';
import { nameReport } from './names';
import { realDumps } from './realprogs/realprogs';
import { denseDump } from './denseDump';

const DATA = join(REPO, 'bench-data');
const CLI = join(REPO, 'dist', 'goheap.js');
const args = process.argv.slice(2);
const values = (name: string) => args.flatMap((a, i) => (a === name ? [args[i + 1]] : []));
const runs = Number(values('--runs')[0] ?? 3);

interface Target {
  file: string;
  binary?: string;
  /** A real program's dump: report its names too. */
  real?: boolean;
}

function targets(): Target[] {
  const out: Target[] = [];
  args.forEach((a, i) => {
    if (a === '--file') out.push({ file: args[i + 1] });
    if (a === '--binary' && out.length) out[out.length - 1].binary = args[i + 1];
    if (a === '--size') out.push(denseDump(DATA, Number(args[i + 1])));
  });
  if (args.includes('--real')) out.push(...realDumps(DATA).map((d) => ({ file: d.file, binary: d.binary, real: true })));
  if (out.length === 0) out.push(denseDump(DATA, 1300));
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ratio = (a: number, b: number | undefined) => (b ? `${(a / b).toFixed(1)}x` : '-');

/** Seconds to read the whole file sequentially through a 32 MiB buffer. */
function plainRead(path: string): number {
  const buf = Buffer.allocUnsafe(32 << 20);
  const fd = openSync(path, 'r');
  const t = performance.now();
  while (readSync(fd, buf, 0, buf.length, null) > 0);
  const s = (performance.now() - t) / 1000;
  closeSync(fd);
  return s;
}

function cFloor(path: string): number | undefined {
  const exe = join(DATA, 'floor');
  try {
    if (!existsSync(exe)) execFileSync('cc', ['-O2', '-o', exe, join(__dirname, 'floor.c')]);
    return JSON.parse(execFileSync(exe, [path], { encoding: 'utf8' })).seconds;
  } catch (e) {
    console.log(`(no C floor: ${(e as Error).message.split('\n')[0]})`);
    return undefined;
  }
}

/** A goheap command as a user runs it: wall seconds and the process's peak RSS. */
function goheap(cmd: string[], cacheDir = 'off'): { seconds: number; maxRss: number } {
  const t = performance.now();
  // Without the analysis cache unless one is given: every run analyses.
  const env = { ...process.env, GOHEAP_CACHE_DIR: cacheDir, GOHEAP_CACHE_MIN_MB: '0' };
  const r = spawnSync(process.execPath, ['--require', join(DATA, 'maxrss.js'), CLI, ...cmd], { encoding: 'utf8', maxBuffer: 256 << 20, env });
  const seconds = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`goheap ${cmd.join(' ')}: exit ${r.status}: ${r.stderr}`);
  const rss = /GOHEAP_BENCH_MAXRSS=(\d+)/.exec(r.stderr);
  return { seconds, maxRss: rss ? Number(rss[1]) * 1024 : NaN };
}

/** The editor's path: bundled worker opened in a child that plays the extension host. */
function editorPath(t: Target, withBinary: boolean, cacheDir?: string) {
  const r = spawnSync(process.execPath, [join(DATA, 'editor.js'), join(REPO, 'dist', 'worker.js'), t.file, ...(withBinary && t.binary ? [t.binary] : []), ...(cacheDir ? ['--cache', cacheDir] : [])], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`editor path: ${r.stderr}`);
  return JSON.parse(r.stdout) as { firstOverview: number; complete: number; queries: Record<string, number>; hostStallMs: number; maxRssBytes: number; cacheEvents: string[] };
}

/**
 * The editor reopening a dump it analysed before: one open fills an empty analysis cache, the
 * next reads it (with and without the binary). Complete means every stage and the first
 * queries answered, as the editor's first screen needs them.
 */
function reopen(t: Target, withBinary: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'goheap-bench-cache-'));
  try {
    editorPath(t, withBinary, dir);
    const again = editorPath(t, withBinary, dir);
    if (!again.cacheEvents.includes('heap restored')) throw new Error(`the reopen did not read the cache: ${again.cacheEvents.join(', ')}`);
    const bytes = readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
    return { ...again, ready: again.complete + Object.values(again.queries).reduce((a, b) => a + b, 0), cacheBytes: bytes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** goheap mcp: the first call analyses the dump, later calls reuse it. */
async function mcp(t: Target): Promise<{ first: number; later: number[] }> {
  const client = new Client({ name: 'goheap-bench', version: '1' });
  // Without the analysis cache: the first call analyses (the transport passes no environment but this).
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp'], stderr: 'ignore', env: { ...process.env, GOHEAP_CACHE_DIR: 'off' } as Record<string, string> }));
  const timed = async (name: string, a: Record<string, unknown>) => {
    const s = performance.now();
    const r = await client.callTool({ name, arguments: { dump: t.file, ...a } });
    if (r.isError) throw new Error(`mcp ${name}: ${JSON.stringify(r.content)}`);
    return (performance.now() - s) / 1000;
  };
  const first = await timed('summary', {});
  const later = [await timed('suspects', {}), await timed('types', {}), await timed('goroutines', {})];
  await client.close();
  return { first, later };
}

async function build(): Promise<void> {
  mkdirSync(DATA, { recursive: true });
  execFileSync(process.execPath, [join(REPO, 'esbuild.mjs')], { cwd: REPO, stdio: 'inherit' });
  await esbuild.build({ entryPoints: [join(__dirname, 'editor.ts')], bundle: true, platform: 'node', outfile: join(DATA, 'editor.js'), logLevel: 'error' });
  if (args.includes('--phases')) {
    await esbuild.build({ entryPoints: [join(__dirname, 'pipeline.ts')], bundle: true, platform: 'node', outfile: join(DATA, 'pipeline.js'), logLevel: 'error' });
    await esbuild.build({ entryPoints: [join(REPO, 'src', 'worker', 'objectPartHelper.ts')], bundle: true, platform: 'node', outfile: join(DATA, 'objectPartHelper.js'), logLevel: 'error' });
  }
  // Preloaded into goheap: its peak RSS (helper threads included) on stderr as it exits.
  writeFileSync(join(DATA, 'maxrss.js'), "process.on('exit', () => process.stderr.write(`\\nGOHEAP_BENCH_MAXRSS=${process.resourceUsage().maxRSS}\\n`));\n");
}

function phases(file: string, size: number): void {
  const results: { times: Record<string, number>; maxRssBytes: number }[] = [];
  for (let r = 0; r < runs; r++) {
    const child = spawnSync(process.execPath, [join(DATA, 'pipeline.js'), file], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (child.status !== 0) throw new Error(`pipeline failed: ${child.stderr}`);
    results.push(JSON.parse(child.stdout));
  }
  for (const p of Object.keys(results[0].times)) console.log(`  phase ${p.padEnd(20)} ${median(results.map((x) => x.times[p])).toFixed(2)} s`);
  console.log(`  phases' peak RSS           ${(Math.max(...results.map((x) => x.maxRssBytes)) / size).toFixed(2)}x the file`);
}

async function main(): Promise<void> {
  if (args.includes('--types')) {
    typeReport(args.filter((a) => a.endsWith('.heapdump')));
    return;
  }
  await build();
  console.log(`${new Date().toISOString().slice(0, 10)}, ${process.platform} ${process.arch}, ${cpus().length} cores, Node ${process.version}; medians of ${runs} runs, each paired with the C floor`);
  for (const t of targets()) {
    const size = statSync(t.file).size;
    console.log(`\n${t.file}: ${(size / 1e6).toFixed(0)} MB${t.binary ? `, binary ${t.binary}` : ''}`);
    plainRead(t.file); // warm the page cache
    const rows: Record<string, { seconds: number; maxRss: number }[]> = {};
    const floors: number[] = [];
    const editor: ReturnType<typeof editorPath>[] = [];
    const editorBinary: ReturnType<typeof editorPath>[] = [];
    const commands: [string, string[]][] = [
      ['summary', ['summary', t.file]],
      ['goroutines', ['goroutines', t.file]],
      ['top', ['top', t.file]],
      ...(t.binary ? [['top --binary', ['top', '--binary', t.binary, t.file]] as [string, string[]]] : []),
    ];
    for (let r = 0; r < runs; r++) {
      const f = cFloor(t.file);
      if (f !== undefined) floors.push(f);
      for (const [name, cmd] of commands) (rows[name] ??= []).push(goheap(cmd));
      editor.push(editorPath(t, false));
      if (t.binary) editorBinary.push(editorPath(t, true));
    }
    const floor = floors.length ? median(floors) : undefined;
    if (floor) console.log(`  C decode floor             ${floor.toFixed(2)} s (${(size / 1e6 / floor).toFixed(0)} MB/s)`);
    for (const [name] of commands) {
      const s = median(rows[name].map((x) => x.seconds));
      const rss = Math.max(...rows[name].map((x) => x.maxRss));
      const vsPlain = name === 'top --binary' ? `, ${ratio(s, median(rows.top.map((x) => x.seconds)))} top without it` : '';
      console.log(`  goheap ${name.padEnd(19)} ${s.toFixed(2)} s = ${ratio(s, floor)} the C floor${vsPlain}; peak RSS ${(rss / size).toFixed(2)}x the file`);
    }
    const show = (label: string, e: ReturnType<typeof editorPath>[], base?: ReturnType<typeof editorPath>[]) => {
      const complete = median(e.map((x) => x.complete));
      console.log(`  ${label.padEnd(26)} first overview ${median(e.map((x) => x.firstOverview)).toFixed(2)} s, complete ${complete.toFixed(2)} s = ${ratio(complete, floor)} the C floor${base ? `, ${ratio(complete, median(base.map((x) => x.complete)))} without the binary` : ''}; peak RSS ${(Math.max(...e.map((x) => x.maxRssBytes)) / size).toFixed(2)}x the file`);
      const q = e[e.length - 1].queries;
      console.log(`  ${''.padEnd(26)} then ${Object.entries(q).map(([k, v]) => `${k} ${(v * 1000).toFixed(0)} ms`).join(', ')}; host event loop stalled at most ${Math.max(...e.map((x) => x.hostStallMs)).toFixed(0)} ms`);
    };
    show('editor (worker)', editor);
    if (editorBinary.length) show('editor with the binary', editorBinary, editor);
    const cacheDir = mkdtempSync(join(tmpdir(), 'goheap-bench-cli-cache-'));
    try {
      goheap(['top', t.file], cacheDir);
      const again = goheap(['top', t.file], cacheDir);
      const cacheBytes = readdirSync(cacheDir).reduce((n, f) => n + statSync(join(cacheDir, f)).size, 0);
      console.log(`  ${'goheap top, then again'.padEnd(26)} ${again.seconds.toFixed(2)} s the second time, from the analysis cache (${ratio(again.seconds, median(rows.top.map((x) => x.seconds)))} the first); cache ${(cacheBytes / size).toFixed(2)}x the file; peak RSS ${(again.maxRss / size).toFixed(2)}x`);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
    for (const withBinary of t.binary ? [false, true] : [false]) {
      const r = reopen(t, withBinary);
      const first = median((withBinary ? editorBinary : editor).map((x) => x.complete));
      console.log(`  ${(withBinary ? 'reopen with the binary' : 'editor reopen (cached)').padEnd(26)} complete ${r.complete.toFixed(2)} s, first queries answered at ${r.ready.toFixed(2)} s (${ratio(r.ready, first)} the first open's complete); cache ${(r.cacheBytes / size).toFixed(2)}x the file; peak RSS ${(r.maxRssBytes / size).toFixed(2)}x`);
    }
    const m = await mcp(t);
    console.log(`  goheap mcp                 first call ${m.first.toFixed(2)} s, later calls ${m.later.map((x) => `${(x * 1000).toFixed(0)} ms`).join(', ')}`);
    if (args.includes('--phases')) phases(t.file, size);
    if (t.real) names(t);
  }
}

/** The names line of a real program's dump: with the binary, and without it. */
function names(t: Target): void {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const without = nameReport(t.file);
  const withBinary = t.binary ? nameReport(t.file, t.binary) : undefined;
  const w = withBinary ?? without;
  console.log(`  names                      ${withBinary ? `${pct(withBinary.namedShare)} of object bytes carry a Go type name with the binary, ` : ''}${pct(without.namedShare)} without it`);
  if (w.typeWords) console.log(`  ${''.padEnd(26)} type words: ${w.typeWords - w.disagreeing} of ${w.typeWords} agree with the name given${w.examples.length ? `; ${w.examples.join('; ')}` : ''}`);
  console.log(`  ${''.padEnd(26)} biggest unnamed: ${w.unnamed.slice(0, 3).map(([b, k]) => `${(b / 1024).toFixed(0)} KiB ${k}`).join('; ')}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
