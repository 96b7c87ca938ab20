/**
 * The type histogram: every object gets a group, the best key the evidence allows (an exact
 * type, an allocation site, or a shape: size and pointer layout), and each group its count,
 * bytes and retained bytes. How each object's key is chosen is the TypeNamer's business, so
 * better inference replaces it without touching the histogram.
 */
import { Page, Range, Sort, TypeCoverage, TypeGuess, TypeRow } from '../api';
import { groupRetained } from './groupRetained';
import type { Heap } from './heap';
import { clampRange } from './objectQueries';
import { sortedPermutation } from '../util/sort';

export type TypeSortKey = 'count' | 'bytes' | 'retained';

export interface TypeIndex {
  /** Group of each object (from the type namer). */
  groupOf: Uint32Array;
  describe(g: number): TypeGuess;
  groups: { count: number; bytes: number; reachable: number }[];
  /** Objects of group g: members[first[g] .. first[g+1]) in index order. */
  first: Uint32Array;
  members: Uint32Array;
  /** Retained bytes of each group as a whole (undefined before dominators). */
  retained: Float64Array | undefined;
}

const cache = new WeakMap<Heap, TypeIndex>();

export function typeIndex(heap: Heap): TypeIndex {
  const classified = heap.typeNamer.classify();
  let index = cache.get(heap);
  if (index && index.groupOf === classified.groupOf && (index.retained || !heap.dominators)) return index;
  if (!index || index.groupOf !== classified.groupOf) {
    const n = heap.objectCount;
    const { groupOf } = classified;
    const groups: TypeIndex['groups'] = Array.from({ length: classified.count }, () => ({ count: 0, bytes: 0, reachable: 0 }));
    // Phantom slots are not objects: in no group's count, bytes or members.
    for (let i = 0; i < n; i++) {
      if (heap.isPhantom(i)) continue;
      const grp = groups[groupOf[i]];
      grp.count++;
      grp.bytes += heap.size(i);
    }
    const first = new Uint32Array(groups.length + 1);
    for (let g = 0; g < groups.length; g++) first[g + 1] = first[g] + groups[g].count;
    const fill = first.slice(0, groups.length);
    const members = new Uint32Array(heap.realObjectCount);
    for (let i = 0; i < n; i++) if (!heap.isPhantom(i)) members[fill[groupOf[i]]++] = i;
    index = { groupOf, describe: classified.describe, groups, first, members, retained: undefined };
  }
  if (heap.dominators) {
    const { groupOf } = index;
    index.retained = groupRetained(heap, groupOf, index.groups.length);
    const idom = heap.dominators.idom;
    for (const g of index.groups) g.reachable = 0;
    for (let i = 0; i < heap.objectCount; i++) if (idom[i] >= 0) index.groups[groupOf[i]].reachable++;
  }
  cache.set(heap, index);
  return index;
}

/** What a snapshot keeps of the histogram (its members are rebuilt from the groups). */
export type SavedTypeIndex = Pick<TypeIndex, 'groups' | 'retained'>;

/** The histogram of the heap's classification now, if it was computed (with retained sizes). */
export function saveTypeIndex(heap: Heap): SavedTypeIndex | undefined {
  const index = cache.get(heap);
  if (!index || index.groupOf !== heap.typeNamer.classify().groupOf || (heap.dominators && !index.retained)) return undefined;
  return { groups: index.groups, retained: index.retained };
}

/** Uses the histogram a snapshot kept, for the heap's classification now (restored with it). */
export function restoreTypeIndex(heap: Heap, saved: SavedTypeIndex): void {
  const { groupOf, count, describe } = heap.typeNamer.classify();
  const { groups, retained } = saved;
  if (groups.length !== count || (retained && retained.length !== count)) throw new Error('the snapshot\'s type histogram does not fit its types');
  const first = new Uint32Array(count + 1);
  for (let g = 0; g < count; g++) first[g + 1] = first[g] + groups[g].count;
  if (first[count] !== heap.realObjectCount) throw new Error('the snapshot\'s type histogram does not count every object');
  const fill = first.slice(0, count);
  const members = new Uint32Array(heap.realObjectCount);
  for (let i = 0; i < groupOf.length; i++) if (!heap.isPhantom(i)) members[fill[groupOf[i]]++] = i;
  cache.set(heap, { groupOf, describe, groups, first, members, retained: heap.dominators ? retained : undefined });
}

/** Drops the histogram so that it is rebuilt (after the type namer changed). */
export function forgetTypeIndex(heap: Heap): void {
  cache.delete(heap);
}

function typeRow(t: TypeIndex, g: number, totalBytes: number): TypeRow {
  const grp = t.groups[g];
  return {
    id: g,
    ...t.describe(g),
    count: grp.count,
    bytes: grp.bytes,
    retained: t.retained ? t.retained[g] : null,
    reachableCount: t.retained ? grp.reachable : null,
    share: totalBytes > 0 ? grp.bytes / totalBytes : 0,
  };
}

export function typesPage(heap: Heap, a: Range & { sort: Sort<TypeSortKey>; filter?: string }): Page<TypeRow> {
  const t = typeIndex(heap);
  const needle = a.filter?.trim().toLowerCase();
  // A group of nothing but phantom slots has no objects: no row.
  let ids = t.groups.flatMap((grp, g) => (grp.count > 0 ? [g] : []));
  if (needle) {
    ids = ids.filter((g) => {
      const d = t.describe(g);
      return d.source === needle || d.name.toLowerCase().includes(needle);
    });
  }
  const key = a.sort.key === 'retained' && !t.retained ? 'bytes' : a.sort.key;
  const value = (g: number) => (key === 'retained' ? (t.retained as Float64Array)[g] : t.groups[g][key]);
  const sign = a.sort.descending ? -1 : 1;
  ids.sort((x, y) => sign * (value(x) - value(y)) || x - y);
  let totalBytes = 0;
  for (const g of t.groups) totalBytes += g.bytes;
  const [start, end] = clampRange(a, ids.length);
  return { total: ids.length, start, rows: ids.slice(start, end).map((g) => typeRow(t, g, totalBytes)) };
}

/** Instances sorted by retained size, per group of one classification (a new one starts over). */
const sortedMembers = new WeakMap<Heap, { groupOf: Uint32Array; byGroup: Map<number, Uint32Array> }>();

/** Objects of one type group, the biggest retainers first. */
export function typeInstancesPage(heap: Heap, group: number, range: Range) {
  const t = typeIndex(heap);
  if (!Number.isInteger(group) || group < 0 || group >= t.groups.length) throw new Error(`no type group #${group}`);
  let list = t.members.subarray(t.first[group], t.first[group + 1]);
  if (heap.dominators) {
    let entry = sortedMembers.get(heap);
    if (!entry || entry.groupOf !== t.groupOf) sortedMembers.set(heap, (entry = { groupOf: t.groupOf, byGroup: new Map() }));
    const cache = entry.byGroup;
    let sorted = cache.get(group);
    if (!sorted) {
      const members = list;
      const retained = heap.dominators.retained;
      const perm = sortedPermutation((k) => retained[members[k]], members.length);
      sorted = new Uint32Array(members.length);
      for (let k = 0; k < members.length; k++) sorted[k] = members[perm[members.length - 1 - k]];
      cache.set(group, sorted);
    }
    list = sorted;
  }
  const [start, end] = clampRange(range, list.length);
  return { total: list.length, start, rows: Array.from(list.subarray(start, end), (i) => heap.objectRow(i)) };
}

/** The share typed exactly, from the program, inferred (any other type evidence), labelled by site, shape only. */
export function typeCoverage(heap: Heap): TypeCoverage[] {
  const t = typeIndex(heap);
  const out: TypeCoverage[] = (['exact', 'program', 'inferred', 'site', 'shape'] as const).map((category) => ({ category, objects: 0, bytes: 0 }));
  t.groups.forEach((g, k) => {
    const d = t.describe(k);
    const category = d.source === 'exact' ? 0 : d.source === 'dwarf' ? 1 : d.source === 'site' ? 3 : d.source === 'shape' && d.confidence === 'weak' ? 4 : 2;
    out[category].objects += g.count;
    out[category].bytes += g.bytes;
  });
  return out;
}
