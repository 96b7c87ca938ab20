/**
 * npm run bench [-- --size MB | --file FILE ...] [--runs N]
 * npm run bench -- --types [FILE ...]    the type-inference coverage and precision report
 *
 * Times the engine's phases on large dumps and compares, in the same run, with a plain
 * sequential read of the file and with a C program that only decodes it (floor.c). Large
 * dumps are generated on demand with ../shared/heapdumps/gen-large.sh (needs Go).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as esbuild from 'esbuild';
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'fs';
import { join } from 'path';
import { REPO, SHARED_HEAPDUMPS } from '../support/corpus';
import { typeReport } from './types';

const DATA = join(REPO, 'bench-data');
const args = process.argv.slice(2);
const values = (name: string) => args.flatMap((a, i) => (a === name ? [args[i + 1]] : []));
const runs = Number(values('--runs')[0] ?? 3);

function largeDump(mb: number): string {
  const path = join(DATA, `large-${mb}mb.heapdump`);
  if (!existsSync(path)) {
    const gen = join(SHARED_HEAPDUMPS, 'gen-large.sh');
    if (!existsSync(gen)) throw new Error(`${path} is missing and ${gen} is not there to make it`);
    console.log(`generating ${path} (gen-large.sh ${mb})...`);
    execFileSync('bash', [gen, String(mb), DATA], { stdio: 'inherit' });
  }
  return path;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

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

async function main(): Promise<void> {
  if (args.includes('--types')) {
    typeReport(args.filter((a) => a.endsWith('.heapdump')));
    return;
  }
  mkdirSync(DATA, { recursive: true });
  const files = [...values('--file'), ...values('--size').map((s) => largeDump(Number(s)))];
  if (files.length === 0) files.push(largeDump(1024));
  const runner = join(DATA, 'pipeline.js');
  await esbuild.build({ entryPoints: [join(__dirname, 'pipeline.ts')], bundle: true, platform: 'node', outfile: runner, logLevel: 'error' });
  // The thread that decodes the second half of the objects, beside the runner as beside the worker.
  await esbuild.build({ entryPoints: [join(REPO, 'src', 'worker', 'objectPartHelper.ts')], bundle: true, platform: 'node', outfile: join(DATA, 'objectPartHelper.js'), logLevel: 'error' });
  for (const file of files) {
    const size = statSync(file).size;
    const mb = size / 1e6;
    console.log(`\n${file}: ${mb.toFixed(0)} MB`);
    plainRead(file); // warm the page cache
    const reads: number[] = [];
    const floors: number[] = [];
    const results: { times: Record<string, number>; maxRssBytes: number; objects: number; edges: number }[] = [];
    for (let r = 0; r < runs; r++) {
      reads.push(plainRead(file));
      const f = cFloor(file);
      if (f !== undefined) floors.push(f);
      const child = spawnSync(process.execPath, [runner, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (child.status !== 0) throw new Error(`pipeline failed: ${child.stderr}`);
      results.push(JSON.parse(child.stdout));
    }
    const phases = Object.keys(results[0].times);
    const med = (k: string) => median(results.map((x) => x.times[k]));
    const total = median(results.map((x) => Object.values(x.times).reduce((a, b) => a + b, 0)));
    const read = median(reads);
    const rss = Math.max(...results.map((x) => x.maxRssBytes));
    console.log(`  ${results[0].objects.toLocaleString()} objects, ${results[0].edges.toLocaleString()} edges; medians of ${runs} runs`);
    console.log(`  plain read         ${read.toFixed(2)} s  ${(mb / read).toFixed(0)} MB/s`);
    if (floors.length) console.log(`  C decode floor     ${median(floors).toFixed(2)} s  ${(mb / median(floors)).toFixed(0)} MB/s`);
    for (const p of phases) {
      const extra = p === 'read'
        ? `  ${(mb / med(p)).toFixed(0)} MB/s, ${(med(p) / read).toFixed(1)}x plain read${floors.length ? `, ${(med(p) / median(floors)).toFixed(1)}x C floor` : ''}`
        : '';
      console.log(`  ${p.padEnd(18)} ${med(p).toFixed(2)} s${extra}`);
    }
    console.log(`  full analysis      ${total.toFixed(2)} s (type inference ${(100 * med('types') / (total - med('types'))).toFixed(0)}% on top of the rest)`);
    console.log(`  peak RSS           ${(rss / 1e6).toFixed(0)} MB = ${(rss / size).toFixed(2)}x the file`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
