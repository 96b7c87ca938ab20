/**
 * Well-formed but hostile dumps: memory follows what the file holds, not the address space it
 * spans; inputs 100,000 deep (stacks, chains) are answered without recursion, and the answers
 * cross a thread boundary (structured clone) and become JSON.
 */
import * as assert from 'assert';
import { readFileSync } from 'fs';
import { join } from 'path';
import { MemoryByteSource } from '../../src/engine/util/byteSource';
import { Heap } from '../../src/engine/analysis/heap';
import { heapService } from '../../src/engine/service';
import { toJson } from '../../src/engine/util/json';
import { DumpBuilder } from '../fixtures/dumpBuilder';
import { SAMPLES } from '../support/corpus';

const ARENA = 64 * 1024 * 1024;
const DEEP = 100_000;

function analysed(b: DumpBuilder): Heap {
  return Heap.read(new MemoryByteSource(b.build())).analyse();
}

/** What crossing to another thread and out as JSON does to an answer. */
function roundTrip(value: unknown): void {
  structuredClone(value);
  toJson(value);
}

describe('hostile dumps', function () {
  this.timeout(60_000);

  it('indexes 40,000 objects in 40,000 arenas in memory sized by the objects', function () {
    const n = 40_000;
    const b = new DumpBuilder({ heapStart: 0xc000000000, heapEnd: 0xc000000000 + (n + 1) * ARENA });
    for (let k = 0; k < n; k++) b.object(0xc000000000 + k * ARENA + 0x1000, 16, k + 1 < n ? { 0: 0xc000000000 + (k + 1) * ARENA + 0x1008 } : {});
    b.bss(0x500000, 8, { 0: 0xc000000000 + 0x1000 });
    const heap = analysed(b);
    const g = heap.requireGraph();
    // Before: a 64 KiB page table per arena touched (2.6 GB here).
    assert.ok(g.index.footprint < 200 * n, `index holds ${g.index.footprint} bytes for ${n} objects`);
    assert.strictEqual(g.index.find(0xc000000000 + 7 * ARENA + 0x1008), 7);
    assert.strictEqual(g.index.find(0xc000000000 + 7 * ARENA + 0x1010), -1);
    assert.strictEqual(g.index.find(0xc000000000 + 7 * ARENA), -1);
    assert.strictEqual(g.stats.interiorPointers, n - 1);
    assert.strictEqual(heap.requireDominators().retained[0], 16 * n, 'the chain through every arena is one retained set');
  });

  it('keeps a dense heap on 8 KiB pages and a sparse one on few entries', function () {
    const dense = new DumpBuilder();
    for (let k = 0; k < 4096; k++) dense.object(0xc000010000 + k * 48, 48);
    const d = analysed(dense).requireGraph().index;
    for (let k = 0; k < 4096; k += 97) assert.strictEqual(d.find(0xc000010000 + k * 48 + 47), k);
    assert.ok(d.footprint < 4096 * 48, `dense index ${d.footprint} bytes`);
  });

  it('draws a 100,000-frame memory-profile stack as a flat flame graph', function () {
    const frames = Array.from({ length: DEEP }, (_, k) => ({ func: `main.f${k}`, file: '/src/deep.go', line: k + 1 }));
    const b = new DumpBuilder().object(0xc000010000, 64).bss(0x500000, 8, { 0: 0xc000010000 });
    b.memProf(0x900000, 64, frames, 1, 0).allocSample(0xc000010000, 0x900000);
    const api = heapService(analysed(b));
    const flame = api.flameGraph({ metric: 'allocBytes' });
    assert.strictEqual(flame.length, DEEP + 1);
    assert.strictEqual(flame[0].name, 'all');
    assert.strictEqual(flame[1].name, `main.f${DEEP - 1}`, 'outermost frame first');
    assert.strictEqual(flame[DEEP].name, 'main.f0');
    assert.strictEqual(flame[DEEP].depth, DEEP);
    assert.ok(flame.every((f, i) => i === 0 || (f.parent === i - 1 && f.value === 64)));
    roundTrip(flame);
    const mid = api.flameSandwich({ metric: 'allocBytes', function: 'main.f50000' });
    assert.strictEqual(mid.callers.length, DEEP - 50_000);
    assert.strictEqual(mid.callees.length, 50_001);
    assert.strictEqual(mid.callees[mid.callees.length - 1].name, 'main.f0');
    roundTrip(mid);
    roundTrip(api.allocationSites({ start: 0, end: 5, sort: { key: 'inuseBytes', descending: true } }));
  });

  it('follows a 100,000-long chain to its root and through the dominator tree', function () {
    const base = 0xc000010000;
    const b = new DumpBuilder();
    for (let k = 0; k < DEEP; k++) b.object(base + k * 16, 16, k + 1 < DEEP ? { 8: base + (k + 1) * 16 } : { 8: base + k * 16 });
    b.bss(0x500000, 8, { 0: base });
    const api = heapService(analysed(b));
    const paths = api.pathsToRoots({ index: DEEP - 1, maxPaths: 2 });
    assert.strictEqual(paths.length, 1);
    const [path] = paths;
    assert.strictEqual(path.length, DEEP, 'every object of the chain');
    assert.ok(path.elided && path.steps.length < 30, 'only the first and last steps come along');
    assert.strictEqual(path.steps.length + path.elided.count, DEEP);
    assert.strictEqual(path.steps[0].object.index, 0);
    assert.strictEqual(path.steps[0].offset, 8);
    assert.strictEqual(path.steps[path.steps.length - 1].object.index, DEEP - 1);
    const middle = api.pathSteps({ index: DEEP - 1, maxPaths: 2, path: 0, start: path.elided.after, end: path.elided.after + 3 });
    assert.deepStrictEqual(middle.rows.map((s) => s.object.index), [path.elided.after, path.elided.after + 1, path.elided.after + 2]);
    assert.strictEqual(middle.total, DEEP);
    roundTrip(paths);
    const detail = api.object({ index: DEEP - 1 });
    assert.strictEqual(detail.dominatorDepth, DEEP + 1, 'the rest of the chain, the root group, the synthetic root');
    assert.ok((detail.dominators?.length ?? 0) <= 50);
    assert.strictEqual(detail.dominators?.[0].object?.index, DEEP - 2);
    assert.strictEqual(detail.row.retained, 16, 'the last object holds only itself (its self-reference)');
    let node = api.dominatorRoot().node;
    for (let depth = 0; depth < 5; depth++) node = api.dominatorChildren({ node, start: 0, end: 1 }).rows[0].node;
  });

  it('lists a goroutine 100,000 frames deep', function () {
    const frames = Array.from({ length: DEEP }, (_, k) => ({ name: `main.recurse${k % 7}`, size: 16 }));
    const api = heapService(analysed(new DumpBuilder().goroutine({ goid: 1, frames })));
    const groups = api.goroutineGroups({ start: 0, end: 5 });
    assert.strictEqual(groups.total, 1);
    roundTrip(groups);
    roundTrip(api.goroutine({ index: 0 }));
  });
});

describe('truncated dumps say what was never read', function () {
  const full = readFileSync(join(SAMPLES, 'dumps', 'orders.heapdump'));
  const model = (bytes: Uint8Array) => Heap.read(new MemoryByteSource(bytes)).analyse();

  it('cut among the objects: no roots, so reachability is unknown (not "all garbage"); no memory profile', function () {
    const heap = model(full.subarray(0, Math.floor(full.length / 2)));
    const o = heapService(heap).overview();
    assert.ok(o.problem?.truncated);
    assert.deepStrictEqual(o.problem.notRead.map((x) => x.split(' ')[0]), ['roots', 'MemStats', 'memory']);
    assert.strictEqual(o.reachableCount, null);
    assert.strictEqual(heap.objectRow(0).reachable, null);
  });

  it('cut in the memory profile: roots read, reachability known', function () {
    const heap = model(full.subarray(0, full.length - 2000));
    const o = heapService(heap).overview();
    assert.ok(o.problem?.truncated);
    assert.deepStrictEqual(o.problem.notRead, []);
    assert.ok((o.reachableCount ?? 0) > 0);
  });
});
