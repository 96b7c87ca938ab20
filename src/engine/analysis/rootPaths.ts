/**
 * Why an object is alive: chains of pointer fields from the roots to it.
 *
 * A breadth-first search over referrers from the object stops at objects a root holds. A
 * stack frame is rarely why memory stays: a handler's frame holds the request it works on,
 * while a global map holds every request ever cached. So the search does not stop at the
 * first object a stack holds when a global may hold it too: it goes on (within a budget) for
 * a path from a global, and the paths come globals first (named ones first), shortest first.
 */
import { Page, PathStep, Range, RootPath } from '../api';
import { RootKind, STACK_ROOT_KINDS } from '../format/model';
import type { Heap } from './heap';
import { objectPointers } from './objectQueries';

export interface PathOptions {
  /** Leave out stack frames (and the goroutine context, defers, panics) as roots. */
  excludeStacks?: boolean;
  /** References not to follow: [from object, to object] pairs ("ignore this reference"). */
  ignore?: [number, number][];
}

/** A path longer than HEAD + TAIL + ELIDE_AT steps comes with its middle left out (pathSteps pages it). */
const HEAD = 12;
const TAIL = 8;
const ELIDE_AT = 8;

/** A path as object indices, from the root-held object to the object asked about. */
export interface PathNodes {
  root: number;
  nodes: number[];
}

/** Objects visited past the first stack-held one, looking for a global. */
const GLOBAL_SEARCH_BUDGET = 2_000_000;


/** How good a root is as an explanation: named global 0, global 1, other non-stack 2, stack 3. */
function rootRank(heap: Heap, r: number): number {
  const kind = heap.requireGraph().roots.kind[r];
  if (kind === RootKind.Data || kind === RootKind.Bss) return heap.rootRef(r).global ? 0 : 1;
  return STACK_ROOT_KINDS.has(kind) ? 3 : 2;
}

/** The roots of object u that count under the options, best first. */
function usableRoots(heap: Heap, u: number, options: PathOptions): number[] {
  const g = heap.requireGraph();
  const roots = Array.from(g.rootsOf(u)).filter((r) => !options.excludeStacks || !STACK_ROOT_KINDS.has(g.roots.kind[r]));
  return roots.sort((a, b) => rootRank(heap, a) - rootRank(heap, b) || a - b);
}

/**
 * The paths to the roots, for showing: a long path (a linked list) keeps its first and last
 * steps and says how many are left out between them.
 */
export function pathsToRoots(heap: Heap, index: number, maxPaths: number, options: PathOptions = {}): RootPath[] {
  return rootPathNodes(heap, index, maxPaths, options).map((p) => {
    const length = p.nodes.length;
    const elide = length > HEAD + TAIL + ELIDE_AT;
    const shown = elide ? [...p.nodes.slice(0, HEAD), ...p.nodes.slice(length - TAIL)] : p.nodes;
    const steps = shown.map((u, k) => {
      const at = elide && k >= HEAD ? length - TAIL + (k - HEAD) : k;
      return pathStep(heap, u, p.nodes[at + 1]);
    });
    return { root: heap.rootRef(p.root), steps, length, elided: elide ? { after: HEAD, count: length - HEAD - TAIL } : undefined };
  });
}

/** Steps start..end of path number `path` (as pathsToRoots orders them, with the same options). */
export function pathSteps(heap: Heap, index: number, maxPaths: number, options: PathOptions, path: number, range: Range): Page<PathStep> {
  const p = rootPathNodes(heap, index, maxPaths, options)[path];
  if (!p) throw new Error(`no path #${path} to object #${index}`);
  const [start, end] = [Math.max(0, Math.min(range.start, p.nodes.length)), Math.max(0, Math.min(range.end, p.nodes.length))];
  const rows = [];
  for (let k = start; k < end; k++) rows.push(pathStep(heap, p.nodes[k], p.nodes[k + 1]));
  return { total: p.nodes.length, start, rows };
}

function pathStep(heap: Heap, u: number, to: number | undefined): PathStep {
  return { object: heap.objectRow(u), offset: to === undefined ? undefined : fieldOffset(heap, u, to) };
}

/** The last search, kept: paging a long path asks for it again. */
const lastSearch = new WeakMap<Heap, { key: string; paths: PathNodes[] }>();

/** The paths as object indices (see the header comment for which paths and in what order). */
export function rootPathNodes(heap: Heap, index: number, maxPaths: number, options: PathOptions = {}): PathNodes[] {
  const key = JSON.stringify([index, maxPaths, options.excludeStacks ?? false, options.ignore ?? [], heap.dominators !== undefined]);
  const last = lastSearch.get(heap);
  if (last?.key === key) return last.paths;
  const paths = searchRootPaths(heap, index, maxPaths, options);
  lastSearch.set(heap, { key, paths });
  return paths;
}

function searchRootPaths(heap: Heap, index: number, maxPaths: number, options: PathOptions): PathNodes[] {
  if (!Number.isInteger(index) || index < 0 || index >= heap.objectCount) throw new Error(`no object #${index} (the dump has ${heap.objectCount})`);
  const g = heap.requireGraph();
  const idom = heap.dominators?.idom;
  if (idom && idom[index] < 0) return [];
  const ignored = new Set((options.ignore ?? []).map(([from, to]) => `${from}>${to}`));
  const [refFirst, refSource] = g.referrers();
  const next = new Map<number, number>(); // node -> the node one step closer to `index`
  next.set(index, -1);
  const hits: { node: number; root: number; rank: number; order: number }[] = [];
  let globals = 0;
  let budget = Infinity;
  let queue = [index];
  while (queue.length > 0 && globals < maxPaths && budget > 0) {
    const following: number[] = [];
    for (const u of queue) {
      const roots = g.isRootHeld(u) ? usableRoots(heap, u, options) : [];
      if (roots.length > 0) {
        const rank = rootRank(heap, roots[0]);
        hits.push({ node: u, root: roots[0], rank, order: hits.length });
        if (rank <= 1) globals++;
        // A stack holds it: look on for a global, within a budget.
        else if (budget === Infinity) budget = GLOBAL_SEARCH_BUDGET;
        if (rank <= 1 || hits.length >= maxPaths * 4) continue; // a longer path through it adds nothing
      }
      budget--;
      for (let e = refFirst[u]; e < refFirst[u + 1]; e++) {
        const s = refSource[e];
        if (next.has(s) || (idom && idom[s] < 0) || ignored.has(`${s}>${u}`)) continue;
        next.set(s, u);
        following.push(s);
      }
    }
    queue = following;
  }
  hits.sort((a, b) => a.rank - b.rank || a.order - b.order);
  return hits.slice(0, maxPaths).map((hit) => {
    const nodes = [];
    for (let u = hit.node; u >= 0; u = next.get(u) as number) nodes.push(u);
    return { root: hit.root, nodes };
  });
}

/** Offset of the first pointer field of `from` that lands in `to`. */
export function fieldOffset(heap: Heap, from: number, to: number): number | undefined {
  return objectPointers(heap, from).find((p) => p.target === to)?.offset;
}
