/**
 * Leak suspects: what holds most of the reachable heap, and why, in one sentence each (Eclipse
 * MAT's leak suspects, done for Go).
 *
 * 1. Candidates: single objects at the top of the dominator tree, type groups (as the Types
 *    tab names them: exact types, sites, shapes) and allocation sites, whose retained bytes
 *    (as a whole: no member counted twice) are at least SUSPECT_SHARE of the reachable heap.
 * 2. Each candidate's accumulation point: for an object, the walk down its biggest dominator
 *    child while that child keeps at least BIG_DROP of its parent (MAT's big-drop ratio); a
 *    run of objects of one type along that walk is a linked list, whose head is the point.
 *    For a group, the smallest dominator of (a sample of) its members that covers most of
 *    their bytes.
 * 3. Candidates with the same accumulation point are one suspect. What accumulates there is
 *    read below the point (through map, slice and channel internals): the type with the most
 *    bytes and its count.
 * 4. The path from a root to the point (globals preferred over stacks, see rootPaths.ts) names
 *    the holder: the global and the fields down to the container. Alloc samples of the
 *    accumulated objects say where they were allocated, by their first user frame.
 */
import type { Suspect, SuspectHop, SuspectReport, SourceFrame } from '../api';
import { allocatingFrames } from '../format/format';
import { firstUserFrame } from '../format/userFrames';
import { formatBytes, formatCount, formatPercent } from '../util/units';
import { allocationSites } from './allocationSites';
import type { Heap } from './heap';
import { objectFields } from './objectFields';
import { fieldOffset, rootPathNodes } from './rootPaths';
import { typeIndex } from './typeIndex';
import type { TypeNamer } from '../typing/typeNames';

/** Share of the reachable heap a candidate must retain (MAT uses 10% too). */
export const SUSPECT_SHARE = 0.1;
/** Walk down to the biggest dominator child while it keeps this much of its parent. */
const BIG_DROP = 0.7;
/** Objects of one type in a row along the walk that make a linked list. */
const LIST_RUN = 8;
/** A group's accumulation point covers this share of its members' bytes. */
const COVER = 0.8;
/** Members of a group whose dominator chains are followed, and how far up. */
const MEMBER_SAMPLE = 4000;
const CHAIN_LIMIT = 48;
/** Nodes read below an accumulation point to find what accumulates there. */
const CONTENT_BUDGET = 200_000;

interface Candidate {
  kind: Suspect['kind'];
  name: string;
  retained: number;
  /** The accumulation point (a dominator tree node), and whether it heads a linked list. */
  point: number;
  list?: { count: number; type: string };
  /** Members, for groups: to count and to sample allocation sites. */
  members?: ArrayLike<number>;
}

/** The report for each type namer (a classification of the heap), once computed or restored. */
const reports = new WeakMap<TypeNamer, SuspectReport>();

/** The full report for the heap's classification now, if it was computed. */
export function computedSuspects(heap: Heap): SuspectReport | undefined {
  return reports.get(heap.typeNamer);
}

/** The suspects report a snapshot kept, for the heap's classification now (restored with it). */
export function restoreSuspects(heap: Heap, report: SuspectReport): void {
  reports.set(heap.typeNamer, report);
}

/** The first `max` suspects, biggest first. */
export function suspects(heap: Heap, max = 10): SuspectReport {
  let report = reports.get(heap.typeNamer);
  if (!report) reports.set(heap.typeNamer, (report = findSuspects(heap)));
  return report.suspects.length <= max ? report : { ...report, suspects: report.suspects.slice(0, max) };
}

/** Every suspect, biggest first. */
function findSuspects(heap: Heap): SuspectReport {
  const d = heap.requireDominators();
  const n = heap.objectCount;
  let reachable = 0;
  for (let i = 0; i < n; i++) if (d.idom[i] >= 0) reachable += heap.size(i);
  const threshold = SUSPECT_SHARE * reachable;
  const candidates: Candidate[] = [];

  // Single objects at the top of the dominator tree (held directly by roots).
  const [first, child] = heap.dominatorChildren();
  for (let node = n; node < d.nodeCount; node++) {
    for (let k = first[node]; k < first[node + 1]; k++) {
      const o = child[k];
      if (o < n && d.retained[o] >= threshold) candidates.push({ kind: 'object', name: heap.typeOf(o).name, retained: d.retained[o], ...accumulation(heap, o) });
    }
  }
  // Type groups and allocation sites.
  const types = typeIndex(heap);
  types.groups.forEach((g, id) => {
    const retained = types.retained?.[id] ?? 0;
    if (g.count === 0 || retained < threshold) return;
    const members = types.members.subarray(types.first[id], types.first[id + 1]);
    const t = types.describe(id);
    const at = groupAccumulation(heap, members, threshold);
    if (at) candidates.push({ kind: t.source === 'shape' ? 'shape' : t.source === 'site' ? 'site' : 'type', name: t.name, retained, members, ...at });
  });
  for (const s of allocationSites(heap).sites) {
    if ((s.retainedBytes ?? 0) < threshold || s.objects.length === 0) continue;
    const f = s.frames[s.userFrame];
    const at = groupAccumulation(heap, s.objects, threshold);
    if (at) candidates.push({ kind: 'site', name: f ? `${f.function} ${f.file?.split('/').pop()}:${f.line}` : 'unknown site', retained: s.retainedBytes ?? 0, members: s.objects, ...at });
  }

  // One suspect per mass of memory: candidates whose points lie in one chain of dominators of
  // about the same size (a map header, its table, its groups) describe the same objects.
  const byMass = new Map<number, Candidate[]>();
  for (const c of candidates) {
    const key = massTop(heap, c.point);
    const list = byMass.get(key);
    if (list) list.push(c);
    else byMass.set(key, [c]);
  }
  const out: Suspect[] = [];
  for (const list of byMass.values()) {
    // The point that says the most: a list's head, else the point of the biggest candidate,
    // raised to the top of its container (a map's header above its buckets).
    list.sort((a, b) => Number(!!b.list) - Number(!!a.list) || b.retained - a.retained);
    let point = list[0].point;
    while (!list[0].list && d.idom[point] >= 0 && d.idom[point] < n && containerOf(heap.typeOf(d.idom[point]).name) !== 'object') point = d.idom[point];
    out.push(describe(heap, point, list, reachable));
  }
  // A suspect inside a bigger one is part of it.
  const merged = mergeSameHolder(out, reachable);
  const kept = merged.filter((s) => !merged.some((o) => o !== s && o.retainedBytes >= s.retainedBytes && s.accumulation && o.accumulation && dominates(heap, o.accumulation.index, s.accumulation.index)));
  // Accumulations of many objects first (what leaks grows in numbers), then by bytes.
  kept.sort((a, b) => Number(b.count >= 100) - Number(a.count >= 100) || b.retainedBytes - a.retainedBytes);
  return { reachableBytes: reachable, threshold: SUSPECT_SHARE, suspects: kept };
}

/** The accumulation point below object o: MAT's big-drop walk, with linked lists recognised. */
function accumulation(heap: Heap, o: number): { point: number; list?: { count: number; type: string } } {
  const d = heap.requireDominators();
  const [first, child] = heap.dominatorChildren();
  let cur = o;
  let runStart = o;
  let runType = heap.typeOf(o).name;
  let run = 1;
  for (let steps = 0; steps < heap.objectCount; steps++) {
    let best = -1;
    for (let k = first[cur]; k < first[cur + 1]; k++) if (best < 0 || d.retained[child[k]] > d.retained[best]) best = child[k];
    if (best < 0 || best >= heap.objectCount) break;
    const t = heap.typeOf(best).name;
    // Along a list, every node holds the rest of it: follow it to its end whatever the drop.
    if (run >= LIST_RUN ? t !== runType : d.retained[best] < BIG_DROP * d.retained[cur]) break;
    if (t === runType) run++;
    else {
      runStart = best;
      runType = t;
      run = 1;
    }
    cur = best;
  }
  if (run < LIST_RUN) return { point: cur };
  // The list's head: the first node of its type above where the walk came in.
  let head = runStart;
  for (let up = d.idom[head]; up >= 0 && up < heap.objectCount && heap.typeOf(up).name === runType; up = d.idom[up]) {
    head = up;
    run++;
  }
  return { point: head, list: { count: run, type: runType } };
}

/**
 * The accumulation point of a group: the smallest dominator (fewest retained bytes) of a
 * sample of its members that covers most of their bytes; failing that, the walk down from a
 * member that alone retains enough. Undefined when the members are spread over the heap.
 */
function groupAccumulation(heap: Heap, members: ArrayLike<number>, threshold: number): { point: number; list?: { count: number; type: string } } | undefined {
  const d = heap.requireDominators();
  const step = Math.max(1, Math.floor(members.length / MEMBER_SAMPLE));
  const weight = new Map<number, number>();
  let total = 0;
  let biggest = members[0];
  for (let k = 0; k < members.length; k += step) {
    const m = members[k];
    if (d.idom[m] < 0) continue;
    if (d.retained[m] > d.retained[biggest]) biggest = m;
    const w = heap.size(m);
    total += w;
    for (let v = d.idom[m], up = 0; v >= 0 && v < heap.objectCount && up < CHAIN_LIMIT; v = d.idom[v], up++) weight.set(v, (weight.get(v) ?? 0) + w);
  }
  let point = -1;
  for (const [v, w] of weight) if (w >= COVER * total && (point < 0 || d.retained[v] < d.retained[point])) point = v;
  if (point >= 0) {
    // A list above the members (each node dominating the next): its head is the point.
    const walk = accumulation(heap, point);
    return walk.list ? walk : { point };
  }
  return d.retained[biggest] >= threshold ? accumulation(heap, biggest) : undefined;
}

/** Whether node a dominates node b (a is on b's dominator chain, within CHAIN_LIMIT steps). */
function dominates(heap: Heap, a: number, b: number): boolean {
  const { idom } = heap.requireDominators();
  for (let v = idom[b], up = 0; v >= 0 && up < CHAIN_LIMIT * 4; v = idom[v], up++) if (v === a) return true;
  return false;
}

/** How many of `members` lie below node `point` in the dominator tree (estimated from a sample). */
function countBelow(heap: Heap, members: ArrayLike<number>, point: number): number {
  const step = Math.max(1, Math.floor(members.length / 50_000));
  let below = 0;
  for (let k = 0; k < members.length; k += step) if (members[k] === point || dominates(heap, point, members[k])) below++;
  return Math.round(below * (members.length / Math.ceil(members.length / step)));
}

/**
 * The top of the mass of memory node v belongs to: up the dominator chain while each
 * dominator retains about as much (a container's header above its buckets, a struct
 * above its one big field).
 */
function massTop(heap: Heap, v: number): number {
  const d = heap.requireDominators();
  let top = v;
  for (let up = 0, p = d.idom[v]; p >= 0 && p < heap.objectCount && up < 64 && d.retained[p] <= 1.2 * d.retained[v]; up++, p = d.idom[p]) top = p;
  return top;
}

type Container = NonNullable<Suspect['accumulation']>['container'];

/** What kind of container a node's type name says it is. */
function containerOf(name: string): Container {
  if (/^map\[|^map storage from |\((map header|buckets|groups|table|directory)[,)]|maps\.(Map|table)\b|runtime\.hmap/.test(name)) return 'map';
  if (/\(backing array\)$/.test(name)) return 'slice';
  if (/\((channel|buffer)\)$/.test(name)) return 'channel';
  return 'object';
}

/** Map, slice and channel internals that hold other objects: look through them. */
function holdsOthers(heap: Heap, c: number): boolean {
  return containerOf(heap.typeOf(c).name) !== 'object' && heap.requireDominators().retained[c] > 2 * heap.size(c);
}

/** What accumulates below node `point`: the type with the most bytes there, and its count. */
function contents(heap: Heap, point: number): { type: string; count: number; bytes: number; sample: number[] } {
  const d = heap.requireDominators();
  const [first, child] = heap.dominatorChildren();
  const tally = new Map<string, { count: number; bytes: number; sample: number[] }>();
  const add = (c: number) => {
    const name = heap.typeOf(c).name;
    let t = tally.get(name);
    if (!t) tally.set(name, (t = { count: 0, bytes: 0, sample: [] }));
    t.count++;
    t.bytes += d.retained[c];
    t.sample.push(c); // all of them (the walk is bounded): the few with an alloc sample name the site
  };
  let frontier = [point];
  let visited = 0;
  for (let depth = 0; depth < 8 && frontier.length > 0 && visited < CONTENT_BUDGET; depth++) {
    const next: number[] = [];
    for (const v of frontier) {
      for (let k = first[v]; k < first[v + 1] && visited < CONTENT_BUDGET; k++, visited++) {
        const c = child[k];
        if (c >= heap.objectCount) continue;
        if (holdsOthers(heap, c)) next.push(c);
        else add(c);
      }
    }
    frontier = next;
  }
  // The budget ran out among containers, each holding more (400,000 slices in a map's groups):
  // those containers are what accumulates.
  if (tally.size === 0) for (const c of frontier) add(c);
  let best: [string, { count: number; bytes: number; sample: number[] }] | undefined;
  for (const e of tally) if (!best || e[1].bytes > best[1].bytes) best = e;
  if (!best || (point < heap.objectCount && !holdsOthers(heap, point) && best[1].bytes < 0.5 * (d.retained[point] - heap.size(point)))) {
    // Nothing below dominates: the point itself is what is big (a large buffer, say).
    return { type: point < heap.objectCount ? heap.typeOf(point).name : heap.groupLabel(point - heap.objectCount), count: 1, bytes: d.retained[point], sample: [point] };
  }
  joinSampled(heap, best[1], tally);
  return { type: best[0], ...best[1] };
}

/**
 * Without the binary, the accumulated objects that carry an alloc sample are named after their
 * site, not with the rest (a weaker name, "likely T", from the pointers to them): the objects of
 * the same shape among them join the rest, so the count is whole and the sites are found
 * (14,477 + 23 of the 14,500 go-metrics meters a real service leaked).
 */
function joinSampled(heap: Heap, best: { count: number; bytes: number; sample: number[] }, tally: Map<string, { count: number; bytes: number; sample: number[] }>): void {
  const d = heap.requireDominators();
  const { layoutHash } = heap.model.objects;
  const example = best.sample[0];
  if (heap.typeOf(example).source === 'site') return;
  const size = heap.size(example);
  for (const e of tally.values()) {
    if (e === best || heap.typeOf(e.sample[0]).source !== 'site') continue;
    for (const c of e.sample) {
      if (heap.size(c) !== size || layoutHash[c] !== layoutHash[example] || heap.sampleOf(c) < 0) continue;
      best.count++;
      best.bytes += d.retained[c];
      best.sample.push(c);
    }
  }
}

function describe(heap: Heap, point: number, list: Candidate[], reachable: number): Suspect {
  const d = heap.requireDominators();
  const lead = list[0];
  const isObject = point < heap.objectCount;
  const held = lead.list ? { type: lead.list.type, count: lead.list.count, bytes: d.retained[point], sample: [point] } : isObject ? contents(heap, point) : { type: lead.name, count: lead.members?.length ?? 1, bytes: lead.retained, sample: [] };
  // A group of the accumulated type counts its members below the point (the walk below it
  // stops at a budget and a depth).
  const sameType = list.find((c) => c.kind !== 'object' && c.kind !== 'site' && c.name === held.type && c.members);
  const count = sameType?.members && isObject ? Math.max(held.count, countBelow(heap, sameType.members, point)) : held.count;
  const retained = isObject ? d.retained[point] : lead.retained;
  const container: Container = lead.list ? 'list' : isObject ? containerOf(heap.typeOf(point).name) : 'object';
  const chain = isObject ? rootPathNodes(heap, point, 1)[0] : undefined;
  const path: SuspectHop[] = [];
  let root: Suspect['root'] = { kind: 'other', name: isObject ? 'unknown' : heap.groupLabel(point - heap.objectCount) };
  let holder = root.name;
  if (chain) {
    const r = heap.rootRef(chain.root);
    root = r.global ? { kind: 'global', name: r.global } : r.goroutine !== undefined ? { kind: 'goroutine', name: r.description } : r.kind.includes('finalizer') ? { kind: 'finalizer', name: r.description } : r.kind.includes('segment') ? { kind: 'global', name: r.description } : { kind: 'other', name: r.description };
    holder = r.global ?? r.description.replace(/ \(0x[0-9a-f]+\)$/, '');
    let named = true;
    const nodes = chain.nodes;
    nodes.forEach((u, k) => {
      const type = heap.typeOf(u).name;
      const offset = k + 1 < nodes.length ? fieldOffset(heap, u, nodes[k + 1]) : undefined;
      const field = offset === undefined ? undefined : fieldName(heap, u, offset);
      // A run of the same hop (a linked list) is one hop with a count.
      const last = path[path.length - 1];
      if (last && last.type === type && last.field === field) last.count++;
      else path.push({ type, field, count: 1 });
      if (!named) return;
      // The holder: the global and the fields down to where the container starts.
      const nextIsContainer = k + 1 < nodes.length && containerOf(heap.typeOf(nodes[k + 1]).name) !== 'object';
      const here = containerOf(type) !== 'object';
      // From a global, its fields follow its name; from anything else (a stack word), the type comes first.
      const from = k === 0 && !r.global && field && !field.startsWith('+') ? ` -> ${type}` : '';
      if (!here && k + 1 < nodes.length) holder += field && !field.startsWith('+') ? `${from}.${field}` : ` -> ${type}${field ? ` ${field}` : ''}`;
      if (here || nextIsContainer) named = false;
    });
  }
  // The point itself is what accumulates (one big buffer): the path already ends at it.
  const itself = count === 1 && held.sample.length === 1 && held.sample[0] === point && chain?.nodes[chain.nodes.length - 1] === point;
  if (!itself) path.push({ type: held.type, count });
  // Where the accumulated objects were allocated: those below the point, not the whole type.
  const allocatedAt = sitesOf(heap, isObject ? held.sample : sameType?.members ?? held.sample);
  const suspect: Suspect = {
    kind: lead.kind,
    name: held.type,
    holding: innerUserType(heap, held.sample, held.type),
    count,
    retainedBytes: retained,
    share: retained / Math.max(1, reachable),
    holder,
    accumulation: isObject ? { index: point, address: heap.address(point), type: heap.typeOf(point).name, container, count: held.count, objectType: held.type } : null,
    root,
    path,
    allocatedAt,
    sentence: '',
    candidates: list.map((c) => ({ kind: c.kind, name: c.name, retainedBytes: c.retained })),
  };
  suspect.sentence = sentenceOf(suspect, reachable);
  return suspect;
}

/** "4,000 main.CachedReport (62% of the reachable heap, 2.9 MiB) are held by the map ..." */
function sentenceOf(s: Suspect, reachable: number): string {
  const container = s.accumulation?.container ?? 'object';
  const phrase = { map: 'the map ', slice: 'the slice ', channel: 'the channel ', list: 'a linked list from ', object: '' }[container];
  const site = s.allocatedAt[0];
  const where = site ? `; allocated in ${site.function}${site.file ? ` ${site.file.split('/').pop()}:${site.line}` : ''}` : '';
  const parts = s.accumulation && s.accumulation.count !== s.count && container !== 'list' ? ` in ${formatCount(s.holders ?? 1)} places` : '';
  const holding = s.holding ? ` holding ${s.holding.count > s.count ? `${formatCount(s.holding.count)} ` : ''}${s.holding.type}` : '';
  return `${formatCount(s.count)} ${s.name}${holding} (${formatPercent(s.retainedBytes, reachable)} of the reachable heap, ${formatBytes(s.retainedBytes)}) ${s.count === 1 ? 'is' : 'are'} held by ${phrase}${s.holder}${(s.holders ?? 1) > 1 ? parts : ''}${where}.`;
}

/**
 * Suspects that hold the same type for the same holder (the timer heaps of each P below
 * runtime.allp, shards of one cache) are one suspect: their masses are disjoint, so their
 * counts and bytes add up.
 */
function mergeSameHolder(list: Suspect[], reachable: number): Suspect[] {
  const byKey = new Map<string, Suspect>();
  for (const s of list) {
    const key = `${s.name}\0${s.holder}\0${s.accumulation?.container ?? ''}`;
    const into = byKey.get(key);
    if (!into) {
      byKey.set(key, s);
      continue;
    }
    into.count += s.count;
    into.retainedBytes += s.retainedBytes;
    into.share = into.retainedBytes / Math.max(1, reachable);
    into.holders = (into.holders ?? 1) + 1;
    into.candidates.push(...s.candidates);
    into.sentence = sentenceOf(into, reachable);
  }
  return [...byKey.values()];
}

/**
 * A type of the program's own (not the standard library's): its package path starts with a
 * domain ("github.com/...") or is main. Standard library paths have no dot in their first part.
 */
function isUserType(name: string): boolean {
  // A named type (package path, a dot, an identifier, maybe type arguments), not a composite
  // (map, slice, channel, function, closure) whose element may be one.
  const m = /^\*?((?:[\w.~-]+\/)*[\w.~-]+)\.[A-Za-z_]\w*(\[.*\])?$/.exec(name);
  if (!m) return false;
  const path = m[1];
  return path === 'main' || path.split('/')[0].includes('.');
}

/**
 * What the accumulated objects hold of the program's own, when they are the library's (timers
 * holding request state, closures holding sessions) or shards of something bigger (a sharded
 * cache's maps holding its entries): the typed user type most of them hold, and how many.
 */
function innerUserType(heap: Heap, sample: number[], outer: string): { type: string; count: number } | undefined {
  const [first, child] = heap.dominatorChildren();
  const items = sample.slice(0, 500);
  const holders = new Map<string, number>();
  const instances = new Map<string, number>();
  let visited = 0;
  for (const item of items) {
    const seen = new Set<string>();
    let frontier = [item];
    for (let depth = 0; depth < 6 && frontier.length && visited < 100_000; depth++) {
      const next: number[] = [];
      for (const v of frontier) {
        for (let k = first[v]; k < first[v + 1] && visited < 100_000; k++, visited++) {
          const c = child[k];
          if (c >= heap.objectCount) continue;
          const t = heap.typeOf(c);
          if (t.name !== outer && TYPED.has(t.source) && isUserType(t.name)) {
            seen.add(t.name);
            instances.set(t.name, (instances.get(t.name) ?? 0) + 1);
          } else next.push(c);
        }
      }
      frontier = next;
    }
    for (const name of seen) holders.set(name, (holders.get(name) ?? 0) + 1);
  }
  let best: string | undefined;
  for (const [name, n] of holders) if (!best || n > (holders.get(best) ?? 0)) best = name;
  if (!best || (holders.get(best) ?? 0) < 0.5 * items.length) return undefined;
  const count = Math.round(((instances.get(best) ?? 0) * sample.length) / items.length);
  // A user type holding one of its own kind per item says nothing new.
  if (isUserType(outer) && count < 2 * sample.length) return undefined;
  return { type: best, count };
}

/** Evidence that names a type for sure (not a site or a shape). */
const TYPED = new Set(['exact', 'dwarf', 'itab', 'finalizer']);

/** The name of the field at `offset` of object i (DWARF), or "+0x..". */
function fieldName(heap: Heap, i: number, offset: number): string {
  const f = objectFields(heap, i, false)?.fields.find((r) => r.offset === offset && r.target !== undefined);
  return f ? f.name : `+0x${offset.toString(16)}`;
}

/** Where objects were allocated (their alloc samples; a sample of them past 200,000), by user frame, most first. */
function sitesOf(heap: Heap, objects: ArrayLike<number>): (SourceFrame & { count: number })[] {
  const { memProf, allocSamples, strings } = heap.model;
  if (allocSamples.count === 0) return [];
  const buckets = new Map(memProf.map((b) => [b.bucket, b]));
  const tally = new Map<string, SourceFrame & { count: number }>();
  // Every object where they are few: at one sample per 512 KiB, a 2,000-object sample of
  // 100-byte objects holds none (14,500 leaked go-metrics meters: 4 sampled).
  const step = Math.max(1, Math.floor(objects.length / 200_000));
  for (let k = 0; k < objects.length; k += step) {
    const s = heap.sampleOf(objects[k]);
    const b = s >= 0 ? buckets.get(allocSamples.bucket[s]) : undefined;
    if (!b) continue;
    const frames = allocatingFrames(strings, b.frames).map((x) => ({ ...x, func: heap.profileFunction(x) }));
    const f = frames[firstUserFrame(frames.map((x) => strings.get(x.func)), heap.allocationHelpers)];
    if (!f) continue;
    const key = `${f.func}:${f.file}:${f.line}`;
    const t = tally.get(key);
    if (t) t.count += step;
    else tally.set(key, { function: strings.get(f.func), file: strings.get(f.file), line: f.line, count: step });
  }
  return [...tally.values()].sort((a, b) => b.count - a.count).slice(0, 3);
}
