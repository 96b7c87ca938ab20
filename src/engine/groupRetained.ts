/**
 * Bytes retained by a group of objects as a whole (all objects of a type, of an allocation
 * site, ...): the sum of the retained sizes of the group's members that no other member
 * dominates. One depth-first walk of the dominator tree counts, per group, the members on
 * the current path; a member entered while its group's count is zero is a top member.
 */
import type { Heap } from './heap';

/** Retained bytes per group; groupOf(i) is object i's group in 0..groupCount-1, or -1. */
export function groupRetained(heap: Heap, groupOf: (i: number) => number, groupCount: number): Float64Array {
  const d = heap.requireDominators();
  const [first, child] = heap.dominatorChildren();
  const n = heap.objectCount;
  const out = new Float64Array(groupCount);
  const active = new Uint32Array(groupCount);
  // The stack grows with the tree's depth (usually far below the node count).
  let stack = new Int32Array(1024);
  let iter = new Uint32Array(1024);
  const group = (v: number): number => (v < n ? groupOf(v) : -1);
  let sp = 0;
  stack[sp] = d.root;
  iter[sp++] = first[d.root];
  while (sp > 0) {
    const v = stack[sp - 1];
    const it = iter[sp - 1];
    if (it < first[v + 1]) {
      iter[sp - 1] = it + 1;
      const c = child[it];
      const gc = group(c);
      if (gc >= 0) {
        if (active[gc] === 0) out[gc] += d.retained[c];
        active[gc]++;
      }
      if (sp === stack.length) {
        const s2 = new Int32Array(sp * 2);
        s2.set(stack);
        stack = s2;
        const i2 = new Uint32Array(sp * 2);
        i2.set(iter);
        iter = i2;
      }
      stack[sp] = c;
      iter[sp++] = first[c];
    } else {
      const gv = group(v);
      if (gv >= 0) active[gv]--;
      sp--;
    }
  }
  return out;
}
