/**
 * Decoding the second half of the object records on a helper must give the model a single
 * reader builds, whether the helper's boundary is taken, stepped over, or missing. The helper
 * here runs on this thread (the threads themselves: cli.test.ts).
 */
import * as assert from 'assert';
import { buildSync } from 'esbuild';
import { readFileSync } from 'fs';
import { basename, join } from 'path';
import { ByteSource, MemoryByteSource } from '../../src/engine/util/byteSource';
import { ObjectPart, ParallelObjects, PartRequest, decodeDump, decodeObjectPart, findObjectRecords } from '../../src/engine/format/decoder';
import { DumpModel } from '../../src/engine/format/model';
import { ContentsOffsets, readObjectRecord } from '../../src/engine/format/objectRecords';
import { FileByteSource } from '../../src/worker/fileByteSource';
import { ThreadedObjects } from '../../src/worker/threadedObjects';
import { REPO, SAMPLES, SHARED_CORPUS, findDumps, hasSharedCorpus } from '../support/corpus';
import { tempDir } from '../support/tempDir';

/** A helper on this thread; `shift` moves the boundary it reports (to test stepping over it). */
class InlineHelper implements ParallelObjects {
  at: number | undefined;
  part: ObjectPart | undefined;
  taken = false;
  cancelled = false;
  constructor(private readonly source: ByteSource, private readonly shift = 0) {}
  worthIt(): boolean {
    return true;
  }
  start(request: PartRequest): void {
    this.part = decodeObjectPart(this.source, request, (b) => (this.at = b === undefined ? b : b + this.shift));
  }
  boundary(): number | undefined {
    return this.at;
  }
  result(): ObjectPart | undefined {
    this.taken = this.part !== undefined;
    return this.shift === 0 ? this.part : undefined;
  }
  cancel(): void {
    this.cancelled = true;
  }
}

/**
 * Every array and count of the model, as plain values. Checkpoints may name other objects
 * (up to 63 earlier) after a part was taken over, and the contents deltas are from them, so
 * what counts is that every object's record, and its contents, are found from them.
 */
function snapshot(m: DumpModel, source: ByteSource): unknown {
  const plain = (v: unknown): unknown => (ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v instanceof Map ? [...v] : v);
  const { checkpoints, checkpointObject, contentsDelta, ...rest } = m.objects;
  assert.ok(checkpoints.length === checkpointObject.length);
  assert.strictEqual(contentsDelta?.length, m.objects.count, 'a contents delta for every object');
  const objects = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, plain(v)]));
  const records = [];
  for (let i = 0; i < m.objects.count; i += 1 + (i % 61)) records.push(readObjectRecord(m, source, i));
  const offsets = new ContentsOffsets(m, source);
  const contents = Array.from({ length: m.objects.count }, (_, i) => offsets.at(i));
  return { objects, records, contents, recordCounts: m.recordCounts, recordBytes: m.recordBytes, stats: m.stats, error: m.error?.message, roots: plain(m.roots.value) };
}

const dumps = [...findDumps(join(SAMPLES, 'dumps')), ...(hasSharedCorpus ? findDumps(SHARED_CORPUS) : [])];

describe('decoding object records on two threads', function () {
  let joined = 0;
  for (const path of dumps) {
    it(`gives the single reader's model: ${basename(path)}`, function () {
      const bytes = readFileSync(path);
      const source = new MemoryByteSource(bytes);
      const alone = snapshot(decodeDump(source), source);
      for (const shift of [0, 1, -1]) {
        const helper = new InlineHelper(source, shift);
        assert.deepStrictEqual(snapshot(decodeDump(source, { parallel: helper, bufferSize: 4096 }), source), alone, `boundary shifted by ${shift}`);
        if (shift === 0 && helper.taken) joined++;
      }
    });
  }

  it('took the helper\'s part on most dumps (Go < 1.22; newer ones decline)', function () {
    // The samples alone hold two Go 1.19 dumps, one big enough to split; the shared corpus adds
    // eleven more Go < 1.22 dumps.
    assert.ok(joined >= (hasSharedCorpus ? 3 : 1), `joined on ${joined} dumps`);
  });

  it('gives the single reader\'s model and error on a truncated dump', function () {
    const bytes = readFileSync(join(SAMPLES, 'dumps', 'orders.heapdump'));
    for (const keep of [0.55, 0.7, 0.9]) {
      const cut = bytes.subarray(0, Math.floor(bytes.length * keep));
      const source = new MemoryByteSource(cut);
      assert.deepStrictEqual(snapshot(decodeDump(source, { parallel: new InlineHelper(source) }), source), snapshot(decodeDump(source), source), `cut at ${keep}`);
    }
  });

  it('finds a record boundary only where object records follow', function () {
    const bytes = readFileSync(join(SAMPLES, 'dumps', 'orders.heapdump'));
    const source = new MemoryByteSource(bytes);
    const m = decodeDump(source);
    // From inside the record of object 63: the next record start is object 64's.
    const at = m.objects.checkpoints[1];
    assert.strictEqual(findObjectRecords(source, m.params, at - 3), at);
    const part = decodeObjectPart(source, { hint: at - 3, params: m.params, typeAddrs: new Float64Array() }, () => undefined);
    assert.strictEqual(part?.start, at);
    assert.strictEqual(part?.count, m.objects.count - 64, 'the part runs to the last object record');
  });
});

describe('the helper thread (ThreadedObjects)', function () {
  this.timeout(60_000);
  const dir = tempDir('goheap-helper-');
  const script = join(dir, 'objectPartHelper.js');
  before(function () {
    buildSync({ entryPoints: [join(REPO, 'src', 'worker', 'objectPartHelper.ts')], bundle: true, platform: 'node', outfile: script, logLevel: 'error' });
  });

  it('decodes the second half on another thread and gives the single reader\'s model', function () {
    const path = join(SAMPLES, 'dumps', 'orders.heapdump');
    const source = new FileByteSource(path);
    try {
      const helper = new ThreadedObjects(path, 2, script, 0);
      let part: ObjectPart | undefined;
      const result = helper.result.bind(helper);
      helper.result = () => (part = result());
      const model = decodeDump(source, { parallel: helper });
      assert.ok(part && part.count > 0, 'the helper\'s part was taken');
      assert.deepStrictEqual(snapshot(model, source), snapshot(decodeDump(source), source));
    } finally {
      source.close();
    }
  });

  it('falls back to reading alone when the helper cannot start', function () {
    const path = join(SAMPLES, 'dumps', 'orders.heapdump');
    const source = new FileByteSource(path);
    try {
      const helper = new ThreadedObjects(path, 2, join(dir, 'missing.js'), 0);
      assert.strictEqual(helper.worthIt(1 << 30), false, 'no helper script, no helper');
      const broken = new ThreadedObjects(join(dir, 'no-such.heapdump'), 2, script, 0);
      assert.deepStrictEqual(snapshot(decodeDump(source, { parallel: broken }), source), snapshot(decodeDump(source), source));
    } finally {
      source.close();
    }
  });
});
