/** The host-stall attribution of the integration test: what an idle process shared is the machine's. */
import * as assert from 'assert';
import { ownStalls } from '../integration/stalls';

describe('host stall attribution', function () {
  it('subtracts only the time an idle process was stalled within each host stall', function () {
    const host: [number, number][] = [[100, 160], [200, 230], [300, 380]];
    const machine: [number, number][] = [[90, 120], [130, 140], [205, 215], [210.5, 212], [390, 400]];
    assert.deepStrictEqual(ownStalls(host, machine).map((s) => s.own), [60 - 20 - 10, 30 - 10, 80]);
  });

  it('counts a machine gap that spans several host stalls once for each', function () {
    assert.deepStrictEqual(ownStalls([[10, 20], [25, 40]], [[0, 30]]).map((s) => s.own), [0, 10]);
  });
});
