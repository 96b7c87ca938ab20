/**
 * Layer graph/: the object graph. It owns the address index (address -> object, interior
 * pointers included), the pointer graph and its roots in CSR form, and the dominator tree with
 * retained sizes. It imports format/ and util/ only; it knows nothing of types or programs.
 *
 * The object graph: every pointer word resolved to the object that contains its target,
 * outgoing edges and referrers in CSR form, and the roots grouped by where they live.
 */
import { claimMemory } from '../util/memory';
import { AddressIndex, NOT_FOUND } from './addressIndex';
import { Float64Growable, Growable, Uint32Growable } from '../util/growable';
import { DumpModel, RootKind, objectAddress } from '../format/model';
import { isPhantom } from '../format/phantomSlots';
import { sortedPermutation } from '../util/sort';

/** A root that the graph adds: a referent of an object that has a registered finalizer. */
export const FINALIZER_REFERENT = 13;

export type RootGroupKind = 'goroutine' | 'data' | 'bss' | 'finalizers' | 'queuedFinalizers' | 'other';

/** A set of roots that the dominator tree treats as one node under the synthetic root. */
export interface RootGroup {
  kind: RootGroupKind;
  /** Goroutine index for kind 'goroutine', else -1. */
  goroutine: number;
}

/** The reference decoder's pointer statistics (objects, data, bss and frames only). */
export interface GraphStats {
  pointerValuesIntoHeap: number;
  interiorPointers: number;
  nilPointerSlots: number;
  pointerSlotsOutsideHeapObjects: number;
  objectsReferencedAtLeastOnce: number;
  objectsUnreferenced: number;
}

export interface HeapGraph {
  readonly model: DumpModel;
  readonly index: AddressIndex;
  readonly objectCount: number;
  /** Objects referenced by object i: edgeTarget[edgeFirst[i] .. edgeFirst[i+1]), in field order. */
  readonly edgeFirst: Uint32Array;
  readonly edgeTarget: Uint32Array;
  /** Objects that reference object i: [refFirst, refSource], refSource[refFirst[i] .. refFirst[i+1]), one per edge. */
  referrers(): [Uint32Array, Uint32Array];
  /**
   * Resolved roots (root words that land on an object, plus finalizer referents):
   * kind (RootKind or FINALIZER_REFERENT), owner and offset as in RootTable, the object held,
   * and the group the root belongs to.
   */
  readonly roots: {
    count: number;
    kind: Uint8Array;
    owner: Uint32Array;
    offset: Float64Array;
    target: Uint32Array;
    group: Uint32Array;
  };
  readonly groups: RootGroup[];
  /** Roots of group g: groupRoots[groupFirst[g] .. groupFirst[g+1]) (root indices). */
  readonly groupFirst: Uint32Array;
  readonly groupRoots: Uint32Array;
  /** Whether a root holds object i. */
  isRootHeld(i: number): boolean;
  /** The roots that hold object i (root indices, ascending). */
  rootsOf(i: number): Uint32Array;
  readonly stats: GraphStats;
}

export function buildGraph(model: DumpModel): HeapGraph {
  const objects = model.objects;
  const n = objects.count;
  // The address index, edge offsets, flags, and the referrers' reverse graph built later.
  claimMemory(objects.runCount * 64 + n * 16 + (objects.ptrOffsets?.byteLength ?? 0) * 2, 'the object graph');
  const index = new AddressIndex(objects);
  const referenced = new Uint8Array(n);

  // Resolve object pointer words into edges, in place; a value that lands on no object is dropped.
  const resolved = objects.ptrOffsets;
  if (resolved === undefined) throw new Error('buildGraph: the model\'s pointer values were already consumed');
  let interior = index.resolveAll(resolved, objects.ptrOffsetsHigh, model.params.heapStart);
  objects.ptrOffsets = undefined;
  objects.ptrOffsetsHigh = undefined;
  const ptrFirst = objects.ptrFirst;
  if (ptrFirst === undefined) throw new Error('buildGraph: the model\'s pointer lists were already consumed');
  const edgeFirst = new Uint32Array(n + 1);
  let w = 0;
  const phantoms = objects.phantoms;
  let intoHeap: number;
  if (!phantoms) {
    for (let i = 0; i < n; i++) {
      edgeFirst[i] = w;
      for (let j = ptrFirst[i], end = ptrFirst[i + 1]; j < end; j++) {
        const t = resolved[j];
        if (t !== NOT_FOUND) resolved[w++] = t; // compacts in place: w <= j
      }
    }
    for (let e = 0; e < w; e++) referenced[resolved[e]] = 1;
    intoHeap = w;
  } else {
    // Phantom slots are not objects: no edge leaves or enters one. The reference decoder's
    // statistics still count their words, as it counts them as objects.
    intoHeap = 0;
    for (let i = 0; i < n; i++) {
      edgeFirst[i] = w;
      const fromPhantom = isPhantom(phantoms, i);
      for (let j = ptrFirst[i], end = ptrFirst[i + 1]; j < end; j++) {
        const t = resolved[j];
        if (t === NOT_FOUND) continue;
        intoHeap++;
        referenced[t] = 1;
        if (!fromPhantom && !isPhantom(phantoms, t)) resolved[w++] = t;
      }
    }
  }
  edgeFirst[n] = w;
  // A view, not a copy: the few dropped values leave a short unused tail.
  const edgeTarget = resolved.subarray(0, w);
  objects.ptrFirst = undefined;

  // Resolve roots, grouped by goroutine or segment.
  const goroutineByAddr = new Map<number, number>();
  for (let g = 0; g < model.goroutines.count; g++) goroutineByAddr.set(model.goroutines.addr[g], g);
  const groups: RootGroup[] = [];
  for (let g = 0; g < model.goroutines.count; g++) groups.push({ kind: 'goroutine', goroutine: g });
  const fixedGroup = (kind: RootGroupKind): number => groups.push({ kind, goroutine: -1 }) - 1;
  const dataGroup = fixedGroup('data');
  const bssGroup = fixedGroup('bss');
  const finalizerGroup = fixedGroup('finalizers');
  const queuedGroup = fixedGroup('queuedFinalizers');
  const otherGroup = fixedGroup('other');
  const goroutineGroup = (gAddr: number): number => goroutineByAddr.get(gAddr) ?? otherGroup;

  const rKind = new Growable(Uint8Array);
  const rOwner = new Uint32Growable();
  const rOffset = new Float64Growable();
  const rTarget = new Uint32Growable();
  const rGroup = new Uint32Growable();
  const addRoot = (kind: number, owner: number, offset: number, target: number, group: number): void => {
    rKind.push(kind);
    rOwner.push(owner);
    rOffset.push(offset);
    rTarget.push(target);
    rGroup.push(group);
  };
  const mr = model.roots;
  for (let i = 0; i < mr.count; i++) {
    const v = mr.value[i];
    const t = index.find(v);
    if (t < 0) continue;
    const kind = mr.kind[i];
    const owner = mr.owner[i];
    if (kind === RootKind.Data || kind === RootKind.Bss || kind === RootKind.Frame) {
      intoHeap++;
      referenced[t] = 1;
      if (v !== objectAddress(objects, t)) interior++;
    }
    if (isPhantom(phantoms, t)) continue;
    let group: number;
    switch (kind) {
      case RootKind.Data: group = dataGroup; break;
      case RootKind.Bss: group = bssGroup; break;
      case RootKind.Frame:
      case RootKind.StackWord: group = model.frames.goroutine[owner]; break;
      case RootKind.GoroutineContext: group = owner; break;
      case RootKind.DeferRecord:
      case RootKind.DeferFunc: group = goroutineGroup(model.defers[owner].g); break;
      case RootKind.PanicRecord:
      case RootKind.PanicValue: group = goroutineGroup(model.panics[owner].g); break;
      case RootKind.FinalizerFunc: group = finalizerGroup; break;
      case RootKind.QueuedFinalizerObject:
      case RootKind.QueuedFinalizerFunc: group = queuedGroup; break;
      default: group = otherGroup;
    }
    addRoot(kind, owner, mr.offset[i], t, group);
  }
  // The collector does not keep an object with a finalizer alive, but it marks everything the
  // object references (runtime markrootSpans).
  model.finalizers.forEach((f, fi) => {
    const o = index.find(f.obj);
    if (o < 0) return;
    for (let e = edgeFirst[o]; e < edgeFirst[o + 1]; e++) addRoot(FINALIZER_REFERENT, fi, 0, edgeTarget[e], finalizerGroup);
  });
  const roots = {
    count: rKind.length,
    kind: rKind.finish(),
    owner: rOwner.finish(),
    offset: rOffset.finish(),
    target: rTarget.finish(),
    group: rGroup.finish(),
  };

  let referencedCount = 0;
  for (let i = 0; i < n; i++) referencedCount += referenced[i];
  const fieldsInBounds = model.stats.objectPointerFields + model.stats.rootSlotsInBounds;
  const stats: GraphStats = {
    pointerValuesIntoHeap: intoHeap,
    interiorPointers: interior,
    nilPointerSlots: model.stats.nilSlots,
    pointerSlotsOutsideHeapObjects: fieldsInBounds - model.stats.nilSlots - intoHeap,
    objectsReferencedAtLeastOnce: referencedCount,
    objectsUnreferenced: n - referencedCount,
  };

  const [groupFirst, groupRoots] = bucketBy(groups.length, roots.group, roots.count);
  return assembleGraph(model, index, { objectCount: n, edgeFirst, edgeTarget, roots, groups, groupFirst, groupRoots, stats });
}

/** What a graph holds beyond its model: plain data and typed arrays (what a snapshot stores). */
export type GraphParts = Pick<HeapGraph, 'objectCount' | 'edgeFirst' | 'edgeTarget' | 'roots' | 'groups' | 'groupFirst' | 'groupRoots' | 'stats'>;

export function graphParts(g: HeapGraph): GraphParts {
  const { objectCount, edgeFirst, edgeTarget, roots, groups, groupFirst, groupRoots, stats } = g;
  return { objectCount, edgeFirst, edgeTarget, roots, groups, groupFirst, groupRoots, stats };
}

/** The graph of `model` from parts a snapshot kept (the address index is rebuilt: it is quick). */
export function restoreGraph(model: DumpModel, parts: GraphParts): HeapGraph {
  const n = model.objects.count;
  if (parts.objectCount !== n || parts.edgeFirst.length !== n + 1 || parts.edgeFirst[n] > parts.edgeTarget.length) {
    throw new Error('the snapshot\'s graph does not fit its objects');
  }
  return assembleGraph(model, new AddressIndex(model.objects), parts);
}

function assembleGraph(model: DumpModel, index: AddressIndex, parts: GraphParts): HeapGraph {
  const { objectCount: n, edgeFirst, edgeTarget, roots } = parts;
  const held = new RootsByObject(n, roots.target);
  let referrers: [Uint32Array, Uint32Array] | undefined;
  return {
    ...parts,
    model,
    index,
    isRootHeld: (i) => held.has(i),
    rootsOf: (i) => held.rootsOf(i),
    // Built on first use: the dominator phase does not need them, so they do not add to its peak.
    referrers: () => (referrers ??= invertCsr(n, edgeFirst, edgeTarget)),
  };
}

/**
 * The roots that hold each object. Roots are few next to objects (thousands against
 * millions), so this keeps them sorted by object with a bit per object for the common
 * question (is it held at all?) instead of a per-object index.
 */
class RootsByObject {
  private readonly held: Uint8Array;
  /** Root indices ordered by the object they hold, and those objects. */
  private readonly order: Uint32Array;
  private readonly objectOf: Uint32Array;

  constructor(objectCount: number, target: Uint32Array) {
    this.held = new Uint8Array((objectCount + 7) >> 3);
    for (let r = 0; r < target.length; r++) this.held[target[r] >> 3] |= 1 << (target[r] & 7);
    this.order = sortedPermutation((r) => target[r], target.length);
    this.objectOf = this.order.map((r) => target[r]);
  }

  has(i: number): boolean {
    return (this.held[i >> 3] & (1 << (i & 7))) !== 0;
  }

  rootsOf(i: number): Uint32Array {
    if (!this.has(i)) return this.order.subarray(0, 0);
    const start = lowerBound(this.objectOf, i);
    return this.order.subarray(start, lowerBound(this.objectOf, i + 1));
  }
}

/** The first position in ascending `xs` whose value is at least x. */
/**
 * Which objects the roots reach (1) and which are garbage (0): the nodes the dominator tree
 * spans, found by a plain search, without the dominator tree's cost.
 */
export function markReachable(graph: HeapGraph): Uint8Array {
  const n = graph.objectCount;
  const marks = new Uint8Array(n);
  const { edgeFirst, edgeTarget, groupFirst, groupRoots } = graph;
  const target = graph.roots.target;
  const stack = new Uint32Growable(1024);
  for (let k = 0; k < groupFirst[graph.groups.length]; k++) {
    const t = target[groupRoots[k]];
    if (marks[t] === 0) {
      marks[t] = 1;
      stack.push(t);
    }
  }
  for (let top = stack.length; top > 0; top = stack.length) {
    const u = stack.get(top - 1);
    stack.truncate(top - 1);
    for (let e = edgeFirst[u], end = edgeFirst[u + 1]; e < end; e++) {
      const v = edgeTarget[e];
      if (marks[v] === 0) {
        marks[v] = 1;
        stack.push(v);
      }
    }
  }
  return marks;
}

function lowerBound(xs: Uint32Array, x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Reverses a CSR graph: for each target, the sources of its incoming edges (counting sort).
 * revFirst[t] serves as t's fill cursor (ending at t+1's start) and is shifted back by one
 * afterwards: no second array of cursors.
 */
export function invertCsr(n: number, first: Uint32Array, target: Uint32Array): [Uint32Array, Uint32Array] {
  const revFirst = new Uint32Array(n + 1);
  for (let e = 0; e < target.length; e++) revFirst[target[e] + 1]++;
  for (let i = 0; i < n; i++) revFirst[i + 1] += revFirst[i];
  const source = new Uint32Array(target.length);
  for (let i = 0; i < n; i++) {
    for (let e = first[i]; e < first[i + 1]; e++) source[revFirst[target[e]]++] = i;
  }
  shiftBack(revFirst);
  return [revFirst, source];
}

/** After a fill that used first[k] as k's cursor (so it ends at k+1's start): first[k] = k's start. */
export function shiftBack(first: Uint32Array | Int32Array): void {
  first.copyWithin(1, 0, first.length - 1);
  first[0] = 0;
}

/** Groups items 0..count-1 by key (counting sort): items with key k are out[first[k] .. first[k+1]). */
export function bucketBy(keys: number, key: ArrayLike<number>, count: number): [Uint32Array, Uint32Array] {
  const first = new Uint32Array(keys + 1);
  for (let i = 0; i < count; i++) first[key[i] + 1]++;
  for (let k = 0; k < keys; k++) first[k + 1] += first[k];
  const fill = first.slice(0, keys);
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[fill[key[i]]++] = i;
  return [first, out];
}
