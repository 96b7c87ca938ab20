/**
 * Every malformed variant in ../shared/heapdumps/corpus/corrupt behaves as its manifest says:
 * the same verdict as the reference decoder, the error at the same byte offset, and a partial
 * model whenever the damage comes after the params record.
 */
import * as assert from 'assert';
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { MemoryByteSource } from '../../src/engine/util/byteSource';
import { decodeDump } from '../../src/engine/format/decoder';
import { objectAddress, objectSize } from '../../src/engine/format/model';
import { DumpError } from '../../src/engine/format/errors';
import { SHARED_CORPUS } from '../support/corpus';

interface Variant {
  file: string;
  expect: 'ok' | 'error';
  what: string;
  oracle_message: string;
}

const DIR = join(SHARED_CORPUS, 'corrupt');

describe('malformed dumps (corpus/corrupt manifest)', function () {
  if (!existsSync(join(DIR, 'manifest.json'))) {
    it('skipped: ../shared/heapdumps/corpus/corrupt not found');
    return;
  }
  const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as { variants: Variant[] };
  for (const v of manifest.variants) {
    it(`${v.file}: ${v.what}`, function () {
      const bytes = readFileSync(join(DIR, v.file));
      let error: DumpError | undefined;
      let partial = false;
      try {
        const model = decodeDump(new MemoryByteSource(bytes));
        error = model.error;
        partial = true;
      } catch (e) {
        if (!(e instanceof DumpError)) throw e;
        error = e;
      }
      if (v.expect === 'ok') {
        assert.strictEqual(error, undefined, error?.message);
        return;
      }
      assert.ok(error, 'expected an error');
      const oracleOffset = Number(/error at offset (\d+)/.exec(v.oracle_message)?.[1]);
      assert.strictEqual(error.offset, oracleOffset, `ours: ${error.message}; oracle: ${v.oracle_message}`);
      // Damage after a complete params record leaves a partial model; before it, nothing to show.
      assert.strictEqual(partial, error.offset > 16 && !/params/.test(error.message) && v.file !== 'bad-bool.heapdump',
        `partial model expected iff the params record was read (${error.message})`);
    });
  }

  it('keeps every record before the damage (truncated-half)', function () {
    const model = decodeDump(new MemoryByteSource(readFileSync(join(DIR, 'truncated-half.heapdump'))));
    assert.ok(model.error?.truncated);
    assert.strictEqual(model.error?.recordKind, 'bss');
    assert.ok(model.objects.count > 0, 'objects before the cut are kept');
    const whole = decodeDump(new MemoryByteSource(readFileSync(join(SHARED_CORPUS, 'panicdump.heapdump'))));
    for (let i = 0; i < model.objects.count; i++) {
      assert.strictEqual(objectAddress(model.objects, i), objectAddress(whole.objects, i));
      assert.strictEqual(objectSize(model.objects, i), objectSize(whole.objects, i));
    }
  });

  it('reads the records the Go runtime never writes (synthetic-valid-otherroot-iface)', function () {
    const model = decodeDump(new MemoryByteSource(readFileSync(join(DIR, 'synthetic-valid-otherroot-iface.heapdump'))));
    assert.strictEqual(model.otherRoots.length, 1);
    assert.match(model.otherRoots[0].description, /synthetic root/);
    assert.strictEqual(model.otherRoots[0].addr, 0xc000000000);
    assert.strictEqual(objectAddress(model.objects, model.objects.count - 1), 0x7f0000000000);
  });
});
