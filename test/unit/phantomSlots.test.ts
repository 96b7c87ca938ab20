/**
 * Phantom slots (records WriteHeapDump writes for the reserved tail of small-object spans),
 * where a span alone cannot tell: records only in the slots a pointerful span keeps for its
 * heap bits. The dump's MemStats.HeapObjects settles it.
 */
import * as assert from 'assert';
import { Heap } from '../../src/engine/analysis/heap';
import { isPhantom } from '../../src/engine/format/phantomSlots';
import { MemoryByteSource } from '../../src/engine/util/byteSource';
import { DumpBuilder } from '../fixtures/dumpBuilder';

/** Go 1.26, 448-byte objects: a pointerful span keeps slot 17 (heap bits + inline marks), one without pointers uses it. */
function dump(heapObjects: number) {
  const b = new DumpBuilder({ version: 'go1.26.0', memStats: { HeapObjects: heapObjects } });
  const noscan = 0xc000002000;
  const scan = 0xc000004000;
  b.object(noscan + 17 * 448, 448); // record 0: the only record of its span, in slot 17
  for (let k = 0; k < 3; k++) b.object(scan + k * 448, 448, { 0: scan }); // records 1-3: pointerful objects
  b.object(scan + 17 * 448, 448); // record 4: the pointerful span's heap bits
  return Heap.read(new MemoryByteSource(b.build())).model.objects;
}

describe('phantom slots', function () {
  it('counts a lone record in a span\'s heap-bits slot as an object when MemStats says so', function () {
    const objects = dump(4);
    assert.deepStrictEqual([0, 1, 2, 3, 4].map((i) => isPhantom(objects.phantoms, i)), [false, false, false, false, true]);
    assert.strictEqual(objects.count - (objects.phantoms?.count ?? 0), 4);
  });

  it('takes it as heap bits when MemStats counts one object fewer', function () {
    const objects = dump(3);
    assert.deepStrictEqual([0, 1, 2, 3, 4].map((i) => isPhantom(objects.phantoms, i)), [true, false, false, false, true]);
  });
});
