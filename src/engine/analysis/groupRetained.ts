/**
 * Bytes retained by a group of objects as a whole (all objects of a type, of an allocation
 * site, ...): the sum of the retained sizes of the group's members that no other member
 * dominates. One depth-first walk of the dominator tree counts, per group, the members on
 * the current path; a member entered while its group's count is zero is a top member.
 */
import type { Heap } from './heap';

/** Marks an object that belongs to no group in the array given to groupRetained. */
export const NO_GROUP = 0xffffffff;

/** Retained bytes per group; groupOf[i] is object i's group in 0..groupCount-1, or NO_GROUP. */
export function groupRetained(heap: Heap, groupOf: Uint32Array, groupCount: number): Float64Array {
  const d = heap.requireDominators();
  const [first, child] = heap.dominatorChildren();
  const retained = d.retained;
  const n = heap.objectCount;
  const out = new Float64Array(groupCount);
  const active = new Uint32Array(groupCount);
  // The stack grows with the tree's depth (usually far below the node count).
  let stack = new Int32Array(1024);
  let iter = new Uint32Array(1024);
  let sp = 0;
  stack[sp] = d.root;
  iter[sp++] = first[d.root];
  while (sp > 0) {
    const v = stack[sp - 1];
    const it = iter[sp - 1];
    if (it < first[v + 1]) {
      iter[sp - 1] = it + 1;
      const c = child[it];
      const gc = c < n ? groupOf[c] : NO_GROUP;
      if (gc !== NO_GROUP && active[gc] === 0) out[gc] += retained[c];
      const f = first[c];
      if (f === first[c + 1]) continue; // a leaf (most nodes): nothing to enter
      if (gc !== NO_GROUP) active[gc]++;
      if (sp === stack.length) {
        const s2 = new Int32Array(sp * 2);
        s2.set(stack);
        stack = s2;
        const i2 = new Uint32Array(sp * 2);
        i2.set(iter);
        iter = i2;
      }
      stack[sp] = c;
      iter[sp++] = f;
    } else {
      const gv = v < n ? groupOf[v] : NO_GROUP;
      if (gv !== NO_GROUP) active[gv]--;
      sp--;
    }
  }
  return out;
}

/**
 * groupRetained for groups with few members (the sampled objects of allocation sites):
 * each member looks up its dominator chain for a member of its own group, which touches
 * only the members' ancestors. When the chains add up to more steps than the heap has
 * objects (most objects sampled, long lists), the walk of the whole tree is cheaper.
 */
export function sparseGroupRetained(heap: Heap, members: ArrayLike<number>[]): Float64Array {
  const d = heap.requireDominators();
  const n = heap.objectCount;
  const { idom, retained } = d;
  const groupOfMember = new Map<number, number>();
  members.forEach((list, g) => {
    for (let k = 0; k < list.length; k++) groupOfMember.set(list[k], g);
  });
  const isMember = new Uint8Array(n);
  for (const o of groupOfMember.keys()) isMember[o] = 1;
  const out = new Float64Array(members.length);
  let budget = n;
  for (const [o, g] of groupOfMember) {
    if (idom[o] < 0) continue; // unreachable: retains nothing
    let a = idom[o];
    while (a < n && !(isMember[a] === 1 && groupOfMember.get(a) === g)) {
      if (--budget < 0) {
        const groupOf = new Uint32Array(n).fill(NO_GROUP);
        for (const [m, mg] of groupOfMember) groupOf[m] = mg;
        return groupRetained(heap, groupOf, members.length);
      }
      a = idom[a];
    }
    if (a >= n) out[g] += retained[o]; // reached the root groups: no member of g above o
  }
  return out;
}

/**
 * Retained sizes of groups that may share members (the sampled objects allocated through each
 * source line: an object counts for every line of its stack). A group's retained size counts
 * what its members keep alive once: a member retained by another member of the same group
 * adds nothing. Each group walks its members' dominator chains up to the next member; past a
 * budget of steps (proportional to the heap) the remaining groups are null: unknown, rather
 * than a sum that can pass the heap.
 */
export function overlappingGroupRetained(heap: Heap, groups: ArrayLike<number>[]): (number | null)[] {
  const d = heap.requireDominators();
  const n = heap.objectCount;
  const { idom, retained } = d;
  const stamp = new Int32Array(n);
  let budget = 8 * n + 1_000_000;
  return Array.from(groups, (members, g) => {
    if (budget < 0) return null;
    for (let k = 0; k < members.length; k++) stamp[members[k]] = g + 1;
    let sum = 0;
    for (let k = 0; k < members.length && budget >= 0; k++) {
      const o = members[k];
      if (idom[o] < 0) continue;
      let a = idom[o];
      while (a >= 0 && a < n && stamp[a] !== g + 1 && --budget >= 0) a = idom[a];
      if (a < 0 || a >= n) sum += retained[o];
    }
    return budget >= 0 ? sum : null;
  });
}