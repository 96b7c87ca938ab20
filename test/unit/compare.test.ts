/**
 * Comparing two dumps of the sample program (300 then 3,000 orders, all kept in the global
 * index): with one binary both sides are typed the same way, the growth suspect names the
 * leaking type and its holder, and "hide unchanged" hides only rows where nothing changed.
 */
import * as assert from 'assert';
import { join } from 'path';
import { heapService } from '../../src/engine/service';
import { SAMPLES } from '../support/corpus';
import { analyse } from '../support/leakScenarios';

const BINARY = join(SAMPLES, 'bin', 'orderservice-go1.19.gz');

describe('compare two dumps of one program', function () {
  const older = analyse(join(SAMPLES, 'dumps', 'orders-before.heapdump'), BINARY);
  const newer = analyse(join(SAMPLES, 'dumps', 'orders.heapdump'), BINARY);
  const api = heapService(newer, () => older);
  const sort = { key: 'deltaBytes' as const, descending: true };

  it('types both sides with the binary: main.Order before and after', function () {
    const row = api.diffTypes({ start: 0, end: 1000, sort, filter: 'main.Order' }).rows.find((r) => r.name === 'main.Order');
    assert.ok(row && row.before.count > 0 && row.after.count > row.before.count, JSON.stringify(row));
    // The program's source: every order of the warm-up survives into the later dump.
    assert.ok(row.survivors.count >= row.before.count * 0.9, JSON.stringify(row));
  });

  it('names what grew: the order index map of the program, with its holder', function () {
    const [first] = api.diffSuspects();
    assert.ok(first, 'a growth suspect');
    assert.strictEqual(first.suspect.name, 'main.Order');
    assert.strictEqual(first.suspect.holder, 'main.OrderIndex.byID');
    assert.ok(first.after.count > first.before.count);
    assert.match(first.sentence, /^\+[\d,]+ main\.Order since orders-before\.heapdump/);
  });

  it('hides unchanged rows, and only those', function () {
    const all = api.diffTypes({ start: 0, end: 100_000, sort });
    const changed = api.diffTypes({ start: 0, end: 100_000, sort, hideUnchanged: true });
    const unchanged = all.rows.filter((r) => !changed.rows.some((c) => c.key === r.key));
    assert.ok(unchanged.length > 0 && changed.total < all.total);
    for (const r of unchanged) assert.ok(r.before.bytes === r.after.bytes && r.before.count === r.after.count && r.survivors.count === r.after.count, r.name);
  });
});
