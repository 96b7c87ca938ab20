/** Goroutine triage on dumps built for the purpose and on the sample. */
import * as assert from 'assert';
import { join } from 'path';
import { MemoryByteSource } from '../../src/engine/format/byteSource';
import { Heap } from '../../src/engine/analysis/heap';
import { heapService } from '../../src/engine/service';
import { FileByteSource } from '../../src/worker/fileByteSource';
import { DumpBuilder } from '../fixtures/dumpBuilder';
import { SAMPLES } from '../support/corpus';

const CHAN = 0xc000010000;

/** Two goroutines blocked receiving from CHAN (their own sudogs point at it too). */
function dump(globalHoldsChannel: boolean): Heap {
  const b = new DumpBuilder();
  b.object(CHAN, 96);
  for (let k = 0; k < 2; k++) {
    const sudog = 0xc000020000 + 0x100 * k;
    b.object(sudog, 96, { 40: CHAN });
    b.goroutine({
      goid: 10 + k,
      waitReason: 'chan receive',
      frames: [
        { name: 'runtime.gopark', pointers: { 8: sudog } },
        { name: 'runtime.chanrecv', pointers: { 8: CHAN, 16: sudog } },
        { name: 'runtime.chanrecv1', pointers: { 8: CHAN } },
        { name: 'main.worker' },
      ],
    });
  }
  b.bss(0x500000, 16, globalHoldsChannel ? { 0: CHAN } : {});
  return Heap.read(new MemoryByteSource(b.build())).analyse();
}

describe('goroutine triage', function () {
  it('groups goroutines by the channel they wait on, not by their own sudogs', function () {
    const t = heapService(dump(true)).goroutineTriage();
    assert.strictEqual(t.waits.length, 1);
    assert.strictEqual(t.waits[0].address, CHAN);
    assert.deepStrictEqual(t.waits[0].goids, [10, 11]);
    assert.strictEqual(t.waits[0].heapReferrers, 0, 'the sudogs are part of the wait');
    assert.strictEqual(t.waits[0].globalRoots, 1);
    assert.ok(!t.findings.some((f) => /nothing else references/.test(f.title)), 'a global holds the channel: someone may still send');
  });

  it('flags goroutines blocked on a channel nothing else references', function () {
    const t = heapService(dump(false)).goroutineTriage();
    const leak = t.findings.find((f) => f.severity === 'error');
    assert.ok(leak, JSON.stringify(t.findings));
    assert.match(leak.title, /2 goroutines blocked on a channel nothing else references/);
    assert.strictEqual(leak.object?.address, CHAN);
  });

  it('finds the six workers of the sample waiting on one channel and three on one global mutex', function () {
    const t = heapService(Heap.read(new FileByteSource(join(SAMPLES, 'dumps', 'orders.heapdump'))).analyse()).goroutineTriage();
    const ch = t.waits.find((w) => w.kind === 'channel' && w.goroutines.length === 6);
    assert.ok(ch?.object, 'a heap channel with six receivers');
    assert.ok(ch.globalRoots >= 1, 'the jobs channel is a global');
    const mu = t.waits.find((w) => w.kind === 'mutex' && w.goroutines.length === 3);
    assert.ok(mu && !mu.object, 'the stuck mutex is a global (no heap object)');
  });
});
