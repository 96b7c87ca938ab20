/**
 * The dump as pprof profiles (protocol buffers, not yet gzipped), for `go tool pprof` and
 * every tool that reads them:
 *
 *   memory      the memory-profile records: alloc_objects, alloc_space, inuse_objects,
 *               inuse_space per allocation stack (what runtime.MemProfile would give)
 *   retained    for each allocation stack, the bytes its sampled objects still retain in the
 *               dump, and how many there are: what is alive and heavy, not only allocated
 *   references  every reachable object under its chain of dominators (root group, then the
 *               types of the objects that keep it alive): a flame graph of what holds memory
 */
import { Function as PFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { allocationSites } from './allocationSites';
import type { Heap } from './heap';
import { PairTable } from '../util/pairTable';
import { typeIndex } from './typeIndex';

export type ProfileKind = 'memory' | 'retained' | 'references';

/** Deepest dominator chain kept in the references profile; deeper ones are folded. */
const MAX_CHAIN = 48;

/** Builds functions and locations on demand, one per distinct (name, file, line). */
class Builder {
  readonly strings = new StringTable();
  readonly functions: PFunction[] = [];
  readonly locations: Location[] = [];
  readonly samples: Sample[] = [];
  private readonly fnIds = new Map<string, number>();
  private readonly locIds = new Map<string, number>();

  location(name: string, file = '', line = 0): number {
    const key = `${name}\0${file}\0${line}`;
    let id = this.locIds.get(key);
    if (id === undefined) {
      const fkey = `${name}\0${file}`;
      let fid = this.fnIds.get(fkey);
      if (fid === undefined) {
        fid = this.functions.length + 1;
        const n = this.strings.dedup(name);
        this.functions.push(new PFunction({ id: fid, name: n, systemName: n, filename: this.strings.dedup(file) }));
        this.fnIds.set(fkey, fid);
      }
      id = this.locations.length + 1;
      this.locations.push(new Location({ id, line: [new Line({ functionId: fid, line })] }));
      this.locIds.set(key, id);
    }
    return id;
  }

  type(type: string, unit: string): ValueType {
    return new ValueType({ type: this.strings.dedup(type), unit: this.strings.dedup(unit) });
  }

  encode(sampleType: ValueType[], defaultType: string, extra: { period?: number; periodType?: ValueType; comments: string[] }): Uint8Array {
    const profile = new Profile({
      sampleType,
      sample: this.samples,
      location: this.locations,
      function: this.functions,
      stringTable: this.strings,
      defaultSampleType: this.strings.dedup(defaultType),
      periodType: extra.periodType,
      period: extra.period ?? 0,
      comment: extra.comments.map((c) => this.strings.dedup(c)),
    });
    return profile.encode();
  }
}

/** MemProfileRate when the dump shows it: 1 if (nearly) every object has an alloc sample. */
export function knownSamplingRate(heap: Heap): number | undefined {
  const samples = heap.model.allocSamples.count;
  return samples > 0 && samples >= 0.9 * heap.realObjectCount ? 1 : undefined;
}

export function buildProfile(heap: Heap, kind: ProfileKind): Uint8Array {
  const b = new Builder();
  const comments = [`from heap dump ${heap.fileName || '(unnamed)'} (${heap.model.params.buildVersion}), profile "${kind}" by Go Heap Dump Viewer`];
  if (kind === 'memory') {
    const { strings, memProf } = heap.model;
    for (const m of memProf) {
      const stack = m.frames.map((f) => b.location(strings.get(f.func), strings.get(f.file), f.line));
      const inuse = Math.max(0, m.allocs - m.frees);
      b.samples.push(new Sample({ locationId: stack, value: [m.allocs, m.allocs * m.size, inuse, inuse * m.size], label: [{ key: b.strings.dedup('bytes'), num: m.size }] }));
    }
    const rate = knownSamplingRate(heap);
    if (rate === undefined) comments.push('sampling rate (runtime.MemProfileRate) unknown: values are the raw counts of the records');
    return b.encode([b.type('alloc_objects', 'count'), b.type('alloc_space', 'bytes'), b.type('inuse_objects', 'count'), b.type('inuse_space', 'bytes')],
      'inuse_space', { period: rate ?? 0, periodType: b.type('space', 'bytes'), comments });
  }
  if (kind === 'retained') {
    for (const s of allocationSites(heap).sites) {
      if (s.liveObjects === 0) continue;
      const stack = s.frames.map((f) => b.location(f.function, f.file, f.line));
      b.samples.push(new Sample({ locationId: stack, value: [s.retainedBytes ?? 0, s.liveObjects, s.liveBytes] }));
    }
    comments.push('retained_space of a stack: bytes its sampled objects keep alive together; stacks may retain each other\'s objects, so totals can exceed the heap');
    return b.encode([b.type('retained_space', 'bytes'), b.type('objects', 'count'), b.type('live_space', 'bytes')], 'retained_space', { comments });
  }
  return referenceProfile(heap, b, comments);
}

/**
 * Aggregates every reachable object by its chain of dominators, named by type groups, in a
 * trie: node = (parent node, label). A node's objects become one sample whose stack is the
 * chain, innermost (the object's own type) first.
 */
function referenceProfile(heap: Heap, b: Builder, comments: string[]): Uint8Array {
  const d = heap.requireDominators();
  const g = heap.requireGraph();
  const types = typeIndex(heap);
  const n = heap.objectCount;
  const groupKinds = new Map<string, number>();
  // Labels: type groups, then root-group kinds (goroutine stacks are one label, not one per goroutine).
  const labelOf = (v: number): number => {
    if (v < n) return types.groupOf[v];
    const grp = g.groups[v - n];
    const name = grp.kind === 'goroutine' ? 'goroutine stacks' : heap.groupLabel(v - n);
    let k = groupKinds.get(name);
    if (k === undefined) groupKinds.set(name, (k = types.groups.length + groupKinds.size));
    return k;
  };
  const labelName = (l: number): string => {
    if (l < types.groups.length) return types.describe(l).name;
    for (const [name, k] of groupKinds) if (k === l) return name;
    return '(deeper)';
  };
  const DEEPER = -2;
  const trie = new PairTable();
  const parentOf: number[] = [];
  const labelOfNode: number[] = [];
  const depthOf: number[] = [];
  const bytes: number[] = [];
  const count: number[] = [];
  const nodeOf = new Int32Array(d.nodeCount).fill(-1);
  const child = (parent: number, label: number): number => {
    const depth = parent < 0 ? 0 : depthOf[parent] + 1;
    if (depth > MAX_CHAIN) {
      if (labelOfNode[parent] === DEEPER) return parent;
      label = DEEPER;
    }
    const id = trie.id(parent + 1, label + 2);
    if (id === parentOf.length) {
      parentOf.push(parent);
      labelOfNode.push(label);
      depthOf.push(depth);
      bytes.push(0);
      count.push(0);
    }
    return id;
  };
  // Each node after its dominator: walk up to a node already placed, then place the way down.
  const path: number[] = [];
  for (let start = 0; start < d.nodeCount; start++) {
    for (let v = start; v !== d.root && d.idom[v] >= 0 && nodeOf[v] < 0; v = d.idom[v]) path.push(v);
    for (let v = path.pop(); v !== undefined; v = path.pop()) {
      const up = d.idom[v];
      nodeOf[v] = child(up === d.root ? -1 : nodeOf[up], labelOf(v));
      if (v < n) {
        bytes[nodeOf[v]] += heap.size(v);
        count[nodeOf[v]]++;
      }
    }
  }
  for (let t = 0; t < parentOf.length; t++) {
    if (count[t] === 0) continue;
    const stack: number[] = [];
    for (let u = t; u >= 0; u = parentOf[u]) stack.push(b.location(labelOfNode[u] === DEEPER ? '(deeper chains folded)' : labelName(labelOfNode[u])));
    b.samples.push(new Sample({ locationId: stack, value: [bytes[t], count[t]] }));
  }
  comments.push('stacks are chains of dominators: each frame keeps the ones inside it alive');
  return b.encode([b.type('inuse_space', 'bytes'), b.type('objects', 'count')], 'inuse_space', { comments });
}
