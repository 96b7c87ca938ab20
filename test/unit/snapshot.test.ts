/**
 * The analysis cache's snapshots: a heap restored from its snapshot answers every query as the
 * analysis it was taken from did (and that analysis is the one the conformance suite checks
 * against the reference decoder), with and without its program binary; its summary still
 * equals the reference decoder's; a snapshot made for another file, or damaged, is not used.
 */
import * as assert from 'assert';
import { readFileSync } from 'fs';
import { basename, relative } from 'path';
import { inflateSync } from 'zlib';
import { Heap } from '../../src/engine/analysis/heap';
import { restoreHeap, restoreTypes, snapshotHeap, snapshotTypes } from '../../src/engine/analysis/snapshot';
import { summarize } from '../../src/engine/analysis/summary';
import { MemoryByteSource } from '../../src/engine/util/byteSource';
import { GoProgram } from '../../src/engine/program/goProgram';
import { heapService } from '../../src/engine/service';
import { toJson } from '../../src/engine/util/json';
import { PackedSnapshot, padTo } from '../../src/engine/util/snapshotCodec';
import { HeapApi } from '../../src/engine/api';
import { FileByteSource } from '../../src/worker/fileByteSource';
import { ProgramPair, programPairs } from '../support/binaries';
import { REPO, SAMPLES, dumpsWithSummaries, parseJsonExact } from '../support/corpus';

const bytesOf = (p: PackedSnapshot): MemoryByteSource => {
  const out = new Uint8Array(p.size);
  let at = 0;
  for (const part of p.parts) {
    out.set(part, at);
    at += part.length;
  }
  return new MemoryByteSource(out);
};

const program = (path: string) => new GoProgram(new FileByteSource(path), path, (b) => inflateSync(b));

/** What the views ask, answered by one API (JSON text: undefined fields and -0 compare as sent). */
function answers(api: HeapApi, heap: Heap): Record<string, string> {
  const out: Record<string, unknown> = {};
  const retained = { key: 'retained', descending: true } as const;
  out.overview = api.overview();
  out.types = api.types({ start: 0, end: 10_000, sort: retained });
  out.objects = api.objects({ start: 0, end: 200, sort: retained });
  out.lastObjects = api.objects({ start: Math.max(0, heap.realObjectCount - 100), end: heap.realObjectCount, sort: { key: 'address', descending: false } });
  out.suspects = api.suspects();
  out.goroutines = api.goroutineGroups({ start: 0, end: 1000 });
  out.leaks = api.leaks();
  out.rootLists = api.rootLists();
  out.dominatorRoot = api.dominatorRoot();
  out.dominatorChildren = api.dominatorChildren({ node: heap.requireDominators().root, start: 0, end: 100 });
  out.sites = api.allocationSites({ start: 0, end: 1000, sort: { key: 'retained', descending: true } } as never);
  out.coverage = api.typeCoverage();
  const firstType = (out.types as { rows: { id: number }[] }).rows[0];
  if (firstType) out.instances = api.typeInstances({ type: firstType.id, start: 0, end: 50 });
  for (const row of (out.objects as { rows: { index: number }[] }).rows.slice(0, 15)) {
    out[`object ${row.index}`] = api.object({ index: row.index });
    out[`paths ${row.index}`] = api.pathsToRoots({ index: row.index, maxPaths: 3 });
    out[`referrers ${row.index}`] = api.referrers({ index: row.index, start: 0, end: 20 });
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, JSON.stringify(v)]));
}

function sameAnswers(restored: Record<string, string>, fresh: Record<string, string>): void {
  assert.deepStrictEqual(Object.keys(restored), Object.keys(fresh));
  for (const k of Object.keys(fresh)) assert.strictEqual(restored[k], fresh[k], `${k} differs after the restore`);
}

describe('analysis snapshots (the analysis cache)', function () {
  this.timeout(120_000);
  const identity = { test: 'snapshot' };

  for (const path of dumpsWithSummaries()) {
    it(`restores ${relative(REPO, path)} with the same answers and the reference decoder's summary`, function () {
      const fresh = Heap.read(new FileByteSource(path), basename(path)).analyse();
      const expected = answers(heapService(fresh), fresh);
      // The summary's graph figures come from the graph phase: restored, not recomputed.
      const freshSummary = toJson(summarize(fresh.model, { fileName: basename(path), graphStats: fresh.requireGraph().stats }));
      const heapFile = bytesOf(snapshotHeap(fresh, identity));
      const typesFile = bytesOf(snapshotTypes(fresh, identity));

      const restored = restoreHeap(heapFile, identity, new FileByteSource(path), basename(path));
      assert.ok(restored);
      assert.ok(restoreTypes(restored, typesFile, identity));
      sameAnswers(answers(heapService(restored), restored), expected);
      const summary = toJson(summarize(restored.model, { fileName: basename(path), graphStats: restored.requireGraph().stats }));
      assert.strictEqual(summary, freshSummary);
      const oracle = parseJsonExact(readFileSync(path.replace(/\.heapdump$/, '.summary.json'), 'utf8')) as Record<string, unknown>;
      const ours = parseJsonExact(summary) as Record<string, unknown>;
      // Every key the reference decoder writes (as the conformance suite compares them).
      const objects = ours.objects as Record<string, unknown>;
      delete objects.phantom_slots;
      delete objects.phantom_slot_bytes;
      const oracleGraph = { ...(oracle.graph as Record<string, unknown>) };
      for (const k of ['objects_typed_via_itab_or_type_record', 'objects_typed_fraction', 'note']) delete oracleGraph[k];
      oracle.graph = oracleGraph;
      for (const key of Object.keys(oracle)) assert.deepStrictEqual(ours[key], oracle[key], `${key} differs from the reference decoder`);

      // Without its types snapshot the restored heap classifies afresh: the same answers.
      const untyped = restoreHeap(heapFile, identity, new FileByteSource(path), basename(path)) as Heap;
      sameAnswers(answers(heapService(untyped), untyped), expected);
    });
  }

  it('restores the typing of a program binary: fields, names and suspects as with the walk', function () {
    const pair = programPairs().find((p) => p.goVersion === '1.26') as ProgramPair;
    const path = pair.dumps[0];
    const fresh = Heap.read(new FileByteSource(path), basename(path)).analyse();
    assert.ok(fresh.attachProgram(program(pair.binary)).ok);
    const expected = answers(heapService(fresh), fresh);
    assert.match(expected.types, /"source":"dwarf"/);
    const withProgram = { ...identity, program: pair.binary };
    const heapFile = bytesOf(snapshotHeap(fresh, identity));
    const typesFile = bytesOf(snapshotTypes(fresh, withProgram));

    const restored = restoreHeap(heapFile, identity, new FileByteSource(path), basename(path)) as Heap;
    // The types were made with the program: not for the heap without it.
    assert.strictEqual(restoreTypes(restored, typesFile, identity), false);
    assert.ok(restored.attachProgram(program(pair.binary)).ok);
    assert.ok(restoreTypes(restored, typesFile, withProgram));
    sameAnswers(answers(heapService(restored), restored), expected);
  });

  it('lays arrays out past 2 GiB (the snapshot of a 4 GB dump): offsets aligned without 32-bit arithmetic', function () {
    assert.strictEqual(padTo(2 ** 31 + 1), 2 ** 31 + 8);
    assert.strictEqual(padTo(5 * 2 ** 30 + 3), 5 * 2 ** 30 + 8);
    assert.strictEqual(padTo(16), 16);
  });

  it('uses a snapshot only for the identity it was made for, and says when one is damaged', function () {
    const path = `${SAMPLES}/dumps/orders.heapdump`;
    const fresh = Heap.read(new FileByteSource(path), basename(path)).analyse();
    const packed = snapshotHeap(fresh, identity);
    const file = bytesOf(packed);
    assert.strictEqual(restoreHeap(file, { test: 'another file' }, new FileByteSource(path), 'x'), undefined);
    // Another dump of the same name: its size differs from what the snapshot was made from.
    const other = `${SAMPLES}/dumps/orders-before.heapdump`;
    assert.strictEqual(restoreHeap(file, identity, new FileByteSource(other), 'x'), undefined);

    const whole = new Uint8Array(packed.size);
    file.read(whole, 0, packed.size, 0);
    const cut = new MemoryByteSource(whole.subarray(0, whole.length - 1000));
    assert.throws(() => restoreHeap(cut, identity, new FileByteSource(path), 'x'), /analysis cache file is damaged: array \d+ runs past the end/);
    assert.throws(() => restoreHeap(new MemoryByteSource(new Uint8Array(64)), identity, new FileByteSource(path), 'x'), /damaged: not a snapshot file/);
    const garbled = whole.slice();
    garbled.fill(0x7b, 20, 60);
    assert.throws(() => restoreHeap(new MemoryByteSource(garbled), identity, new FileByteSource(path), 'x'), /damaged/);
  });
});
