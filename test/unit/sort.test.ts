/**
 * The first page of a table from a selection must be the page the full sort gives: same
 * rows, same order, ties included.
 */
import * as assert from 'assert';
import { firstInOrder, pageOf, sortedPermutation } from '../../src/engine/util/sort';
import { rng } from '../support/mutate';

describe('firstInOrder', function () {
  for (let seed = 1; seed <= 30; seed++) {
    it(`equals the sorted page (random keys with ties #${seed})`, function () {
      const rand = rng(seed);
      const n = Math.floor(rand() * 3000);
      // Few distinct keys make many ties; some runs are monotonic (worst cases for a heap).
      const distinct = 1 + Math.floor(rand() * 50);
      const shape = seed % 3;
      const keys = Array.from({ length: n }, (_, i) => (shape === 0 ? Math.floor(rand() * distinct) * 1e6 : shape === 1 ? i : n - i));
      const key = (i: number) => keys[i];
      const perm = sortedPermutation(key, n);
      for (const count of [0, 1, 7, 100, n + 5]) {
        for (const descending of [false, true]) {
          assert.deepStrictEqual(firstInOrder(key, n, count, descending), pageOf(perm, 0, count, descending), `count ${count}, descending ${descending}`);
        }
      }
    });
  }
});
