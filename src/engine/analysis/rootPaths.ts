/**
 * Why an object is alive: chains of pointer fields from the roots to it.
 *
 * A breadth-first search over referrers from the object stops at objects a root holds. A
 * stack frame is rarely why memory stays: a handler's frame holds the request it works on,
 * while a global map holds every request ever cached. So the search does not stop at the
 * first object a stack holds when a global may hold it too: it goes on (within a budget) for
 * a path from a global, and the paths come globals first (named ones first), shortest first.
 */
import { RootPath } from '../api';
import { RootKind, STACK_ROOT_KINDS } from '../format/model';
import type { Heap } from './heap';
import { objectPointers } from './objectQueries';

export interface PathOptions {
  /** Leave out stack frames (and the goroutine context, defers, panics) as roots. */
  excludeStacks?: boolean;
  /** References not to follow: [from object, to object] pairs ("ignore this reference"). */
  ignore?: [number, number][];
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

export function pathsToRoots(heap: Heap, index: number, maxPaths: number, options: PathOptions = {}): RootPath[] {
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
    const steps = [];
    for (let u = hit.node; u >= 0; u = next.get(u) as number) {
      const to = next.get(u) as number;
      steps.push({ object: heap.objectRow(u), offset: to >= 0 ? fieldOffset(heap, u, to) : undefined });
    }
    return { root: heap.rootRef(hit.root), steps };
  });
}

/** Offset of the first pointer field of `from` that lands in `to`. */
export function fieldOffset(heap: Heap, from: number, to: number): number | undefined {
  return objectPointers(heap, from).find((p) => p.target === to)?.offset;
}
