/**
 * Seeded mutations of real dumps (truncations, bit flips, inflated lengths and counts)
 * yield a model or a DumpError, never another exception or a hang; hostile well-formed dumps
 * (scattered arenas, deep stacks, huge counts, long strings, cycles, phantom pointers) read
 * and answer every query. `npm run fuzz` runs many more cases than this bounded run.
 */
import * as assert from 'assert';
import { readFileSync } from 'fs';
import { join } from 'path';
import { runCase } from '../support/fuzzCase';
import { mutate, rng } from '../support/mutate';
import { HOSTILE } from '../support/hostile';
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

describe('fuzz: hostile well-formed dumps', function () {
  for (const [name, make] of Object.entries(HOSTILE)) {
    for (let seed = 1; seed <= 6; seed++) {
      it(`${name} #${seed}`, function () {
        const bytes = make(rng(seed * 7919)).build();
        assert.notStrictEqual(runCase(bytes), 'error', 'a well-formed dump reads');
      });
    }
  }
});
