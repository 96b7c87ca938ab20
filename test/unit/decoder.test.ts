/**
 * The streaming decoder: records that straddle buffer refills, objects larger than the
 * buffer, and the model of Go >= 1.22 type words, on real dumps.
 */
import * as assert from 'assert';
import { readFileSync } from 'fs';
import { join } from 'path';
import { MemoryByteSource } from '../../src/engine/util/byteSource';
import { decodeDump } from '../../src/engine/format/decoder';
import { CONTENTS_FAR, objectAddress, objectSize } from '../../src/engine/format/model';
import { ContentsOffsets, readObjectRecord } from '../../src/engine/format/objectRecords';
import { toJson } from '../../src/engine/util/json';
import { summarize } from '../../src/engine/analysis/summary';
import { DumpBuilder } from '../fixtures/dumpBuilder';
import { SAMPLES } from '../support/corpus';

describe('decoder', function () {
  const bytes = readFileSync(join(SAMPLES, 'dumps', 'orders.heapdump'));

  it('gives the same model whatever the buffer size (records straddle refills)', function () {
    const reference = toJson(summarize(decodeDump(new MemoryByteSource(bytes))));
    for (const bufferSize of [64, 1000, 4099, 65536]) {
      const model = decodeDump(new MemoryByteSource(bytes), { bufferSize });
      assert.strictEqual(model.error, undefined);
      assert.strictEqual(toJson(summarize(model)), reference, `buffer of ${bufferSize} bytes`);
    }
  });

  it('finds every object\'s contents from its checkpoint, past big objects too, and without the deltas', function () {
    const b = new DumpBuilder();
    // Small objects around a 100 KB one, inside one 64-object checkpoint group and the next.
    let addr = 0xc000010000;
    for (let i = 0; i < 100; i++) {
      const size = i === 5 ? 100 << 10 : 16;
      b.object(addr, size, { 8: 0xc000010000 });
      addr += size;
    }
    const dump = b.build();
    const source = new MemoryByteSource(dump);
    const model = decodeDump(source);
    assert.strictEqual(model.error, undefined);
    const truth = Array.from({ length: model.objects.count }, (_, i) => readObjectRecord(model, source, i).contentsOffset);
    const deltas = model.objects.contentsDelta as Uint16Array;
    assert.strictEqual(deltas.length, 100);
    assert.ok(deltas[6] === CONTENTS_FAR && deltas[63] === CONTENTS_FAR && deltas[4] !== CONTENTS_FAR && deltas[64] < 16, 'far only after the big object, in its group');
    const fromDeltas = new ContentsOffsets(model, source);
    assert.deepStrictEqual(truth.map((_, i) => fromDeltas.at(i)), truth);
    model.objects.contentsDelta = undefined;
    const fromPass = new ContentsOffsets(model, source);
    assert.deepStrictEqual(truth.map((_, i) => fromPass.at(i)), truth);
  });

  it('reads pointers of objects bigger than the buffer', function () {
    const big = 9 << 20; // above the streaming threshold
    const dump = new DumpBuilder()
      .object(0xc000400000, big, { 8: 0xc000010000, [big - 8]: 0xc000010000 })
      .object(0xc000010000, 16)
      .bss(0x500000, 8, { 0: 0xc000400000 })
      .build();
    const model = decodeDump(new MemoryByteSource(dump), { bufferSize: 1 << 16 });
    assert.strictEqual(model.error, undefined);
    assert.deepStrictEqual(Array.from(model.objects.ptrOffsets ?? [], (o) => model.params.heapStart + o), [0xc000010000, 0xc000010000]);
    assert.strictEqual(objectSize(model.objects, 0), big);
  });

  it('keeps the Go >= 1.22 type word of pointerful objects of 513 B to 32 KiB', function () {
    const model = decodeDump(new MemoryByteSource(readFileSync(join(SAMPLES, 'dumps', 'orders-go1.26.heapdump'))));
    const { typeWordObject, typeWordAddr } = model.objects;
    assert.ok(typeWordObject.length > 0);
    for (let k = 0; k < typeWordObject.length; k++) {
      const i = typeWordObject[k];
      const size = objectSize(model.objects, i);
      assert.ok(size > 512 && size <= 32768, `object ${i} has ${size} bytes`);
      assert.ok(typeWordAddr[k] < model.params.heapStart || typeWordAddr[k] >= model.params.heapEnd, 'a type descriptor is not a heap object');
      assert.ok(objectAddress(model.objects, i) > 0);
    }
    const old = decodeDump(new MemoryByteSource(bytes));
    assert.strictEqual(old.objects.typeWordObject.length, 0, 'go1.19 has no type words');
  });
});
