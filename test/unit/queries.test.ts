/**
 * The queries behind the Types, Objects, Dominators and Roots tabs, on real dumps, checked
 * against facts computed here from a separate reading of the file (independentParse):
 * referrers really point at the object, every path to a root is a chain of real pointer
 * fields starting at a real root word, the root retains exactly the reachable bytes.
 */
import * as assert from 'assert';
import { existsSync, readFileSync } from 'fs';
import { basename, join } from 'path';
import { HeapApi, ObjectRow, Page } from '../../src/engine/api';
import { NO_GROUP, groupRetained, sparseGroupRetained } from '../../src/engine/analysis/groupRetained';
import { Heap } from '../../src/engine/analysis/heap';
import { heapService } from '../../src/engine/service';
import { FileByteSource } from '../../src/worker/fileByteSource';
import { SAMPLES, SHARED_CORPUS } from '../support/corpus';
import { IDump, independentParse, reachableBytes } from '../support/independentParse';
import { rng } from '../support/mutate';

const DUMPS = [
  join(SAMPLES, 'dumps', 'orders.heapdump'),
  join(SAMPLES, 'dumps', 'orders-go1.26.heapdump'),
  join(SHARED_CORPUS, 'finalizers.heapdump'),
  join(SHARED_CORPUS, 'kitchensink.heapdump'),
  join(SHARED_CORPUS, 'versions', 'go1.23', 'goroutines.heapdump'),
].filter(existsSync);

function all<T>(fetch: (start: number, end: number) => Page<T>): T[] {
  const out: T[] = [];
  for (let start = 0; ; start += 500) {
    const page = fetch(start, start + 500);
    out.push(...page.rows);
    if (start + 500 >= page.total) return out;
  }
}

for (const path of DUMPS) {
  describe(`queries on ${basename(path)}`, function () {
    let api: HeapApi;
    let heap: Heap;
    let d: IDump;
    let sample: number[];
    before(function () {
      heap = Heap.read(new FileByteSource(path)).analyse();
      api = heapService(heap);
      d = independentParse(path);
      const rand = rng(7);
      const top = api.objects({ start: 0, end: 15, sort: { key: 'retained', descending: true } }).rows.map((r) => r.index);
      sample = [...top, ...Array.from({ length: 60 }, () => Math.floor(rand() * d.objects.length))];
    });

    it('reads the same objects as the independent parse', function () {
      assert.strictEqual(heap.objectCount, d.objects.length);
      for (const i of sample) assert.strictEqual(heap.address(i), d.objects[i].addr);
    });

    it('referrers are exactly the objects with a pointer field into the object, at those offsets', function () {
      for (const i of sample) {
        const expected = new Map<number, number[]>();
        d.objects.forEach((o, j) => {
          for (const [off, v] of o.pointers) if (d.find(v) === i) expected.set(j, [...(expected.get(j) ?? []), off]);
        });
        const got = all((start, end) => api.referrers({ index: i, start, end }));
        assert.deepStrictEqual(new Map(got.map((e) => [e.object.index, e.offsets])), expected, `referrers of object ${i}`);
      }
    });

    it('references are the objects its pointer fields land in', function () {
      for (const i of sample) {
        const expected = new Map<number, number[]>();
        for (const [off, v] of d.objects[i].pointers) {
          const t = d.find(v);
          if (t >= 0) expected.set(t, [...(expected.get(t) ?? []), off]);
        }
        const got = all((start, end) => api.references({ index: i, start, end }));
        assert.deepStrictEqual(new Map(got.map((e) => [e.object.index, e.offsets])), expected, `references of object ${i}`);
      }
    });

    it('every path to a root is a chain of real pointer fields from a real root word', function () {
      let checked = 0;
      for (const i of sample) {
        const paths = api.pathsToRoots({ index: i, maxPaths: 3 });
        const row = heap.objectRow(i);
        if (!row.reachable) {
          assert.strictEqual(paths.length, 0, 'garbage has no path');
          continue;
        }
        assert.ok(paths.length > 0, `reachable object ${i} has a path`);
        assert.strictEqual(new Set(paths.map((p) => p.steps[0].object.index)).size, paths.length, 'paths start at distinct root-held objects');
        for (const [n, p] of paths.entries()) {
          // A long path comes with its middle left out; pathSteps gives all of it.
          const steps = p.elided ? all((start, end) => api.pathSteps({ index: i, maxPaths: 3, path: n, start, end })) : p.steps;
          assert.strictEqual(steps.length, p.length);
          if (p.elided) assert.deepStrictEqual(p.steps, [...steps.slice(0, p.elided.after), ...steps.slice(p.elided.after + p.elided.count)]);
          assert.strictEqual(steps[steps.length - 1].object.index, i);
          for (let k = 0; k + 1 < steps.length; k++) {
            const from = d.objects[steps[k].object.index];
            const field = from.pointers.find(([off]) => off === steps[k].offset);
            assert.ok(field, `step ${k} names a pointer field of its object`);
            assert.strictEqual(d.find(field[1]), steps[k + 1].object.index, `step ${k}'s field points into the next object`);
          }
          const first = steps[0].object.index;
          const held = d.roots.some((r) => d.find(r.value) === first) ||
            d.finalized.some((f) => d.find(f) >= 0 && d.objects[d.find(f)].pointers.some(([, v]) => d.find(v) === first));
          assert.ok(held, `the path starts at an object a root word points at (${p.root.description})`);
          if (p.root.kind === 'bss segment' || p.root.kind === 'data segment') {
            const seg = p.root.kind === 'bss segment' ? 'bss' : 'data';
            assert.ok(d.roots.some((r) => r.kind === seg && r.offset === p.root.offset && d.find(r.value) === first),
              `${p.root.description}: the ${seg} word at that offset points at the first object`);
          }
          checked++;
        }
      }
      assert.ok(checked > 10, `${checked} paths checked`);
    });

    it('the dominator tree\'s root retains exactly the bytes reachable from the roots', function () {
      assert.strictEqual(api.dominatorRoot().retained, reachableBytes(d));
    });

    it('a node retains its own size plus what its children retain, children biggest first', function () {
      const queue = [api.dominatorRoot().node];
      for (let visited = 0; queue.length && visited < 40; visited++) {
        const node = queue.shift() as number;
        const kids = all((start, end) => api.dominatorChildren({ node, start, end }));
        const self = heap.dominators?.retained[node] ?? 0;
        const own = node < heap.objectCount ? heap.size(node) : 0;
        assert.strictEqual(kids.reduce((a, k) => a + k.retained, own), self, `node ${node}`);
        for (let k = 1; k < kids.length; k++) assert.ok(kids[k - 1].retained >= kids[k].retained);
        for (const k of kids) assert.strictEqual(heap.dominators?.idom[k.node], node);
        queue.push(...kids.slice(0, 3).map((k) => k.node));
      }
    });

    it('the type histogram covers every object once, and instances belong to their type', function () {
      const types = all((start, end) => api.types({ start, end, sort: { key: 'retained', descending: true } }));
      // The runtime's own figures: every object once, the phantom slots of Go >= 1.22 in none.
      const { memstats } = JSON.parse(readFileSync(path.replace(/\.heapdump$/, '.summary.json'), 'utf8'));
      assert.strictEqual(types.reduce((a, t) => a + t.count, 0), memstats.HeapObjects);
      assert.strictEqual(types.reduce((a, t) => a + t.bytes, 0), memstats.HeapAlloc);
      assert.ok(types.every((t) => t.count > 0), 'no empty type group');
      for (const t of types.slice(0, 5)) {
        const instances: ObjectRow[] = all((start, end) => api.typeInstances({ type: t.id, start, end }));
        assert.strictEqual(instances.length, t.count);
        for (const o of instances) assert.strictEqual(o.type.name, t.name);
        const maxOne = Math.max(...instances.map((o) => o.retained ?? 0));
        const sum = instances.reduce((a, o) => a + (o.retained ?? 0), 0);
        assert.ok((t.retained ?? 0) >= maxOne && (t.retained ?? 0) <= sum, `${t.name}: group retained within [max member, sum of members]`);
      }
    });

    it('a group retains the retained sizes of its members that no other member dominates', function () {
      const dom = heap.requireDominators();
      const n = heap.objectCount;
      const random = rng(7);
      for (const density of [0.01, 0.3, 1]) {
        // Three groups over a random share of the objects.
        const groupOf = new Uint32Array(n).fill(NO_GROUP);
        const members: number[][] = [[], [], []];
        for (let i = 0; i < n; i++) {
          if (random() >= density) continue;
          groupOf[i] = Math.floor(random() * 3);
          members[groupOf[i]].push(i);
        }
        // By definition: a member counts unless one of its dominators is in its group.
        const expected = [0, 0, 0];
        for (let i = 0; i < n; i++) {
          const g = groupOf[i];
          if (g === NO_GROUP || dom.idom[i] < 0) continue;
          let a = dom.idom[i];
          while (a < n && groupOf[a] !== g) a = dom.idom[a];
          if (a >= n) expected[g] += dom.retained[i];
        }
        assert.deepStrictEqual(Array.from(groupRetained(heap, groupOf, 3)), expected, `whole-tree walk, density ${density}`);
        assert.deepStrictEqual(Array.from(sparseGroupRetained(heap, members)), expected, `chain walks, density ${density}`);
      }
    });

    it('global roots list the objects their words point at', function () {
      for (const kind of ['data', 'bss'] as const) {
        const rows = all((start, end) => api.roots({ kind, start, end }));
        const words = d.roots.filter((r) => r.kind === kind && d.find(r.value) >= 0);
        assert.strictEqual(rows.length, words.length, `${kind} roots that land on objects`);
        for (const r of rows) {
          const off = Number(/\+0x([0-9a-f]+)/.exec(r.label)?.[1] && parseInt(/\+0x([0-9a-f]+)/.exec(r.label)?.[1] as string, 16));
          assert.ok(words.some((w) => w.offset === off && d.find(w.value) === r.object?.index), `${r.detail}`);
        }
      }
      const lists = api.rootLists();
      assert.strictEqual(lists.find((l) => l.kind === 'finalizers')?.count, d.finalized.length);
    });
  });
}
