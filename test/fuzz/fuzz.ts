/**
 * npm run fuzz [-- --cases N --seed S]: many seeded mutations of every sample dump (and the
 * shared corpus when present). Prints each failure with its seed and mutation, and a tally.
 */
import { readFileSync } from 'fs';
import { relative } from 'path';
import { REPO, SAMPLES, SHARED_CORPUS, findDumps } from '../support/corpus';
import { Outcome, runCase } from '../support/fuzzCase';
import { mutate, rng } from '../support/mutate';

const arg = (name: string, dflt: number) => {
  const k = process.argv.indexOf(name);
  return k >= 0 ? Number(process.argv[k + 1]) : dflt;
};
const cases = arg('--cases', 2000);
const firstSeed = arg('--seed', 1);
const dumps = [...findDumps(SAMPLES), ...findDumps(SHARED_CORPUS)].filter((p) => !/leak-after|kitchensink/.test(p));
const tally: Record<Outcome | 'crash', number> = { model: 0, partial: 0, error: 0, crash: 0 };
const started = Date.now();
for (let k = 0; k < cases; k++) {
  const seed = firstSeed + k;
  const path = dumps[seed % dumps.length];
  const { bytes, what } = mutate(readFileSync(path), rng(seed));
  try {
    tally[runCase(bytes)]++;
  } catch (e) {
    tally.crash++;
    console.log(`CRASH seed=${seed} ${relative(REPO, path)} (${what}):\n${(e as Error).stack}\n`);
  }
}
console.log(`${cases} cases over ${dumps.length} dumps in ${((Date.now() - started) / 1000).toFixed(1)} s:`, tally);
process.exit(tally.crash > 0 ? 1 : 0);
