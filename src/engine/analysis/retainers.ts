/**
 * Why is this alive, for a whole group: the merged retainer tree (Eclipse MAT's "merge
 * shortest paths to GC roots", DevTools' Retainers). Level 0 is the group's objects (all
 * instances of a type, the sampled objects of an allocation site, one object); each level
 * below groups the objects that point at the previous level's by their type, with how many
 * there are, their bytes and the fields they point through, and lists the roots that hold
 * the previous level's objects directly. Expanding a retainer group follows only it.
 */
import type { RetainerLevel, RetainerTarget } from '../api';
import { STACK_ROOT_KINDS } from '../format/model';
import { allocationSites } from './allocationSites';
import type { Heap } from './heap';
import { objectFields } from './objectFields';
import { fieldOffset } from './rootPaths';
import { typeIndex } from './typeIndex';

/** Objects followed per level (a type with millions of instances is sampled). */
const LEVEL_CAP = 500_000;
/** Referrer-target pairs read per group to name the fields they point through. */
const FIELD_SAMPLES = 8;


function members(heap: Heap, target: RetainerTarget): number[] {
  if ('object' in target) {
    if (!Number.isInteger(target.object) || target.object < 0 || target.object >= heap.objectCount) throw new Error(`no object #${target.object}`);
    return [target.object];
  }
  if ('type' in target) {
    const t = typeIndex(heap);
    if (!Number.isInteger(target.type) || target.type < 0 || target.type >= t.groups.length) throw new Error(`no type group #${target.type}`);
    return Array.from(t.members.subarray(t.first[target.type], Math.min(t.first[target.type + 1], t.first[target.type] + LEVEL_CAP)));
  }
  const site = allocationSites(heap).sites[target.site];
  if (!site) throw new Error(`no allocation site #${target.site}`);
  return site.objects.slice(0, LEVEL_CAP);
}

export function retainerLevel(heap: Heap, a: { of: RetainerTarget; path: number[]; excludeStacks?: boolean }): RetainerLevel {
  const g = heap.requireGraph();
  const groups = heap.typeNamer.classify();
  const [refFirst, refSource] = g.referrers();
  const idom = heap.dominators?.idom;
  let level = members(heap, a.of);
  const seen = new Set<number>(level);
  // Follow the chosen retainer groups down (up, towards the roots).
  for (const chosen of a.path) {
    const next: number[] = [];
    for (const o of level) {
      for (let e = refFirst[o]; e < refFirst[o + 1] && next.length < LEVEL_CAP; e++) {
        const r = refSource[e];
        if (seen.has(r) || groups.groupOf[r] !== chosen || (idom && idom[r] < 0)) continue;
        seen.add(r);
        next.push(r);
      }
    }
    level = next;
  }
  // Who points at this level: referrers by type group, and roots.
  const byGroup = new Map<number, { count: number; bytes: number; pairs: [number, number][] }>();
  for (const o of level) {
    for (let e = refFirst[o]; e < refFirst[o + 1]; e++) {
      const r = refSource[e];
      if (seen.has(r) || (idom && idom[r] < 0)) continue;
      seen.add(r);
      const k = groups.groupOf[r];
      let t = byGroup.get(k);
      if (!t) byGroup.set(k, (t = { count: 0, bytes: 0, pairs: [] }));
      t.count++;
      t.bytes += heap.size(r);
      if (t.pairs.length < FIELD_SAMPLES) t.pairs.push([r, o]);
    }
  }
  const roots = new Map<string, { kind: string; name: string; count: number }>();
  for (const o of level) {
    if (!g.isRootHeld(o)) continue;
    for (const r of g.rootsOf(o)) {
      if (a.excludeStacks && STACK_ROOT_KINDS.has(g.roots.kind[r])) continue;
      const ref = heap.rootRef(r);
      const name = ref.global ?? (ref.function ? `goroutine frame ${ref.function}` : ref.description.replace(/ \(0x[0-9a-f]+\)$/, ''));
      const key = `${ref.kind}\0${name}`;
      const t = roots.get(key);
      if (t) t.count++;
      else roots.set(key, { kind: ref.kind, name, count: 1 });
    }
  }
  const rows = [...byGroup.entries()].sort((x, y) => y[1].bytes - x[1].bytes || y[1].count - x[1].count).map(([group, t]) => ({
    group,
    name: groups.describe(group).name,
    count: t.count,
    bytes: t.bytes,
    fields: [...new Set(t.pairs.map(([r, o]) => fieldLabel(heap, r, o)))],
  }));
  return { objects: level.length, groups: rows, roots: [...roots.values()].sort((x, y) => y.count - x.count) };
}

/** The field of object r that points into o: its DWARF name, or its offset. */
function fieldLabel(heap: Heap, r: number, o: number): string {
  const off = fieldOffset(heap, r, o);
  if (off === undefined) return '?';
  const f = objectFields(heap, r, false)?.fields.find((x) => x.offset === off);
  return f ? f.name : `+0x${off.toString(16)}`;
}
