/**
 * npm run fuzz [-- --cases N --seed S --hostile F]: seeded cases, a fraction F (default 0.5)
 * hostile well-formed dumps (test/support/hostile.ts), the rest mutations of every sample dump
 * (and of the shared corpus when present). A case fails when it throws anything but a
 * DumpError (crash), takes more than HANG_MS of CPU time (hang), or the process's peak resident memory
 * passes PEAK_PER_FILE_BYTE times the case's file plus PEAK_SLACK over where the run started.
 * Prints each failure with its seed, and a tally; exits 1 on any failure.
 */
import { readFileSync, statSync } from 'fs';
import { relative } from 'path';
import { REPO, SAMPLES, SHARED_CORPUS, findDumps } from '../support/corpus';
import { Outcome, runCase } from '../support/fuzzCase';
import { hostileDump } from '../support/hostile';
import { mutate, rng } from '../support/mutate';

const HANG_MS = 20_000;
const PEAK_PER_FILE_BYTE = 64;
const PEAK_SLACK = 512 * 2 ** 20;

const arg = (name: string, dflt: number) => {
  const k = process.argv.indexOf(name);
  return k >= 0 ? Number(process.argv[k + 1]) : dflt;
};
const cases = arg('--cases', 2000);
const firstSeed = arg('--seed', 1);
const hostileShare = arg('--hostile', 0.5);
// Mutations of the smaller dumps: as many paths through the decoder, many more cases an hour.
const dumps = [...findDumps(SAMPLES), ...findDumps(SHARED_CORPUS)].filter((p) => statSync(p).size < 4 << 20);
const bases = new Map<string, Buffer>();
const tally: Record<Outcome | 'crash' | 'hang' | 'memory', number> = { model: 0, partial: 0, error: 0, crash: 0, hang: 0, memory: 0 };
const kinds = new Map<string, number>();
const started = Date.now();
const peakAtStart = process.resourceUsage().maxRSS * 1024;
let slowest = { ms: 0, what: '' };
for (let k = 0; k < cases; k++) {
  const seed = firstSeed + k;
  const rand = rng(seed);
  let bytes: Uint8Array;
  let what: string;
  if (rand() < hostileShare) {
    ({ bytes, what } = hostileDump(rand));
    what = `hostile ${what}`;
  } else {
    const path = dumps[seed % dumps.length];
    if (!bases.has(path)) bases.set(path, readFileSync(path));
    const m = mutate(bases.get(path) as Buffer, rand);
    bytes = m.bytes;
    what = `${relative(REPO, path)} (${m.what})`;
  }
  const kind = what.startsWith('hostile') ? what : 'mutation';
  kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  // CPU time, not wall time: a machine busy with other work (or a paused run) is no hang.
  const t0 = process.cpuUsage();
  try {
    tally[runCase(bytes)]++;
  } catch (e) {
    tally.crash++;
    console.log(`CRASH seed=${seed} ${what}:\n${(e as Error).stack}\n`);
  }
  const used = process.cpuUsage(t0);
  const ms = (used.user + used.system) / 1000;
  if (ms > slowest.ms) slowest = { ms, what: `seed=${seed} ${what}` };
  if (ms > HANG_MS) {
    tally.hang++;
    console.log(`HANG seed=${seed} ${what}: ${ms} ms`);
  }
  const peak = process.resourceUsage().maxRSS * 1024 - peakAtStart;
  if (peak > PEAK_PER_FILE_BYTE * bytes.length + PEAK_SLACK) {
    tally.memory++;
    console.log(`MEMORY seed=${seed} ${what}: peak ${(peak / 2 ** 20).toFixed(0)} MB over the start for a ${(bytes.length / 2 ** 20).toFixed(1)} MB file`);
  }
  if ((k + 1) % 1000 === 0) console.log(`${k + 1} cases, ${((Date.now() - started) / 1000).toFixed(0)} s`, JSON.stringify(tally));
}
const peak = process.resourceUsage().maxRSS * 1024 - peakAtStart;
console.log(`${cases} cases (seeds ${firstSeed}-${firstSeed + cases - 1}) over ${dumps.length} dumps and ${kinds.size - 1} hostile generators in ${((Date.now() - started) / 1000).toFixed(1)} s:`, tally);
console.log(`  by kind: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`);
console.log(`  slowest case ${slowest.ms.toFixed(0)} ms of CPU (${slowest.what}); peak resident memory ${(peak / 2 ** 20).toFixed(0)} MB over the start (bound: ${PEAK_PER_FILE_BYTE} x the file + ${PEAK_SLACK / 2 ** 20} MB)`);
process.exit(tally.crash + tally.hang + tally.memory > 0 ? 1 : 0);
