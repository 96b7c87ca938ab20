/**
 * Comparing two dumps of one program, older and newer: growth by type group, by allocation
 * site and by goroutine group. Groups are matched by what they are called (type names,
 * shapes, allocation stacks, goroutine stacks), since ids differ between dumps. Go's
 * collector does not move objects, so an object at the same address with the same size
 * (and the same type word, where there is one) in both dumps is a survivor; the rest of the
 * newer dump's objects are new.
 */
import { DiffGoroutineRow, DiffRow, DiffSortKey, DiffSummary, GrowthSuspect, Page, Range, Sort } from '../api';
import { formatBytes, formatCount } from '../util/units';
import { suspects } from './suspects';
import { allocationSites } from './allocationSites';
import { goroutineGroups } from './goroutineQueries';
import type { Heap } from './heap';
import { objectAddress, objectSize } from '../format/model';
import { clampRange } from './objectQueries';
import { typeIndex } from './typeIndex';
import { goroutineStatusName } from '../format/format';

import type { Tally } from '../api';

/** Whether object i of the newer dump was already in the older one. */
function survivorTest(older: Heap, newer: Heap): (i: number) => boolean {
  const og = older.requireGraph();
  const oObjects = older.model.objects;
  const nObjects = newer.model.objects;
  const oType = new Map<number, number>();
  for (let k = 0; k < oObjects.typeWordObject.length; k++) oType.set(oObjects.typeWordObject[k], oObjects.typeWordAddr[k]);
  const nType = new Map<number, number>();
  for (let k = 0; k < nObjects.typeWordObject.length; k++) nType.set(nObjects.typeWordObject[k], nObjects.typeWordAddr[k]);
  return (i) => {
    const a = objectAddress(nObjects, i);
    const o = og.index.find(a);
    return o >= 0 && objectAddress(oObjects, o) === a && objectSize(oObjects, o) === objectSize(nObjects, i) && oType.get(o) === nType.get(i);
  };
}

interface DiffTables {
  types: DiffRow[];
  sites: DiffRow[];
  goroutines: DiffGoroutineRow[];
  summary: DiffSummary;
}

const cache = new WeakMap<Heap, { older: Heap; generations: string; tables: DiffTables }>();

export function diffTables(older: Heap, newer: Heap): DiffTables {
  // Names change when a program binary is attached to either dump: then compare afresh.
  const generations = `${older.generation}:${newer.generation}`;
  const hit = cache.get(newer);
  if (hit && hit.older === older && hit.generations === generations) return hit.tables;
  const survivor = survivorTest(older, newer);

  // Types: matched by name across the dumps, whatever evidence named them in each.
  const rows = new Map<string, DiffRow>();
  const row = (name: string, source: string): DiffRow => {
    const key = name;
    let r = rows.get(key);
    if (!r) {
      r = { key, name, source, before: { count: 0, bytes: 0 }, after: { count: 0, bytes: 0 }, survivors: { count: 0, bytes: 0 }, group: -1 };
      rows.set(key, r);
    }
    return r;
  };
  const ot = typeIndex(older);
  ot.groups.forEach((g, k) => {
    if (g.count === 0) return;
    const d = ot.describe(k);
    const r = row(d.name, d.source);
    r.before.count += g.count;
    r.before.bytes += g.bytes;
  });
  const nt = typeIndex(newer);
  nt.groups.forEach((g, k) => {
    if (g.count === 0) return;
    const d = nt.describe(k);
    const r = row(d.name, d.source);
    r.source = d.source; // the newer dump's evidence
    r.after.count += g.count;
    r.after.bytes += g.bytes;
    r.group = k;
    for (let m = nt.first[k]; m < nt.first[k + 1]; m++) {
      const i = nt.members[m];
      if (survivor(i)) {
        r.survivors.count++;
        r.survivors.bytes += newer.size(i);
      }
    }
  });

  // Allocation sites: by stack, with the memory profile's in-use counts.
  const siteRows = new Map<string, DiffRow>();
  // Sites match by their user frame and its caller: the same allocation reached from another
  // caller further up (a warm-up loop, say) is the same site for growth, and runtime frames
  // (map inserts, slice growth) do not name it.
  type Frames = { function: string; file?: string; line?: number }[];
  const siteKey = (frames: Frames, user: number) => frames.slice(user, user + 2).map((f) => `${f.function}@${f.file}:${f.line}`).join('|');
  const siteRow = (frames: Frames, user: number): DiffRow => {
    const key = siteKey(frames, user);
    let r = siteRows.get(key);
    if (!r) {
      const top = frames[user];
      r = {
        key, name: top ? `${top.function} ${(top.file ?? '').split('/').pop()}:${top.line}` : '?', source: 'site',
        before: { count: 0, bytes: 0 }, after: { count: 0, bytes: 0 }, survivors: { count: 0, bytes: 0 }, group: -1, frames, userFrame: user,
      };
      siteRows.set(key, r);
    }
    return r;
  };
  for (const s of allocationSites(older).sites) {
    const r = siteRow(s.frames, s.userFrame);
    r.before.count += s.inuseObjects;
    r.before.bytes += s.inuseBytes;
  }
  allocationSites(newer).sites.forEach((s, k) => {
    const r = siteRow(s.frames, s.userFrame);
    r.after.count += s.inuseObjects;
    r.after.bytes += s.inuseBytes;
    r.group = k;
    for (const o of s.objects) {
      if (survivor(o)) {
        r.survivors.count++;
        r.survivors.bytes += newer.size(o);
      }
    }
  });

  // Goroutines: by status, wait reason and stack.
  const gRows = new Map<string, DiffGoroutineRow>();
  const gKey = (h: Heap, frames: number[], status: number, wait: string) => `${status}\0${wait}\0${frames.map((f) => h.model.strings.get(f)).join(',')}`;
  for (const [h, side] of [[older, 'before'], [newer, 'after']] as const) {
    goroutineGroups(h).forEach((g, k) => {
      const key = gKey(h, g.frames, g.status, g.waitReason);
      let r = gRows.get(key);
      if (!r) {
        r = {
          key, status: goroutineStatusName(g.status), waitReason: g.waitReason,
          frames: g.frames.map((f) => h.functionLine(h.model.strings.get(f))), before: 0, after: 0, group: -1,
        };
        gRows.set(key, r);
      }
      r[side] += g.goroutines.length;
      if (side === 'after') r.group = k;
    });
  }

  const total = (h: Heap): Tally => {
    let bytes = 0;
    for (let i = 0; i < h.objectCount; i++) if (!h.isPhantom(i)) bytes += h.size(i);
    return { count: h.realObjectCount, bytes };
  };
  let survivors = 0;
  let survivorBytes = 0;
  for (let i = 0; i < newer.objectCount; i++) {
    if (!newer.isPhantom(i) && survivor(i)) {
      survivors++;
      survivorBytes += newer.size(i);
    }
  }
  const tables: DiffTables = {
    types: [...rows.values()],
    sites: [...siteRows.values()],
    goroutines: [...gRows.values()],
    summary: {
      olderName: older.fileName,
      before: total(older),
      after: total(newer),
      survivors: { count: survivors, bytes: survivorBytes },
      goroutinesBefore: older.model.goroutines.count,
      goroutinesAfter: newer.model.goroutines.count,
      sameProgram: older.model.params.buildVersion === newer.model.params.buildVersion && older.model.params.arch === newer.model.params.arch,
    },
  };
  cache.set(newer, { older, generations, tables });
  return tables;
}

function diffValue(r: DiffRow, key: DiffSortKey): number {
  switch (key) {
    case 'deltaBytes': return r.after.bytes - r.before.bytes;
    case 'deltaCount': return r.after.count - r.before.count;
    case 'afterBytes': return r.after.bytes;
    case 'beforeBytes': return r.before.bytes;
    case 'newBytes': return r.after.bytes - r.survivors.bytes;
    case 'newCount': return r.after.count - r.survivors.count;
    case 'freedBytes': return r.before.bytes - r.survivors.bytes;
    case 'freedCount': return r.before.count - r.survivors.count;
  }
}

/**
 * Growth suspects: the newer dump's leak suspects, each with how much its type grew since the
 * older dump and how many of its objects are new there, the biggest growth first.
 */
export function growthSuspects(older: Heap, newer: Heap): GrowthSuspect[] {
  const tables = diffTables(older, newer);
  const survivor = survivorTest(older, newer);
  const byName = new Map(tables.types.map((r) => [r.name, r]));
  const out: GrowthSuspect[] = [];
  for (const s of suspects(newer).suspects) {
    const r = byName.get(s.name);
    const before = r?.before ?? { count: 0, bytes: 0 };
    const after = r?.after ?? { count: s.count, bytes: s.retainedBytes };
    if (after.bytes <= before.bytes) continue;
    // New among the accumulated objects: those not at the same place in the older dump.
    let fresh = 0;
    if (s.accumulation) {
      const [first, child] = newer.dominatorChildren();
      for (let k = first[s.accumulation.index]; k < first[s.accumulation.index + 1]; k++) if (!survivor(child[k])) fresh++;
    }
    const grew = after.count - before.count;
    out.push({
      suspect: s, before, after, newObjects: fresh,
      sentence: `${grew >= 0 ? '+' : ''}${formatCount(grew)} ${s.name} since ${older.fileName} (${formatCount(before.count)} then, ${formatCount(after.count)} now, ${formatBytes(before.bytes)} -> ${formatBytes(after.bytes)}): ${s.sentence}`,
    });
  }
  return out.sort((a, b) => (b.after.bytes - b.before.bytes) - (a.after.bytes - a.before.bytes));
}

export function diffPage(rows: DiffRow[], a: Range & { sort: Sort<DiffSortKey>; filter?: string; hideUnchanged?: boolean }): Page<DiffRow> {
  const needle = a.filter?.trim().toLowerCase();
  let list = needle ? rows.filter((r) => r.name.toLowerCase().includes(needle)) : rows;
  // Unchanged: as many objects and bytes, and all of them survivors (nothing new, nothing freed).
  if (a.hideUnchanged) list = list.filter((r) => r.after.bytes !== r.before.bytes || r.after.count !== r.before.count || r.survivors.count !== r.after.count);
  const sign = a.sort.descending ? -1 : 1;
  list = [...list].sort((x, y) => sign * (diffValue(x, a.sort.key) - diffValue(y, a.sort.key)) || x.key.localeCompare(y.key));
  const [start, end] = clampRange(a, list.length);
  return { total: list.length, start, rows: list.slice(start, end) };
}

export function diffGoroutinePage(rows: DiffGoroutineRow[], range: Range): Page<DiffGoroutineRow> {
  const list = [...rows].sort((x, y) => (y.after - y.before) - (x.after - x.before) || y.after - x.after || x.key.localeCompare(y.key));
  const [start, end] = clampRange(range, list.length);
  return { total: list.length, start, rows: list.slice(start, end) };
}
