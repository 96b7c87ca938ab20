/**
 * Memory per source line (the Go editor's annotations): what a line retains counts every
 * object once, so it never passes the reachable heap, and it is at least what any one of its
 * allocation sites retains (a union keeps alive at least what each part does).
 */
import * as assert from 'assert';
import { join } from 'path';
import { MemoryByteSource } from '../../src/engine/util/byteSource';
import { Heap } from '../../src/engine/analysis/heap';
import { heapService } from '../../src/engine/service';
import { readFileSync } from 'fs';
import { SAMPLES } from '../support/corpus';

describe('memory per source line', function () {
  for (const name of ['orders.heapdump', 'orders-go1.26.heapdump']) {
    it(`${name}: a line retains between its biggest site and the reachable heap`, function () {
      const heap = Heap.read(new MemoryByteSource(readFileSync(join(SAMPLES, 'dumps', name)))).analyse();
      const api = heapService(heap);
      const reachable = api.overview().reachableBytes ?? 0;
      const sites = api.allocationSites({ start: 0, end: 1e9, sort: { key: 'retainedBytes', descending: true } }).rows;
      const siteRetained = new Map(sites.map((s) => [s.id, s.retainedBytes ?? 0]));
      const lines = api.lineStats();
      assert.ok(lines.length > 10);
      for (const l of lines) {
        const cum = l.cum.retainedBytes;
        assert.ok(cum !== null, `${l.function} ${l.line}: known`);
        assert.ok(cum <= reachable, `${l.function} line ${l.line} retains ${cum} of ${reachable}`);
        for (const s of l.sites) assert.ok(cum >= (siteRetained.get(s.id) ?? 0), `${l.function} line ${l.line}: at least site ${s.id}`);
      }
      // main.main's line is on every stack: it retains what the profile's objects keep alive.
      const top = Math.max(...lines.map((l) => l.cum.retainedBytes ?? 0));
      assert.ok(top > 0.5 * reachable, `the outermost line retains most of the heap (${top} of ${reachable})`);
    });
  }
});
