/**
 * Leaked goroutines: the offline equivalent of Go 1.26's goroutineleak profile.
 *
 * The runtime's criterion (runtime/mgc.go, findGoroutineLeaks and isMaybeRunnable): a goroutine
 * blocked on a channel operation or a select (the channels of its sudogs), or on a sync.Mutex,
 * RWMutex, WaitGroup or Cond (the semaphore its sudog waits on), is leaked when no root but the
 * stacks of such blocked goroutines reaches what it waits on. The collector marks from every
 * other root with the blocked goroutines' sudogs made opaque; a blocked goroutine whose channel
 * or semaphore gets marked may run again, so its stack becomes a root and marking goes on;
 * what is left at the fixpoint is leaked. Blocking on a nil channel or in an empty select is
 * leaked by definition.
 *
 * The dump has all of it: G objects are heap objects, a blocked goroutine's sudogs point at it
 * (word 0) and at the channel (sudog.c) or the semaphore (sudog.elem). Before Go 1.26 the
 * runtime links only channel waits that way; a sync wait is then reported as "cannot prove"
 * when the object its frames point at is unreachable, and not at all otherwise.
 */
import type { LeakGroup, LeakReport, SourceFrame } from '../api';
import { parseGoVersion } from '../format/format';
import { RootKind } from '../format/model';
import { summaryFrame } from '../util/units';
import { TAG } from '../program/dwarf';
import { dwarfTypingOf } from '../typing/dwarfTyping';
import { createdBy, stackSources } from './goroutineQueries';
import type { Heap } from './heap';
import { objectPointers } from './objectQueries';
import { readAt } from '../util/byteSource';
import { wordAt } from '../format/reader';

const WAITING = 4;
/** Go 1.26: a goroutine the runtime's own leak detector already found (_Gleaked). */
const LEAKED = 10;

const CHAN_WAITS = new Set(['chan receive', 'chan send', 'select']);
const NEVER_WAKES = new Set(['select (no cases)', 'chan send (nil chan)', 'chan receive (nil chan)']);
const SYNC_WAITS = new Set(['sync.Cond.Wait', 'sync.WaitGroup.Wait', 'sync.Mutex.Lock', 'sync.RWMutex.Lock', 'sync.RWMutex.RLock']);
/** The spelling of sync waits before Go 1.21 (their sudogs are not linked either). */
const OLD_SYNC_WAITS = new Set(['semacquire', ...SYNC_WAITS]);

/** Frames whose arguments are the semaphore a goroutine waits on (pre-1.26 sync waits only). */
const WAIT_API = /^(internal\/)?sync\.(runtime_Semacquire\w*|runtime_notifyListWait)$/;
const WAIT_FRAME = /^(runtime\.|sync\.|internal\/sync\.)/;

interface Blocked {
  gi: number;
  reason: string;
  /** Objects it waits on (heap indices); 'outside' when one is not in the heap (a global). */
  waits: number[];
  outside: boolean;
  proof: 'proven' | 'cannot prove';
}

interface SudogLayout {
  elem: number;
  c: number;
}

/** Offsets of sudog.elem and sudog.c: from the program's DWARF, else the runtime's layout. */
function sudogLayout(heap: Heap): SudogLayout {
  const view = heap.program ? dwarfTypingOf(heap)?.view : undefined;
  if (view) {
    for (const t of view.types.values()) {
      if (t.name !== 'runtime.sudog' || t.tag !== TAG.struct) continue;
      const at = (n: string) => t.members?.find((m) => m.name === n)?.offset;
      const elem = at('elem');
      const c = at('c');
      if (elem !== undefined && c !== undefined) return { elem, c };
    }
  }
  // runtime2.go: g, next, prev, elem, acquiretime, releasetime, ticket, isSelect, success,
  // waiters, parent, waitlink, waittail, c; Go 1.26 makes elem and c two words each.
  const v = parseGoVersion(heap.model.params.buildVersion);
  const newer = !v || v[0] > 1 || v[1] >= 26;
  return { elem: 24, c: newer ? 88 : 80 };
}

/** The sudogs of goroutine gi: objects whose first word points at its G. */
function sudogsOf(heap: Heap, gi: number): number[] {
  const gAddr = heap.model.goroutines.addr[gi];
  const g = heap.requireGraph();
  const gObj = heap.objectStartingAt(gAddr);
  if (gObj < 0) return [];
  const [refFirst, refSource] = g.referrers();
  const out: number[] = [];
  for (let e = refFirst[gObj]; e < refFirst[gObj + 1]; e++) {
    const s = refSource[e];
    const size = heap.size(s);
    if (size < 80 || size > 128 || out.includes(s)) continue;
    if (objectPointers(heap, s).some((p) => p.offset === 0 && p.value === gAddr)) out.push(s);
  }
  return out;
}

/** What goroutine gi waits on, read from its sudogs (or, for old sync waits, its frames). */
function waitedObjects(heap: Heap, gi: number, reason: string, layout: SudogLayout, linkedSync: boolean): Omit<Blocked, 'gi' | 'reason'> | undefined {
  const { heapStart, heapEnd } = heap.model.params;
  const g = heap.requireGraph();
  const waits: number[] = [];
  let outside = false;
  const add = (w: number) => {
    if (w === 0) return;
    const o = w >= heapStart && w < heapEnd ? g.index.find(w) : -1;
    if (o >= 0) waits.push(o);
    else outside = true;
  };
  if (CHAN_WAITS.has(reason) || (SYNC_WAITS.has(reason) && linkedSync)) {
    const sudogs = sudogsOf(heap, gi);
    const field = CHAN_WAITS.has(reason) ? layout.c : layout.elem;
    for (const s of sudogs) {
      const p = objectPointers(heap, s).find((x) => x.offset === field);
      if (p) add(p.value);
    }
    if (waits.length === 0 && !outside) return undefined;
    return { waits, outside, proof: 'proven' };
  }
  if (OLD_SYNC_WAITS.has(reason)) {
    // Not linked: the first object the sync frames point at (not a goroutine's own G or
    // sudog) is a guess, not a proof.
    const gObjects = gObjectsOf(heap);
    for (const w of frameWords(heap, gi)) {
      const o = g.index.find(w);
      if (o >= 0 && !gObjects.has(o) && !isSudog(heap, o, gObjects)) {
        waits.push(o);
        break;
      }
    }
    if (waits.length === 0) return undefined;
    return { waits, outside: false, proof: 'cannot prove' };
  }
  return undefined;
}

const gObjectCache = new WeakMap<Heap, Set<number>>();

/** The G objects of the dump's goroutines. */
function gObjectsOf(heap: Heap): Set<number> {
  let set = gObjectCache.get(heap);
  if (!set) {
    set = new Set();
    const gs = heap.model.goroutines;
    for (let gi = 0; gi < gs.count; gi++) {
      const o = heap.objectStartingAt(gs.addr[gi]);
      if (o >= 0) set.add(o);
    }
    gObjectCache.set(heap, set);
  }
  return set;
}

/** Whether object o looks like a sudog: sudog-sized, its first word a G. */
function isSudog(heap: Heap, o: number, gObjects: Set<number>): boolean {
  const size = heap.size(o);
  if (size < 80 || size > 128) return false;
  const first = objectPointers(heap, o).find((p) => p.offset === 0);
  return first !== undefined && first.target >= 0 && gObjects.has(first.target);
}

/** Words in the frames of the waiting API at the top of goroutine gi's stack. */
function frameWords(heap: Heap, gi: number): number[] {
  const { goroutines, frames, strings, params } = heap.model;
  const out: number[] = [];
  for (let k = 0; k < goroutines.frameCount[gi]; k++) {
    const f = goroutines.firstFrame[gi] + k;
    const name = strings.get(frames.name[f]);
    if (!WAIT_FRAME.test(name)) break;
    if (!WAIT_API.test(name)) continue;
    const bytes = readAt(heap.source, frames.contentsOffset[f], frames.size[f]);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let off = 0; off + params.ptrSize <= bytes.length; off += params.ptrSize) {
      const w = wordAt(view, off, params.ptrSize, !params.bigEndian);
      if (w >= params.heapStart && w < params.heapEnd) out.push(w);
    }
  }
  return out;
}

export function goroutineLeaks(heap: Heap): LeakReport {
  const g = heap.requireGraph();
  const n = heap.objectCount;
  const { goroutines } = heap.model;
  const v = parseGoVersion(heap.model.params.buildVersion);
  const linkedSync = !v || v[0] > 1 || v[1] >= 26;
  const layout = sudogLayout(heap);

  // The goroutines whose stacks are not roots until what they wait on is reached.
  const blocked: Blocked[] = [];
  const isBlocked = new Uint8Array(goroutines.count);
  const opaque = new Set<number>(); // their sudogs: the collector does not follow c or elem
  for (let gi = 0; gi < goroutines.count; gi++) {
    const status = goroutines.status[gi];
    const reason = heap.model.strings.get(goroutines.waitReason[gi]);
    if (status === LEAKED) {
      blocked.push({ gi, reason, waits: [], outside: false, proof: 'proven' });
      isBlocked[gi] = 1;
      continue;
    }
    if (status !== WAITING) continue;
    if (NEVER_WAKES.has(reason)) {
      blocked.push({ gi, reason, waits: [], outside: false, proof: 'proven' });
      isBlocked[gi] = 1;
      continue;
    }
    const w = waitedObjects(heap, gi, reason, layout, linkedSync);
    if (!w || w.outside) continue; // a global channel or lock: reachable, may wake
    blocked.push({ gi, reason, ...w });
    isBlocked[gi] = 1;
    // The collector does not follow the sudogs of blocked goroutines (their c and elem words):
    // a semaphore's queue in the global semtable would otherwise reach every lock waited on.
    for (const s of sudogsOf(heap, gi)) opaque.add(s);
  }

  // Mark from every root but the blocked goroutines' own (stack, context, defers, panics).
  const marked = new Uint8Array(n);
  const stack: number[] = [];
  const push = (o: number) => {
    if (marked[o]) return;
    marked[o] = 1;
    stack.push(o);
  };
  const drain = () => {
    while (stack.length) {
      const o = stack.pop() as number;
      if (opaque.has(o)) continue;
      for (let e = g.edgeFirst[o]; e < g.edgeFirst[o + 1]; e++) push(g.edgeTarget[e]);
    }
  };
  const goroutineGroup = (r: number) => {
    const grp = g.groups[g.roots.group[r]];
    return grp.kind === 'goroutine' ? grp.goroutine : -1;
  };
  for (let r = 0; r < g.roots.count; r++) {
    const owner = goroutineGroup(r);
    if (owner < 0 || !isBlocked[owner]) push(g.roots.target[r]);
  }
  drain();
  // A blocked goroutine whose channel or lock got marked may run: its stack is a root too.
  let pending = blocked.filter((b) => b.waits.length > 0 && !NEVER_WAKES.has(b.reason) && goroutines.status[b.gi] !== LEAKED);
  for (let changed = true; changed;) {
    changed = false;
    const still: Blocked[] = [];
    for (const b of pending) {
      if (!b.waits.some((o) => marked[o])) {
        still.push(b);
        continue;
      }
      changed = true;
      isBlocked[b.gi] = 0;
      for (let k = g.groupFirst[b.gi]; k < g.groupFirst[b.gi + 1]; k++) push(g.roots.target[g.groupRoots[k]]);
    }
    drain();
    pending = still;
  }
  const leaked = blocked.filter((b) => isBlocked[b.gi]);
  return { leaks: groupLeaks(heap, leaked), version: heap.model.params.buildVersion, syncWaitsLinked: linkedSync };
}

/** Leaked goroutines grouped by stack and wait reason (and proof), the biggest group first. */
function groupLeaks(heap: Heap, leaked: Blocked[]): LeakGroup[] {
  const { goroutines, frames, strings } = heap.model;
  const d = heap.dominators;
  // The latest time a collection saw a goroutine start waiting: "now" as far as the dump knows.
  let latest = 0;
  for (let gi = 0; gi < goroutines.count; gi++) latest = Math.max(latest, goroutines.waitSince[gi]);
  const groups = new Map<string, { members: Blocked[] }>();
  for (const b of leaked) {
    const first = goroutines.firstFrame[b.gi];
    const names = Array.from(frames.name.subarray(first, first + goroutines.frameCount[b.gi])).map((f) => strings.get(f)).join(',');
    const key = `${b.proof}\0${b.reason}\0${names}`;
    const grp = groups.get(key);
    if (grp) grp.members.push(b);
    else groups.set(key, { members: [b] });
  }
  const out: LeakGroup[] = [];
  for (const { members } of groups.values()) {
    const lead = members[0];
    const since = members.map((m) => goroutines.waitSince[m.gi]).filter((t) => t > 0);
    const blockedForNs = since.length && latest > 0 ? latest - Math.max(...since) : null;
    const stack: SourceFrame[] = stackSources(heap, lead.gi);
    const waited = lead.waits[0];
    let pinned = 0;
    if (d) for (const m of members) pinned += d.retained[heap.objectCount + m.gi];
    out.push({
      count: members.length,
      goids: members.map((m) => goroutines.goid[m.gi]),
      goroutines: members.map((m) => m.gi),
      waitReason: lead.reason,
      blockedFor: blockedForNs === null ? null : durationText(blockedForNs),
      blockedForNs,
      blockedIn: summaryFrame(stack) ?? null,
      frames: stack,
      createdBy: goroutines.gopc[lead.gi] > 0 ? createdBy(heap, goroutines.gopc[lead.gi]) : null,
      object: waited === undefined ? null : { index: waited, address: heap.address(waited), type: heap.typeOf(waited).name, holders: stackHolders(heap, waited) },
      pinnedBytes: d ? pinned : null,
      proof: lead.proof,
    });
  }
  return out.sort((a, b) => Number(a.proof !== 'proven') - Number(b.proof !== 'proven') || b.count - a.count || (b.pinnedBytes ?? 0) - (a.pinnedBytes ?? 0));
}

/** Who holds object o: the number of goroutine stacks and of heap objects that point at it. */
function stackHolders(heap: Heap, o: number): string {
  const g = heap.requireGraph();
  const stacks = new Set<number>();
  for (const r of g.rootsOf(o)) {
    const kind = g.roots.kind[r];
    if (kind === RootKind.Frame || kind === RootKind.StackWord) stacks.add(heap.model.frames.goroutine[g.roots.owner[r]]);
  }
  const [refFirst] = g.referrers();
  const objects = refFirst[o + 1] - refFirst[o];
  const parts = [];
  if (stacks.size) parts.push(`the stacks of ${stacks.size} blocked goroutine${stacks.size === 1 ? '' : 's'}`);
  if (objects) parts.push(`${objects} reference${objects === 1 ? '' : 's'} from objects only those stacks reach`);
  return parts.length ? parts.join(' and ') : 'nothing else';
}

/** 754_000_000_000 -> "12 min 34 s". */
function durationText(ns: number): string {
  if (ns < 1e9) return '< 1 s';
  const s = Math.floor(ns / 1e9);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
