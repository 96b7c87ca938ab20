/**
 * The object graph, dominators and retained sizes, on dumps built for the purpose, checked
 * against naive algorithms (reachability with one node removed) on random graphs.
 */
import * as assert from 'assert';
import { MemoryByteSource } from '../../src/engine/util/byteSource';
import { Heap } from '../../src/engine/analysis/heap';
import { DumpBuilder, Pointers } from '../fixtures/dumpBuilder';
import { rng } from '../support/mutate';

const BASE = 0xc000010000;

function heapOf(b: DumpBuilder): Heap {
  return Heap.read(new MemoryByteSource(b.build())).analyse();
}


describe('object graph', function () {
  it('resolves interior pointers and ignores pointers to free slots', function () {
    const h = heapOf(new DumpBuilder()
      .object(BASE, 32, { 0: BASE + 0x40 + 8, 8: BASE + 0x20 + 16 }) // interior; free slot
      .object(BASE + 0x40, 32)
      .bss(0x500000, 16, { 0: BASE }));
    const g = h.requireGraph();
    assert.deepStrictEqual(Array.from(g.edgeTarget.subarray(g.edgeFirst[0], g.edgeFirst[1])), [1]);
    assert.strictEqual(g.stats.interiorPointers, 1);
    assert.strictEqual(g.stats.pointerValuesIntoHeap, 2); // the edge and the bss root
  });

  it('keeps objects held only by a finalizer\'s object alive, but not that object', function () {
    const h = heapOf(new DumpBuilder()
      .object(BASE, 16, { 0: BASE + 0x10 })
      .object(BASE + 0x10, 16)
      .finalizer(BASE));
    const d = h.requireDominators();
    assert.strictEqual(d.idom[0], -1, 'the object with a finalizer is garbage');
    assert.ok(d.idom[1] >= 0, 'what it references is kept for the finalizer');
  });

  it('walks a chain of 200,000 objects without recursion', function () {
    const b = new DumpBuilder();
    const n = 200_000;
    for (let i = 0; i < n; i++) b.object(BASE + i * 16, 16, i + 1 < n ? { 8: BASE + (i + 1) * 16 } : {});
    b.data(0x500000, 8, { 0: BASE });
    const h = heapOf(b);
    const d = h.requireDominators();
    assert.strictEqual(d.retained[0], n * 16);
    assert.strictEqual(d.idom[n - 1], n - 2);
  });

  it('compresses ancestor paths longer than its first stack (a chain with a back edge)', function () {
    // data -> 0 -> 1 -> ... -> n-1 -> 1, and data -> n/2: evaluating n-1 for 1's
    // semidominator compresses a path through almost the whole chain.
    const b = new DumpBuilder();
    const n = 200_000;
    const next = (i: number) => BASE + (i + 1 < n ? i + 1 : 1) * 16;
    for (let i = 0; i < n; i++) b.object(BASE + i * 16, 16, { 8: next(i) });
    b.data(0x500000, 16, { 0: BASE, 8: BASE + (n / 2) * 16 });
    const d = heapOf(b).requireDominators();
    assert.strictEqual(d.idom[1], d.idom[n / 2], 'both are dominated by the data segment only');
    assert.strictEqual(d.retained[0], 16);
    assert.strictEqual(d.retained[1], (n / 2 - 1) * 16);
    assert.strictEqual(d.idom[n - 1], n - 2);
  });

  it('finds objects across arenas and in runs of many sizes', function () {
    const far = 0x7f0000000000;
    const h = heapOf(new DumpBuilder({ heapStart: 0xc000000000, heapEnd: 0x800000000000 })
      .object(BASE, 8192 * 3, { 0: far + 100 }) // a multi-page object
      .object(far, 4096)
      .object(far + 4096, 4096)
      .bss(0x500000, 8, { 0: BASE + 8192 * 2 + 5 }));
    const g = h.requireGraph();
    assert.strictEqual(g.index.find(far + 4096 + 4095), 2);
    assert.strictEqual(g.index.find(far + 8192), -1);
    assert.strictEqual(g.index.find(BASE + 8192 * 3 - 1), 0);
    assert.strictEqual(h.requireDominators().retained[0], 8192 * 3 + 4096);
  });

  it('finds objects of spans written out of address order (a long-running program reuses its spans)', function () {
    const random = rng(7);
    // 3,000 spans of 8 KiB, each of one size class, written in a shuffled order.
    const spans = Array.from({ length: 3000 }, (_, k) => ({ base: BASE + k * 8192, size: [16, 48, 112, 1024][k % 4] }));
    for (let k = spans.length - 1; k > 0; k--) {
      const j = Math.floor(random() * (k + 1));
      [spans[k], spans[j]] = [spans[j], spans[k]];
    }
    const b = new DumpBuilder();
    const objects: { addr: number; size: number }[] = [];
    for (const s of spans) {
      for (let at = s.base; at + s.size <= s.base + 8192; at += s.size) {
        b.object(at, s.size);
        objects.push({ addr: at, size: s.size });
      }
    }
    const index = heapOf(b).requireGraph().index;
    objects.forEach((o, i) => {
      assert.strictEqual(index.find(o.addr), i);
      assert.strictEqual(index.find(o.addr + o.size - 1), i);
    });
    // The 8 KiB spans of 112 and 1024 B objects end in a tail that holds no object.
    assert.strictEqual(index.find(BASE + 2 * 8192 + 73 * 112), -1);
    assert.strictEqual(index.find(BASE + 3000 * 8192), -1);
  });

  describe('dominators and retained sizes match a naive computation', function () {
    for (let seed = 1; seed <= 40; seed++) {
      it(`random graph #${seed}`, function () {
        const rand = rng(seed);
        const n = 5 + Math.floor(rand() * 40);
        const sizes = Array.from({ length: n }, () => 16 * (1 + Math.floor(rand() * 4)));
        const addrs: number[] = [];
        let at = BASE;
        for (const s of sizes) {
          addrs.push(at);
          at += s + (rand() < 0.2 ? 16 : 0); // gaps make several runs
        }
        const edges: number[][] = sizes.map(() => []);
        const b = new DumpBuilder();
        for (let i = 0; i < n; i++) {
          const ptrs: Pointers = {};
          const slots = sizes[i] / 8;
          for (let k = 0; k < slots; k++) {
            if (rand() < 0.35) {
              const t = Math.floor(rand() * n);
              ptrs[k * 8] = addrs[t] + (rand() < 0.2 ? 8 : 0) * (sizes[t] > 8 ? 1 : 0);
              edges[i].push(t);
            }
          }
          b.object(addrs[i], sizes[i], ptrs);
        }
        const dataRoots: number[] = [];
        const dataPtrs: Pointers = {};
        for (let k = 0; k < 3; k++) {
          const t = Math.floor(rand() * n);
          dataPtrs[k * 8] = addrs[t];
          dataRoots.push(t);
        }
        b.data(0x500000, 24, dataPtrs);
        const frameTarget = Math.floor(rand() * n);
        b.goroutine({ goid: 1, frames: [{ name: 'main.main', size: 16, pointers: { 8: addrs[frameTarget] } }] });
        const h = heapOf(b);
        const d = h.requireDominators();

        // Naive: node ids 0..n-1 objects, n = data group, n+1 = goroutine group, n+2 = root.
        const succ = (v: number): number[] => (v < n ? edges[v] : v === n ? dataRoots : v === n + 1 ? [frameTarget] : [n, n + 1]);
        const reach = (removed: number): boolean[] => {
          const seen = new Array<boolean>(n + 3).fill(false);
          const stack = [n + 2];
          seen[n + 2] = true;
          while (stack.length) {
            for (const w of succ(stack.pop() as number)) {
              if (w !== removed && !seen[w]) {
                seen[w] = true;
                stack.push(w);
              }
            }
          }
          return seen;
        };
        const all = reach(-1);
        const groupNode = (v: number) => (v === n ? h.objectCount + h.requireGraph().groups.findIndex((g) => g.kind === 'data')
          : v === n + 1 ? h.objectCount + h.requireGraph().groups.findIndex((g) => g.kind === 'goroutine') : v);
        for (let u = 0; u < n; u++) {
          if (!all[u]) {
            assert.strictEqual(d.idom[u], -1, `object ${u} is unreachable`);
            continue;
          }
          const without = reach(u);
          let retained = sizes[u];
          const dominators: number[] = [];
          for (let v = 0; v < n; v++) if (v !== u && all[v] && !without[v]) retained += sizes[v];
          assert.strictEqual(d.retained[u], retained, `retained size of object ${u}`);
          // Dominators of u: nodes whose removal cuts u off; the immediate one is the
          // dominator that every other dominator dominates (the one cutting off the fewest).
          for (let v = 0; v < n + 2; v++) if (v !== u && !reach(v)[u]) dominators.push(v);
          const size = (v: number) => reach(v).filter((x, i) => !x && all[i]).length;
          const idom = dominators.sort((a, b2) => size(a) - size(b2))[0] ?? n + 2;
          assert.strictEqual(d.idom[u], idom === n + 2 ? d.root : groupNode(idom), `idom of object ${u}`);
        }
      });
    }
  });
});
