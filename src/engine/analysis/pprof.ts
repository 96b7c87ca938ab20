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
import { Function as PFunction, Line, Location, Mapping, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { allocationSites } from './allocationSites';
import type { Heap } from './heap';
import { PairTable } from '../util/pairTable';
import { typeIndex } from './typeIndex';
import { samplingText } from '../util/units';

export type ProfileKind = 'memory' | 'retained' | 'references';

/** Deepest dominator chain kept in the references profile; deeper ones are folded. */
const MAX_CHAIN = 48;

/** Builds functions and locations on demand, one per distinct (name, file, line). */
class Builder {
  readonly strings = new StringTable();
  readonly functions: PFunction[] = [];
  readonly locations: Location[] = [];
  readonly samples: Sample[] = [];
  private mappingEntry: Mapping | undefined;
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
      this.locations.push(new Location({ id, mappingId: this.mappingEntry ? 1 : 0, line: [new Line({ functionId: fid, line })] }));
      this.locIds.set(key, id);
    }
    return id;
  }

  /** The program binary the stacks come from (pprof shows it; symbolizers look it up). */
  mapping(file: string, buildId: string): void {
    this.mappingEntry = new Mapping({ id: 1, filename: this.strings.dedup(file), buildId: this.strings.dedup(buildId), hasFunctions: true, hasFilenames: true, hasLineNumbers: true });
  }

  type(type: string, unit: string): ValueType {
    return new ValueType({ type: this.strings.dedup(type), unit: this.strings.dedup(unit) });
  }

  encode(sampleType: ValueType[], defaultType: string, extra: { period?: number; periodType?: ValueType; comments: string[] }): Uint8Array {
    const profile = new Profile({
      sampleType,
      sample: this.samples,
      mapping: this.mappingEntry ? [this.mappingEntry] : [],
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

/** Go's default runtime.MemProfileRate. */
const DEFAULT_RATE = 512 * 1024;
/** In-use samples below which the profile says too little to estimate the rate from. */
const MIN_SAMPLES = 30;

/**
 * Sampled allocations below this share of those Go's default rate would have taken over the
 * run (MemStats.TotalAlloc / 512 KiB): profiling was off, or its rate set 100x the default.
 */
const OFF_SHARE = 0.01;
/** The least TotalAlloc / 512 KiB for the profile's emptiness to say anything (32 MiB allocated). */
const OFF_MIN_EXPECTED = 64;

/** How the memory profile's sampling rate (runtime.MemProfileRate) was found. */
export interface SamplingRate {
  rate: number;
  /**
   * known: every object sampled; estimated: from the sampled bytes against HeapAlloc; given;
   * off: the profile is (nearly) empty for all the program allocated (see profilingOff).
   */
  source: 'known' | 'estimated' | 'given' | 'off';
  /** off: allocations the profile sampled, and about as many as Go's default rate would have. */
  sampled?: number;
  expected?: number;
}

/**
 * Whether memory profiling was off for (nearly) all of the run: the profile sampled under 1% of
 * the allocations Go's default rate would have taken of MemStats.TotalAlloc. Go's linker turns
 * profiling off in a program that cannot read the profile (neither runtime/pprof nor
 * net/http/pprof linked in): its dump then holds the few samples taken before the runtime
 * started, and allocation sites name the runtime's own start-up.
 */
export function profilingOff(heap: Heap): { sampled: number; expected: number } | undefined {
  const expected = Math.floor(Number(heap.model.memStats?.fields.TotalAlloc ?? 0) / DEFAULT_RATE);
  if (expected < OFF_MIN_EXPECTED) return undefined;
  const sampled = heap.model.memProf.reduce((a, m) => a + m.allocs, 0);
  return sampled < expected * OFF_SHARE ? { sampled, expected } : undefined;
}

/**
 * The rate runtime.MemProfileRate had, which the dump does not record: 1 when (nearly) every
 * object has an alloc sample; else the rate at which the profile's in-use records, scaled as
 * runtime/pprof scales them, add up to MemStats.HeapAlloc (snapped to Go's default, 512 KiB,
 * when that is within a third). Undefined when there is nothing to estimate from.
 */
export function samplingRate(heap: Heap, given?: number): SamplingRate | undefined {
  if (given !== undefined) return { rate: given, source: 'given' };
  const samples = heap.model.allocSamples.count;
  if (samples > 0 && samples >= 0.9 * heap.realObjectCount) return { rate: 1, source: 'known' };
  const off = profilingOff(heap);
  if (off) return { rate: DEFAULT_RATE, source: 'off', ...off };
  const heapAlloc = Number(heap.model.memStats?.fields.HeapAlloc ?? 0);
  const records = heap.model.memProf.map((m) => ({ count: Math.max(0, m.allocs - m.frees), size: m.size }));
  // Too few samples to measure by: Go's default rate is the likeliest.
  if (records.reduce((a, r) => a + r.count, 0) < MIN_SAMPLES) return records.length ? { rate: DEFAULT_RATE, source: 'estimated' } : undefined;
  const scaled = (rate: number) => records.reduce((a, r) => a + scaleHeapSample(r.count, r.count * r.size, rate)[1], 0);
  if (heapAlloc <= 0 || scaled(1) <= 0 || scaled(1) >= heapAlloc) return undefined;
  // The scaled total grows with the rate: bisect on its logarithm.
  let lo = 0;
  let hi = 40;
  for (let k = 0; k < 60; k++) {
    const mid = (lo + hi) / 2;
    if (scaled(2 ** mid) < heapAlloc) lo = mid;
    else hi = mid;
  }
  const rate = Math.round(2 ** lo);
  return { rate: Math.abs(Math.log(rate / DEFAULT_RATE)) < Math.log(4 / 3) ? DEFAULT_RATE : rate, source: 'estimated' };
}

/**
 * runtime/pprof's scaleHeapSample: a sampled allocation of size S appears with probability
 * 1 - exp(-S/rate), so counts and bytes are divided by it.
 */
export function scaleHeapSample(count: number, bytes: number, rate: number): [number, number] {
  if (count === 0 || bytes === 0) return [0, 0];
  if (rate <= 1) return [count, bytes];
  const scale = 1 / (1 - Math.exp(-(bytes / count) / rate));
  return [Math.trunc(count * scale), Math.trunc(bytes * scale)];
}

/** A stack without its leading runtime frames, as runtime/pprof writes heap profiles. */
function hideRuntime<F extends { name: string }>(stack: F[]): F[] {
  const k = stack.findIndex((f) => !f.name.startsWith('runtime.') && !f.name.startsWith('internal/runtime/'));
  return k > 0 ? stack.slice(k) : stack;
}

export interface ProfileOptions {
  /** runtime.MemProfileRate, when known better than the estimate. */
  rate?: number;
}

export function buildProfile(heap: Heap, kind: ProfileKind, options: ProfileOptions = {}): Uint8Array {
  const b = new Builder();
  const comments = [`from heap dump ${heap.fileName || '(unnamed)'} (${heap.model.params.buildVersion}), profile "${kind}" by Go Heap Dump Viewer`];
  const program = heap.program;
  if (program) b.mapping(program.fileName, program.buildId() ?? '');
  if (kind === 'memory') {
    const { strings, memProf } = heap.model;
    const rate = samplingRate(heap, options.rate);
    for (const m of memProf) {
      const frames = hideRuntime(m.frames.map((f) => ({ name: strings.get(heap.profileFunction(f)), file: strings.get(f.file), line: f.line })));
      const stack = frames.map((f) => b.location(f.name, f.file, f.line));
      const inuse = Math.max(0, m.allocs - m.frees);
      const [allocObjects, allocBytes] = scaleHeapSample(m.allocs, m.allocs * m.size, rate?.rate ?? 1);
      const [inuseObjects, inuseBytes] = scaleHeapSample(inuse, inuse * m.size, rate?.rate ?? 1);
      b.samples.push(new Sample({ locationId: stack, value: [allocObjects, allocBytes, inuseObjects, inuseBytes], label: [{ key: b.strings.dedup('bytes'), num: m.size }] }));
    }
    if (!rate) comments.push('sampling rate (runtime.MemProfileRate) unknown: values are the raw counts of the records');
    else if (rate.source === 'off') comments.push(samplingText(rate));
    else if (rate.source !== 'known') comments.push(`values scaled for a sampling rate (runtime.MemProfileRate) of ${rate.rate} bytes, ${rate.source === 'given' ? 'as given' : 'estimated from the profile against HeapAlloc (the dump does not record it)'}`);
    return b.encode([b.type('alloc_objects', 'count'), b.type('alloc_space', 'bytes'), b.type('inuse_objects', 'count'), b.type('inuse_space', 'bytes')],
      'inuse_space', { period: rate?.rate ?? 0, periodType: b.type('space', 'bytes'), comments });
  }
  if (kind === 'retained') return retainedProfile(heap, b, comments);
  return referenceProfile(heap, b, comments);
}

/**
 * Every reachable object counted once, under the allocation stack of its nearest dominator
 * that has an alloc sample (itself, if sampled): what each stack keeps alive, adding up to at
 * most the reachable heap. Objects no sampled object dominates are left out (said in a comment).
 */
function retainedProfile(heap: Heap, b: Builder, comments: string[]): Uint8Array {
  const d = heap.requireDominators();
  const [first, child] = heap.dominatorChildren();
  const sites = allocationSites(heap);
  const n = heap.objectCount;
  const siteOfObject = new Map<number, number>();
  sites.sites.forEach((s, id) => {
    for (const o of s.objects) siteOfObject.set(o, id);
  });
  const bytes = new Float64Array(sites.sites.length);
  const objects = new Float64Array(sites.sites.length);
  let unattributed = 0;
  // Down the dominator tree, carrying the site of the nearest sampled dominator.
  const stackNode: number[] = [d.root];
  const stackSite: number[] = [-1];
  while (stackNode.length) {
    const v = stackNode.pop() as number;
    let site = stackSite.pop() as number;
    if (v < n) {
      site = siteOfObject.get(v) ?? site;
      if (site >= 0) {
        bytes[site] += heap.size(v);
        objects[site]++;
      } else unattributed += heap.size(v);
    }
    for (let k = first[v]; k < first[v + 1]; k++) {
      stackNode.push(child[k]);
      stackSite.push(site);
    }
  }
  sites.sites.forEach((s, id) => {
    if (objects[id] === 0) return;
    const stack = hideRuntime(s.frames.map((f) => ({ ...f, name: f.function }))).map((f) => b.location(f.function, f.file, f.line));
    b.samples.push(new Sample({ locationId: stack, value: [bytes[id], objects[id]] }));
  });
  comments.push('retained_space of a stack: the bytes its sampled objects keep alive, each reachable object counted once, under its nearest sampled dominator');
  if (unattributed > 0) comments.push(`${unattributed} reachable bytes have no sampled object above them and are not in this profile`);
  return b.encode([b.type('retained_space', 'bytes'), b.type('objects', 'count')], 'retained_space', { comments });
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
