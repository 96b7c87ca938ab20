/**
 * Dominator tree and retained sizes of the heap graph.
 *
 * Nodes are the objects (0..N-1), one node per root group (N..N+G-1: each goroutine, data,
 * bss, finalizers, queued finalizers, other roots) and a synthetic root (N+G) above the groups.
 * Lengauer-Tarjan with path compression ("simple" version), on preorder numbers in Int32Arrays,
 * everything iterative: object chains in real heaps are hundreds of thousands deep.
 */
import { HeapGraph } from './graph';
import { objectSize } from './model';

export interface Dominators {
  /** Number of nodes: objects, then root groups, then the synthetic root. */
  nodeCount: number;
  root: number;
  /** Immediate dominator of each node; -1 for the root and for unreachable objects. */
  idom: Int32Array;
  /** Reachable nodes in depth-first preorder from the root (each node's dominator comes first). */
  preorder: Int32Array;
  /** Bytes retained by each node: its own size plus the sizes of all nodes it dominates. */
  retained: Float64Array;
}

export function computeDominators(graph: HeapGraph): Dominators {
  const n = graph.objectCount;
  const groupCount = graph.groups.length;
  const root = n + groupCount;
  const total = root + 1;
  const { edgeFirst, edgeTarget, refFirst, refSource, groupFirst, groupRoots, objectRootFirst, objectRoots } = graph;
  const rootTarget = graph.roots.target;
  const rootGroup = graph.roots.group;

  // Arrays indexed by preorder number (1-based; 0 means none), except dfn (by node).
  const dfn = new Int32Array(total);
  const vertex = new Int32Array(total + 1);
  const parent = new Int32Array(total + 1);
  const semi = new Int32Array(total + 1);
  const label = new Int32Array(total + 1);
  const ancestor = new Int32Array(total + 1);
  const idom = new Int32Array(total + 1);

  // Depth-first search from the root; label and ancestor serve as the explicit stack.
  const stackNode = label;
  const stackIter = ancestor;
  let count = 1;
  dfn[root] = 1;
  vertex[1] = root;
  stackNode[0] = root;
  stackIter[0] = 0;
  let sp = 1;
  while (sp > 0) {
    const v = stackNode[sp - 1];
    let it = stackIter[sp - 1];
    let next = -1;
    if (v < n) {
      const start = edgeFirst[v];
      const end = edgeFirst[v + 1] - start;
      while (it < end) {
        const c = edgeTarget[start + it++];
        if (dfn[c] === 0) { next = c; break; }
      }
    } else if (v < root) {
      const start = groupFirst[v - n];
      const end = groupFirst[v - n + 1] - start;
      while (it < end) {
        const c = rootTarget[groupRoots[start + it++]];
        if (dfn[c] === 0) { next = c; break; }
      }
    } else {
      while (it < groupCount) {
        const c = n + it++;
        if (dfn[c] === 0) { next = c; break; }
      }
    }
    if (next < 0) {
      sp--;
      continue;
    }
    stackIter[sp - 1] = it;
    count++;
    dfn[next] = count;
    vertex[count] = next;
    parent[count] = dfn[v];
    stackNode[sp] = next;
    stackIter[sp] = 0;
    sp++;
  }

  for (let i = 1; i <= count; i++) {
    semi[i] = i;
    label[i] = i;
    ancestor[i] = 0;
  }
  // Buckets (nodes whose semidominator is s) as linked lists; `path` is the compress stack.
  const bucketHead = new Int32Array(count + 1);
  const bucketNext = new Int32Array(count + 1);
  const path = new Int32Array(count + 1);

  const evaluate = (v: number): number => {
    if (ancestor[v] === 0) return v;
    let u = v;
    let depth = 0;
    while (ancestor[ancestor[u]] !== 0) {
      path[depth++] = u;
      u = ancestor[u];
    }
    while (depth > 0) {
      u = path[--depth];
      const a = ancestor[u];
      if (semi[label[a]] < semi[label[u]]) label[u] = label[a];
      ancestor[u] = ancestor[a];
    }
    return label[v];
  };

  for (let i = count; i >= 2; i--) {
    const w = vertex[i];
    let s = semi[i];
    if (w < n) {
      for (let e = refFirst[w], end = refFirst[w + 1]; e < end; e++) {
        const pv = dfn[refSource[e]];
        if (pv === 0) continue;
        const u = evaluate(pv);
        if (semi[u] < s) s = semi[u];
      }
      for (let k = objectRootFirst[w], end = objectRootFirst[w + 1]; k < end; k++) {
        const pv = dfn[n + rootGroup[objectRoots[k]]];
        if (pv === 0) continue;
        const u = evaluate(pv);
        if (semi[u] < s) s = semi[u];
      }
    } else {
      s = 1; // groups hang from the root only
    }
    semi[i] = s;
    bucketNext[i] = bucketHead[s];
    bucketHead[s] = i;
    const p = parent[i];
    ancestor[i] = p;
    for (let v = bucketHead[p]; v !== 0; v = bucketNext[v]) {
      const u = evaluate(v);
      idom[v] = semi[u] < semi[v] ? u : p;
    }
    bucketHead[p] = 0;
  }
  for (let i = 2; i <= count; i++) {
    if (idom[i] !== semi[i]) idom[i] = idom[idom[i]];
  }

  // Back to node numbers.
  const idomNode = new Int32Array(total).fill(-1);
  const preorder = new Int32Array(count);
  for (let i = 1; i <= count; i++) {
    const v = vertex[i];
    preorder[i - 1] = v;
    if (i > 1) idomNode[v] = vertex[idom[i]];
  }
  return { nodeCount: total, root, idom: idomNode, preorder, retained: retainedSizes(graph, idomNode, preorder, total) };
}

function retainedSizes(graph: HeapGraph, idom: Int32Array, preorder: Int32Array, total: number): Float64Array {
  const n = graph.objectCount;
  const objects = graph.model.objects;
  const retained = new Float64Array(total);
  for (let k = 0; k < preorder.length; k++) {
    const v = preorder[k];
    if (v < n) retained[v] = objectSize(objects, v);
  }
  for (let k = preorder.length - 1; k >= 1; k--) {
    const v = preorder[k];
    retained[idom[v]] += retained[v];
  }
  return retained;
}

/** Children of each node in the dominator tree: child[childFirst[v] .. childFirst[v+1]). */
export function dominatorChildren(dom: Dominators): [Uint32Array, Uint32Array] {
  const first = new Uint32Array(dom.nodeCount + 1);
  const { idom } = dom;
  for (let v = 0; v < dom.nodeCount; v++) if (idom[v] >= 0) first[idom[v] + 1]++;
  for (let v = 0; v < dom.nodeCount; v++) first[v + 1] += first[v];
  const fill = first.slice(0, dom.nodeCount);
  const child = new Uint32Array(first[dom.nodeCount]);
  // Preorder keeps each node's children in discovery order.
  for (let k = 1; k < dom.preorder.length; k++) {
    const v = dom.preorder[k];
    child[fill[idom[v]]++] = v;
  }
  return [first, child];
}
