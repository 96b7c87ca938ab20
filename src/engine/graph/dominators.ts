/**
 * Dominator tree and retained sizes of the heap graph.
 *
 * Nodes are the objects (0..N-1), one node per root group (N..N+G-1: each goroutine, data,
 * bss, finalizers, queued finalizers, other roots) and a synthetic root (N+G) above the groups.
 * Semidominators as in Lengauer-Tarjan (path compression, "simple" linking), immediate
 * dominators by Semi-NCA, on preorder numbers in Int32Arrays, everything iterative: object
 * chains in real heaps are hundreds of thousands deep.
 */
import { claimMemory } from '../util/memory';
import { HeapGraph, shiftBack } from './graph';
import { objectSize } from '../format/model';

export interface Dominators {
  /** Number of nodes: objects, then root groups, then the synthetic root. */
  nodeCount: number;
  root: number;
  /** Immediate dominator of each node; -1 for the root and for unreachable objects. */
  idom: Int32Array;
  /** Bytes retained by each node: its own size plus the sizes of all nodes it dominates. */
  retained: Float64Array;
}

export interface DominatorOptions {
  /**
   * Called when large working arrays have just become garbage, so that a host that can
   * force a collection (the worker, the CLI) returns their memory before the next step.
   */
  reclaim?: () => void;
}

export function computeDominators(graph: HeapGraph, options: DominatorOptions = {}): Dominators {
  const n = graph.objectCount;
  const root = n + graph.groups.length;
  const total = root + 1;
  const { vertex, idom, count } = immediateDominators(graph, total, options);
  options.reclaim?.();
  const objects = graph.model.objects;
  // Retained sizes: in reverse preorder each node adds its total to its dominator's. On
  // preorder numbers the pass reads sequentially and only the dominator's total is a jump.
  const byNumber = new Float64Array(count + 1);
  for (let i = 1; i <= count; i++) if (vertex[i] < n) byNumber[i] = objectSize(objects, vertex[i]);
  for (let i = count; i >= 2; i--) byNumber[idom[i]] += byNumber[i];
  const retained = new Float64Array(total);
  const idomNode = new Int32Array(total).fill(-1);
  retained[root] = byNumber[1];
  for (let i = 2; i <= count; i++) {
    const v = vertex[i];
    retained[v] = byNumber[i];
    idomNode[v] = vertex[idom[i]];
  }
  return { nodeCount: total, root, idom: idomNode, retained };
}

/** Preorder (vertex: number -> node) and immediate dominators on preorder numbers. */
function immediateDominators(graph: HeapGraph, total: number, options: DominatorOptions): { vertex: Int32Array; idom: Int32Array; count: number } {
  // Per node: vertex, parent, three Lengauer-Tarjan words, two info words, first, idom,
  // retained and its byNumber (below); per edge: one predecessor word.
  claimMemory(total * 56 + graph.edgeTarget.byteLength + graph.roots.count * 4, 'the dominator tree');
  const vertex = new Int32Array(total + 1);
  const parent = new Int32Array(total + 1);
  // Lengauer-Tarjan's ancestor, label and semi per preorder number, interleaved; its memory
  // first serves as the depth-first search's stack.
  const lt = new Int32Array(3 * (total + 1));
  const [count, predFirst, preds] = numberAndPredecessors(graph, total, vertex, parent, lt);
  options.reclaim?.(); // the per-node DFS table is garbage now
  return { vertex, idom: semiNca(predFirst, preds, parent, count, lt), count };
}

/** The depth-first numbering and, in those numbers, every node's predecessors. */
function numberAndPredecessors(graph: HeapGraph, total: number, vertex: Int32Array, parent: Int32Array, lt: Int32Array): [number, Int32Array, Int32Array] {
  // Per node: [first edge, preorder number] side by side (one cache line for both).
  const info = new Int32Array(2 * total + 2);
  const count = preorder(graph, info, vertex, parent, lt);
  return [count, ...predecessors(graph, info, count)];
}

/**
 * Depth-first search from the synthetic root (nodes numbered as in Dominators): fills
 * info[2v+1] (node -> preorder number, 1-based, 0 = unreachable), vertex (number -> node) and
 * parent (number -> parent's number); returns the number of reachable nodes.
 *
 * The walk is a chain of dependent loads, so each object's first edge and preorder number
 * share a cache line: testing a child also fetches where its edges are.
 */
function preorder(graph: HeapGraph, info: Int32Array, vertex: Int32Array, parent: Int32Array, scratch: Int32Array): number {
  const n = graph.objectCount;
  const groupCount = graph.groups.length;
  const root = n + groupCount;
  const { edgeFirst, edgeTarget, groupFirst, groupRoots } = graph;
  const rootTarget = graph.roots.target;
  for (let v = 0; v <= n; v++) info[2 * v] = edgeFirst[v];
  const half = scratch.length >> 1;
  const stackNode = scratch.subarray(0, half);
  // Position of the next edge to follow (absolute in the CSR arrays).
  const stackIter = scratch.subarray(half);
  let count = 1;
  info[2 * root + 1] = 1;
  vertex[1] = root;
  stackNode[0] = root;
  stackIter[0] = 0;
  let sp = 1;
  while (sp > 0) {
    const v = stackNode[sp - 1];
    let it = stackIter[sp - 1];
    let next = -1;
    if (v < n) {
      const end = info[2 * v + 2];
      while (it < end) {
        const c = edgeTarget[it++];
        if (info[2 * c + 1] === 0) {
          next = c;
          break;
        }
      }
    } else {
      const end = v < root ? groupFirst[v - n + 1] : groupCount;
      while (it < end) {
        const c = v < root ? rootTarget[groupRoots[it++]] : n + it++;
        if (info[2 * c + 1] === 0) {
          next = c;
          break;
        }
      }
    }
    if (next < 0) {
      sp--;
      continue;
    }
    stackIter[sp - 1] = it;
    count++;
    info[2 * next + 1] = count;
    vertex[count] = next;
    parent[count] = info[2 * v + 1];
    stackNode[sp] = next;
    stackIter[sp] = next < n ? info[2 * next] : next < root ? groupFirst[next - n] : 0;
    sp++;
  }
  return count;
}

/**
 * Predecessors of every reachable node in preorder numbers, as CSR (counting sort). The
 * loads here are independent of each other, so they overlap; the dominator loop then reads
 * its predecessors sequentially.
 */
function predecessors(graph: HeapGraph, info: Int32Array, count: number): [Int32Array, Int32Array] {
  const n = graph.objectCount;
  const { edgeFirst, edgeTarget } = graph;
  const { target, group } = graph.roots;
  const dfn = (v: number) => info[2 * v + 1];
  const first = new Int32Array(count + 2);
  for (let u = 0; u < n; u++) {
    if (info[2 * u + 1] === 0) continue;
    for (let e = edgeFirst[u], end = edgeFirst[u + 1]; e < end; e++) first[info[2 * edgeTarget[e] + 1] + 1]++;
  }
  for (let r = 0; r < graph.roots.count; r++) if (dfn(n + group[r]) !== 0) first[dfn(target[r]) + 1]++;
  for (let g = 0; g < graph.groups.length; g++) if (dfn(n + g) !== 0) first[dfn(n + g) + 1]++;
  for (let i = 0; i <= count; i++) first[i + 1] += first[i];
  // Fill with first[i] as the cursor of i's list (it ends at the start of i+1's list), then
  // shift the array back by one: no second array of cursors.
  const preds = new Int32Array(first[count + 1]);
  const put = (i: number, a: number) => {
    preds[first[i]++] = a;
  };
  for (let u = 0; u < n; u++) {
    const a = info[2 * u + 1];
    if (a === 0) continue;
    for (let e = edgeFirst[u], end = edgeFirst[u + 1]; e < end; e++) put(info[2 * edgeTarget[e] + 1], a);
  }
  for (let r = 0; r < graph.roots.count; r++) {
    const a = dfn(n + group[r]);
    if (a !== 0) put(dfn(target[r]), a);
  }
  for (let g = 0; g < graph.groups.length; g++) if (dfn(n + g) !== 0) put(dfn(n + g), 1);
  shiftBack(first);
  return [first, preds];
}

/**
 * Semi-NCA (the Lengauer-Tarjan semidominators, then each immediate dominator as the
 * nearest ancestor of the DFS parent whose number is at most the semidominator): returns
 * idom (number -> number) for 2..count, in parent's memory. lt holds ancestor, label and
 * semi per number (lt[3v], lt[3v+1], lt[3v+2]) because evaluate() chases them together.
 */
function semiNca(predFirst: Int32Array, preds: Int32Array, parent: Int32Array, count: number, lt: Int32Array): Int32Array {
  // evaluate()'s path compression stack: as deep as the longest chain it compresses.
  let path = new Int32Array(1 << 16);
  for (let i = 0; i <= count; i++) {
    lt[3 * i] = 0;
    lt[3 * i + 1] = i;
    lt[3 * i + 2] = i;
  }
  for (let i = count; i >= 2; i--) {
    let s = lt[3 * i + 2];
    for (let k = predFirst[i], end = predFirst[i + 1]; k < end; k++) {
      let u = evaluate(preds[k], lt, path);
      while (u < 0) {
        path = new Int32Array(Math.min(count + 1, path.length * 4));
        u = evaluate(preds[k], lt, path);
      }
      const su = lt[3 * u + 2];
      if (su < s) s = su;
    }
    lt[3 * i + 2] = s;
    lt[3 * i] = parent[i]; // link
  }
  // In preorder a node's dominator is settled before the node, so idom can replace parent
  // as it goes: parent[i] is read before idom[i] is written, and idom[d] for d < i is final.
  const idom = parent;
  idom[0] = 0;
  idom[1] = 0;
  for (let i = 2; i <= count; i++) {
    let d = parent[i];
    const s = lt[3 * i + 2];
    while (d > s) d = idom[d];
    idom[i] = d;
  }
  return idom;
}

/**
 * EVAL of Lengauer-Tarjan (lt holds ancestor, label, semi), path compression done iteratively;
 * -1, changing nothing, when the path to compress is longer than the stack `path`.
 */
function evaluate(v: number, lt: Int32Array, path: Int32Array): number {
  if (lt[3 * v] === 0) return v;
  let u = v;
  let depth = 0;
  while (lt[3 * lt[3 * u]] !== 0) {
    if (depth === path.length) return -1;
    path[depth++] = u;
    u = lt[3 * u];
  }
  while (depth > 0) {
    u = path[--depth];
    const a = lt[3 * u];
    if (lt[3 * lt[3 * a + 1] + 2] < lt[3 * lt[3 * u + 1] + 2]) lt[3 * u + 1] = lt[3 * a + 1];
    lt[3 * u] = lt[3 * a];
  }
  return lt[3 * v + 1];
}

/** Children of each node in the dominator tree: child[childFirst[v] .. childFirst[v+1]). */
export function dominatorChildren(dom: Dominators): [Uint32Array, Uint32Array] {
  const first = new Uint32Array(dom.nodeCount + 1);
  const { idom } = dom;
  for (let v = 0; v < dom.nodeCount; v++) if (idom[v] >= 0) first[idom[v] + 1]++;
  for (let v = 0; v < dom.nodeCount; v++) first[v + 1] += first[v];
  const child = new Uint32Array(first[dom.nodeCount]);
  // In node order (idom read sequentially): each node's children in index order.
  for (let v = 0; v < dom.nodeCount; v++) if (idom[v] >= 0) child[first[idom[v]]++] = v;
  shiftBack(first);
  return [first, child];
}
