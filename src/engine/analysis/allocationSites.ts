/**
 * Allocation sites: the memory-profile buckets merged by identical stack from the frame that
 * names the site on (a bucket is one stack and one object size; see format/userFrames.ts), with the profile's counts and what the alloc-sample records
 * say is still in the dump; and the flame graph of a metric over those stacks.
 */
import { AllocationSiteRow, FlameFrame, LineStat, Page, Range, SiteMetric, Sort, SourceFrame } from '../api';
import { overlappingGroupRetained, sparseGroupRetained } from './groupRetained';
import type { Heap } from './heap';
import { allocatingFrames } from '../format/format';
import { firstUserFrame } from '../format/userFrames';
import { clampRange } from './objectQueries';

/** A site as the table keeps it: the row's figures, its profile buckets and sampled objects. */
interface Site extends Omit<AllocationSiteRow, 'id'> {
  buckets: number[];
  /** Sampled objects found in the dump. */
  objects: number[];
}

interface SiteTable {
  sites: Site[];
  siteOfBucket: Map<number, number>; // bucket address -> site
  withRetained: boolean;
  generation: number;
}

const cache = new WeakMap<Heap, SiteTable>();


export function allocationSites(heap: Heap): SiteTable {
  let table = cache.get(heap);
  if (table && table.generation === heap.generation && (table.withRetained || !heap.dominators)) return table;
  const { strings, memProf, allocSamples } = heap.model;
  const byStack = new Map<string, number>();
  const sites: Site[] = [];
  const siteOfBucket = new Map<number, number>();
  for (const b of memProf) {
    const frames = allocatingFrames(strings, b.frames).map((f) => ({ ...f, func: heap.profileFunction(f) }));
    const names = frames.map((f) => strings.get(f.func));
    const user = firstUserFrame(names, heap.allocationHelpers);
    // One site per stack from the user frame on: paths through the helpers (a map insert
    // that grew the table or not) are the same allocation in the program's code.
    const key = frames.slice(user).map((f) => `${f.func}:${f.file}:${f.line}`).join('|');
    let id = byStack.get(key);
    if (id === undefined) {
      id = sites.length;
      byStack.set(key, id);
      sites.push({
        frames: frames.map((f, k) => ({ function: names[k], file: strings.get(f.file), line: f.line })),
        userFrame: user,
        buckets: [], sizes: [], allocObjects: 0, allocBytes: 0, inuseObjects: 0, inuseBytes: 0,
        liveObjects: 0, liveBytes: 0, retainedBytes: null, objects: [],
      });
    }
    const s = sites[id];
    siteOfBucket.set(b.bucket, id);
    s.buckets.push(b.bucket);
    if (!s.sizes.includes(b.size)) s.sizes.push(b.size);
    s.allocObjects += b.allocs;
    s.allocBytes += b.allocs * b.size;
    s.inuseObjects += b.allocs - b.frees;
    s.inuseBytes += (b.allocs - b.frees) * b.size;
  }
  const graph = heap.graph;
  if (graph) {
    for (let k = 0; k < allocSamples.count; k++) {
      const site = siteOfBucket.get(allocSamples.bucket[k]);
      const o = heap.objectStartingAt(allocSamples.addr[k]);
      if (site === undefined || o < 0) continue;
      const s = sites[site];
      s.liveObjects++;
      s.liveBytes += heap.size(o);
      s.objects.push(o);
    }
  }
  if (heap.dominators) {
    const retained = sparseGroupRetained(heap, sites.map((s) => s.objects));
    sites.forEach((s, i) => (s.retainedBytes = retained[i]));
  }
  table = { sites, siteOfBucket, withRetained: heap.dominators !== undefined, generation: heap.generation };
  cache.set(heap, table);
  return table;
}

function metricOf(s: Site, metric: SiteMetric): number {
  return metric === 'retainedBytes' ? s.retainedBytes ?? 0 : s[metric];
}

export function allocationSitesPage(heap: Heap, a: Range & { sort: Sort<SiteMetric>; filter?: string }): Page<AllocationSiteRow> {
  const needle = a.filter?.trim().toLowerCase();
  let list = allocationSites(heap).sites.map((s, id) => ({ s, id }));
  if (needle) list = list.filter(({ s }) => s.frames.some((f) => `${f.function} ${f.file}:${f.line}`.toLowerCase().includes(needle)));
  const sign = a.sort.descending ? -1 : 1;
  list.sort((x, y) => sign * (metricOf(x.s, a.sort.key) - metricOf(y.s, a.sort.key)) || x.id - y.id);
  const [start, end] = clampRange(a, list.length);
  const rows = list.slice(start, end).map(({ s, id }): AllocationSiteRow => ({
    id,
    frames: s.frames,
    userFrame: s.userFrame,
    sizes: s.sizes,
    allocObjects: s.allocObjects,
    allocBytes: s.allocBytes,
    inuseObjects: s.inuseObjects,
    inuseBytes: s.inuseBytes,
    liveObjects: s.liveObjects,
    liveBytes: s.liveBytes,
    retainedBytes: s.retainedBytes,
  }));
  return { total: list.length, start, rows };
}

export function sampledObjectsPage(heap: Heap, site: number, range: Range) {
  const s = allocationSites(heap).sites[site];
  if (!s) throw new Error(`no allocation site #${site}`);
  const objects = [...s.objects];
  if (heap.dominators) {
    const r = heap.dominators.retained;
    objects.sort((x, y) => r[y] - r[x] || x - y);
  }
  const [start, end] = clampRange(range, objects.length);
  return { total: objects.length, start, rows: objects.slice(start, end).map((o) => heap.objectRow(o)) };
}

/**
 * Flame graph: the root is every allocation, children are outer frames first; a frame that
 * repeats its caller's function (an inlined call's line) is folded into it.
 */
export function flameGraph(heap: Heap, metric: SiteMetric): FlameFrame[] {
  const trie = new FlameTrie({ function: 'all' });
  for (const s of allocationSites(heap).sites) {
    const v = metricOf(s, metric);
    if (v > 0) trie.add(foldedStack(s), v);
  }
  return trie.frames();
}

/**
 * The "sandwich" of one function (as speedscope draws it): its callers, merged from the
 * function up to the outermost frame, and its callees, merged from the function down to the
 * allocations. A stack counts once, at the function's outermost call (recursion).
 */
export function flameSandwich(heap: Heap, metric: SiteMetric, fn: string): { callers: FlameFrame[]; callees: FlameFrame[] } {
  let callers: FlameTrie | undefined;
  let callees: FlameTrie | undefined;
  for (const s of allocationSites(heap).sites) {
    const v = metricOf(s, metric);
    if (v <= 0) continue;
    const stack = foldedStack(s);
    const at = stack.findIndex((f) => f.function === fn);
    if (at < 0) continue;
    callers ??= new FlameTrie(stack[at]);
    callees ??= new FlameTrie(stack[at]);
    callers.add(stack.slice(0, at).reverse(), v);
    callees.add(stack.slice(at + 1), v);
  }
  return { callers: callers?.frames() ?? [], callees: callees?.frames() ?? [] };
}

/** A site's stack from the outermost frame in, an inlined call's repeated function folded. */
function foldedStack(s: Site): SourceFrame[] {
  const out: SourceFrame[] = [];
  for (let k = s.frames.length - 1; k >= 0; k--) {
    if (s.frames[k].function !== out[out.length - 1]?.function) out.push(s.frames[k]);
  }
  return out;
}

/**
 * Stacks merged by function into a tree, handed out flat (see FlameFrame): built and ordered
 * without recursion, since a stack may be thousands of frames deep.
 */
class FlameTrie {
  private readonly root: FlameTrieNode;

  constructor(root: SourceFrame) {
    this.root = { frame: { name: root.function, file: root.file, line: root.line, value: 0, parent: -1, depth: 0 }, kids: new Map() };
  }

  add(path: readonly SourceFrame[], value: number): void {
    let node = this.root;
    node.frame.value += value;
    for (const f of path) {
      let next = node.kids.get(f.function);
      if (!next) {
        next = { frame: { name: f.function, file: f.file, line: f.line, value: 0, parent: -1, depth: node.frame.depth + 1 }, kids: new Map() };
        node.kids.set(f.function, next);
      }
      next.frame.value += value;
      node = next;
    }
  }

  /** Depth first, heaviest child first; each frame after its parent. */
  frames(): FlameFrame[] {
    const out: FlameFrame[] = [];
    const stack: { node: FlameTrieNode; parent: number }[] = [{ node: this.root, parent: -1 }];
    for (let top = stack.pop(); top; top = stack.pop()) {
      top.node.frame.parent = top.parent;
      const at = out.push(top.node.frame) - 1;
      // Pushed lightest first, so the heaviest child is popped (and listed) first.
      const kids = [...top.node.kids.values()].sort((a, b) => a.frame.value - b.frame.value || (a.frame.name < b.frame.name ? 1 : -1));
      for (const c of kids) stack.push({ node: c, parent: at });
    }
    return out;
  }
}

interface FlameTrieNode {
  frame: FlameFrame;
  kids: Map<string, FlameTrieNode>;
}

function pushTo<K>(m: Map<K, number[]>, k: K, v: number): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/** Memory-profile totals per source line: on the line itself (flat) and through it (cum). */
export function lineStats(heap: Heap): LineStat[] {
  const byLine = new Map<string, LineStat>();
  const withRetained = heap.dominators !== undefined;
  const flatSites = new Map<LineStat, number[]>();
  const cumSites = new Map<LineStat, number[]>();
  allocationSites(heap).sites.forEach((s, id) => {
    const seen = new Set<string>();
    s.frames.forEach((f, depth) => {
      if (!f.file || !f.line || f.file === '?') return;
      const key = `${f.file}\0${f.line}`;
      let st = byLine.get(key);
      if (!st) {
        const zero = () => ({ inuseBytes: 0, inuseObjects: 0, liveBytes: 0, retainedBytes: withRetained ? 0 : null });
        st = { file: f.file, line: f.line, function: f.function, flat: zero(), cum: zero(), sites: [] };
        byLine.set(key, st);
      }
      const add = (t: LineStat['flat']) => {
        t.inuseBytes += s.inuseBytes;
        t.inuseObjects += s.inuseObjects;
        t.liveBytes += s.liveBytes;
      };
      if (depth === 0) {
        add(st.flat);
        pushTo(flatSites, st, id);
      }
      // Inlined frames repeat a line within one stack: count a stack once per line.
      if (!seen.has(key)) {
        seen.add(key);
        add(st.cum);
        pushTo(cumSites, st, id);
        st.sites.push({ id, inuseBytes: s.inuseBytes, frames: s.frames });
      }
    });
  });
  const out = [...byLine.values()];
  if (withRetained) {
    // What a line retains counts each object once, not once per site (sites share objects'
    // retainers: their sum could pass the heap).
    const sites = allocationSites(heap).sites;
    const objectsOf = (ids: number[]) => ids.flatMap((id) => sites[id].objects);
    const flat = overlappingGroupRetained(heap, out.map((st) => objectsOf(flatSites.get(st) ?? [])));
    const cum = overlappingGroupRetained(heap, out.map((st) => objectsOf(cumSites.get(st) ?? [])));
    out.forEach((st, k) => {
      st.flat.retainedBytes = flat[k];
      st.cum.retainedBytes = cum[k];
    });
  }
  for (const st of out) {
    st.sites.sort((a, b) => b.inuseBytes - a.inuseBytes);
    st.sites.length = Math.min(st.sites.length, 5);
  }
  return out;
}
