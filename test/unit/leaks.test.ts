/**
 * Leak suspects and leaked goroutines on the dumps of samples/leaks (Go 1.19 and 1.26), each
 * program leaking one way beside large legitimate structures: the first suspect is the leak
 * and names its holder; the leaked goroutines are exactly those of the Go 1.26 runtime's own
 * goroutineleak profile of the same run, none on the programs that do not leak goroutines.
 */
import * as assert from 'assert';
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { SAMPLES } from '../support/corpus';
import { SCENARIOS, analyse, checkSuspects, provenGoids, runtimeLeaked, suspectsAndLeaks } from '../support/leakScenarios';

const DIR = join(SAMPLES, 'leaks', 'dumps');

for (const version of ['1.19', '1.26']) {
  describe(`leak programs, Go ${version}`, function () {
    const binary = join(DIR, `leaks-go${version}.gz`);
    for (const [scenario, want] of Object.entries(SCENARIOS)) {
      const dump = join(DIR, `${scenario}-go${version}.heapdump.gz`);
      it(`${scenario}: suspects name the leak and its holder; leaked goroutines as the runtime finds them`, function () {
        assert.ok(existsSync(dump), dump);
        const { suspects, leaks } = suspectsAndLeaks(analyse(dump, binary));
        checkSuspects(suspects, want, `${scenario} go${version}`);
        const profile = join(DIR, `${scenario}-go${version}.goroutineleak.txt`);
        if (existsSync(profile)) {
          assert.deepStrictEqual(provenGoids(leaks), runtimeLeaked(readFileSync(profile, 'utf8')));
        } else if (scenario === 'chan') {
          // Go 1.19 has no goroutineleak profile: the senders of searchWithTimeout, by their stack.
          assert.ok(leaks.leaks[0]?.proof === 'proven' && leaks.leaks[0].frames.some((f) => f.function === 'main.searchWithTimeout.func1'), JSON.stringify(leaks.leaks[0]));
          assert.strictEqual(provenGoids(leaks).length, leaks.leaks[0].count);
        } else if (scenario === 'mutex') {
          // Sync waits are not linked before Go 1.26: nothing proven, the lock waiters not proven.
          assert.deepStrictEqual(provenGoids(leaks), []);
          assert.deepStrictEqual(leaks.leaks.map((l) => [l.proof, l.count]).sort(), [['cannot prove', 1], ['cannot prove', 60]]);
        } else {
          assert.deepStrictEqual(provenGoids(leaks), [], `${scenario}: no goroutine leaks here`);
        }
      });
    }
  });
}

describe('leak suspects without the program binary', function () {
  it('still names the holding global by address and the allocation site of the leak', function () {
    const { suspects } = suspectsAndLeaks(analyse(join(DIR, 'cache-go1.26.heapdump.gz')));
    const first = suspects.suspects[0];
    assert.match(first.holder, /^bss\+0x[0-9a-f]+$/);
    assert.strictEqual(first.accumulation?.container, 'map');
    assert.strictEqual(first.allocatedAt[0]?.function, 'main.buildReport');
  });
});
