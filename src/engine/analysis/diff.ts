/**
 * Comparing two dumps of one program, older and newer: growth by type group, by allocation
 * site and by goroutine group. Groups are matched by what they are called (type names,
 * shapes, allocation stacks, goroutine stacks), since ids differ between dumps. Go's
 * collector does not move objects, so an object at the same address with the same size
 * (and the same type word, where there is one) in both dumps is a survivor; the rest of the
 * newer dump's objects are new.
 */
import { DiffGoroutineRow, DiffRow, DiffSortKey, DiffSummary, Page, Range, Sort } from '../api';
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

const cache = new WeakMap<Heap, { older: Heap; tables: DiffTables }>();

export function diffTables(older: Heap, newer: Heap): DiffTables {
  const hit = cache.get(newer);
  if (hit && hit.older === older) return hit.tables;
  const survivor = survivorTest(older, newer);

  // Types: group by name and evidence in each dump.
  const rows = new Map<string, DiffRow>();
  const row = (name: string, source: string): DiffRow => {
    const key = `${source}\0${name}`;
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
  cache.set(newer, { older, tables });
  return tables;
}

function diffValue(r: DiffRow, key: DiffSortKey): number {
  switch (key) {
    case 'deltaBytes': return r.after.bytes - r.before.bytes;
    case 'deltaCount': return r.after.count - r.before.count;
    case 'afterBytes': return r.after.bytes;
    case 'newBytes': return r.after.bytes - r.survivors.bytes;
  }
}

export function diffPage(rows: DiffRow[], a: Range & { sort: Sort<DiffSortKey>; filter?: string }): Page<DiffRow> {
  const needle = a.filter?.trim().toLowerCase();
  let list = needle ? rows.filter((r) => r.name.toLowerCase().includes(needle)) : rows;
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
