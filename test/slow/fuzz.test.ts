/**
 * Seeded mutations of real dumps (truncations, bit flips, inflated lengths and counts)
 * yield a model or a DumpError, never another exception or a hang. `npm run fuzz` runs
 * many more cases than this bounded unit run.
 */
import * as assert from 'assert';
import { readFileSync } from 'fs';
import { join } from 'path';
import { runCase } from '../support/fuzzCase';
import { mutate, rng } from '../support/mutate';
import { SAMPLES } from '../support/corpus';

const CASES = 150;

describe('fuzz: mutated dumps', function () {
  const base = readFileSync(join(SAMPLES, 'dumps', 'orders-before.heapdump'));
  const counts = { model: 0, partial: 0, error: 0 };
  for (let seed = 1; seed <= CASES; seed++) {
    it(`seed ${seed}`, function () {
      const { bytes, what } = mutate(base, rng(seed));
      try {
        counts[runCase(bytes)]++;
      } catch (e) {
        assert.fail(`seed ${seed} (${what}) threw ${(e as Error).stack}`);
      }
    });
  }
  it('exercised models, partial models and errors', function () {
    assert.ok(counts.partial > 0 && counts.error + counts.partial > CASES / 2, JSON.stringify(counts));
  });
});
