/**
 * Goroutine triage: what blocked goroutines wait on, and patterns worth a look.
 *
 * A goroutine blocked in a channel operation, a mutex, a wait group or a condition keeps
 * the object it waits on in the frames of the runtime (and sync) functions at the top of its
 * stack: runtime.chanrecv holds the channel, semacquire the semaphore word inside the
 * mutex. The first heap object those frames point at is taken as the waited object; the
 * goroutines waiting on one object form a group, and the other goroutines whose stacks point
 * at it are the ones that could wake them.
 */
import { Finding, GoroutineTriage, WaitRow } from '../api';
import { goroutineStatusName } from '../format/format';
import type { Heap } from './heap';
import { readAt } from '../format/byteSource';
import { RootKind } from '../format/model';
import { wordAt } from '../format/reader';
import { waitReasonOf } from './goroutineQueries';

const WAITING = 4;

/** Functions that take the object a goroutine waits on (a channel, a lock, a group...). */
const WAIT_API = /^(runtime\.(chanrecv|chansend|selectgo|semacquire|notifyListWait)|sync\.(runtime_Semacquire|runtime_notifyListWait|\(\*(Mutex|RWMutex|WaitGroup|Cond)\)\.)|internal\/sync\.)/;
/** Frames of the waiting machinery, above the first frame of the program's own code. */
const WAIT_FRAME = /^(runtime\.|sync\.|internal\/sync\.|internal\/poll\.runtime_)/;

function waitKind(reason: string): WaitRow['kind'] {
  if (/^chan (receive|send)/.test(reason)) return 'channel';
  if (/^select/.test(reason)) return 'select';
  if (/WaitGroup/.test(reason)) return 'waitgroup';
  if (/Cond/.test(reason)) return 'cond';
  if (/Mutex|semacquire|RWMutex/.test(reason)) return 'mutex';
  return 'other';
}

/**
 * What the waiting-API frames of goroutine gi point at: heap objects (by index) and words in
 * the data and bss segments (globals, as negative keys: -(address)). The frames nearest the
 * program's code come first: chansend1 holds the channel, chansend below it also the
 * goroutine's own sudog and buffers.
 */
function candidates(heap: Heap, gi: number): number[] {
  const { goroutines, frames, strings, params } = heap.model;
  const g = heap.requireGraph();
  const segments = [...heap.model.data, ...heap.model.bss];
  const apiFrames: number[] = [];
  for (let k = 0; k < goroutines.frameCount[gi]; k++) {
    const f = goroutines.firstFrame[gi] + k;
    const name = strings.get(frames.name[f]);
    if (!WAIT_FRAME.test(name)) break;
    if (WAIT_API.test(name)) apiFrames.unshift(f);
  }
  const out: number[] = [];
  for (const f of apiFrames) {
    const bytes = readAt(heap.source, frames.contentsOffset[f], frames.size[f]);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let off = 0; off + params.ptrSize <= bytes.length; off += params.ptrSize) {
      const w = wordAt(view, off, params.ptrSize, !params.bigEndian);
      if (w === 0) continue;
      const o = w >= params.heapStart && w < params.heapEnd ? g.index.find(w) : -1;
      if (o >= 0) out.push(o);
      else if (segments.some((seg) => w >= seg.addr && w < seg.addr + seg.size)) out.push(-w);
    }
  }
  return out;
}

export function goroutineTriage(heap: Heap): GoroutineTriage {
  const g = heap.requireGraph();
  const { goroutines, frames } = heap.model;
  // Goroutines whose stacks point at each object, and objects each stack points at.
  const stackHolders = new Map<number, Set<number>>();
  const stackHeld = new Map<number, Set<number>>();
  for (let r = 0; r < g.roots.count; r++) {
    if (g.roots.kind[r] !== RootKind.Frame) continue;
    const t = g.roots.target[r];
    const gi = frames.goroutine[g.roots.owner[r]];
    const holders = stackHolders.get(t);
    if (holders) holders.add(gi);
    else stackHolders.set(t, new Set([gi]));
    const held = stackHeld.get(gi);
    if (held) held.add(t);
    else stackHeld.set(gi, new Set([t]));
  }
  // Each waiting goroutine's candidates; the candidate most waiters share is what they wait on
  // (their own sudogs and buffers differ; the channel or lock is common).
  const waiting: { gi: number; reason: string; kind: WaitRow['kind']; keys: number[] }[] = [];
  const shared = new Map<number, number>();
  for (let gi = 0; gi < goroutines.count; gi++) {
    if (goroutines.status[gi] !== WAITING) continue;
    const reason = waitReasonOf(heap, gi);
    const kind = waitKind(reason);
    if (kind === 'other') continue;
    const keys = [...new Set(candidates(heap, gi))];
    if (keys.length === 0) continue;
    waiting.push({ gi, reason, kind, keys });
    for (const k of keys) shared.set(k, (shared.get(k) ?? 0) + 1);
  }
  const waits = new Map<number, WaitRow>();
  for (const w of waiting) {
    let best = w.keys[0];
    for (const k of w.keys) if ((shared.get(k) ?? 0) > (shared.get(best) ?? 0)) best = k;
    let row = waits.get(best);
    if (!row) {
      row = {
        object: best >= 0 ? heap.objectRow(best) : undefined, address: best >= 0 ? heap.address(best) : -best,
        kind: w.kind, waitReason: w.reason, goroutines: [], goids: [], otherGoroutines: [], heapReferrers: 0, globalRoots: 0,
      };
      waits.set(best, row);
    }
    row.goroutines.push(w.gi);
    row.goids.push(goroutines.goid[w.gi]);
  }
  const [refFirst, refSource] = g.referrers();
  for (const [key, row] of waits) {
    if (key < 0) continue; // a global: every goroutine can reach it
    const waitingHere = new Set(row.goroutines);
    row.otherGoroutines = [...(stackHolders.get(key) ?? [])].filter((gi) => !waitingHere.has(gi));
    // Heap objects the waiters' own stacks hold (their sudogs, in the channel's queues) are
    // part of the wait, not other users of the object.
    const own = new Set(row.goroutines.flatMap((gi) => [...(stackHeld.get(gi) ?? [])]));
    row.heapReferrers = [...new Set(refSource.subarray(refFirst[key], refFirst[key + 1]))].filter((r) => !own.has(r)).length;
    for (const r of g.rootsOf(key)) {
      const kind = g.roots.kind[r];
      if (kind === RootKind.Data || kind === RootKind.Bss) row.globalRoots++;
    }
  }
  const rows = [...waits.values()].sort((a, b) => b.goroutines.length - a.goroutines.length);
  return { waits: rows, findings: findings(heap, rows) };
}

function findings(heap: Heap, waits: WaitRow[]): Finding[] {
  const out: Finding[] = [];
  const { goroutines } = heap.model;
  // Many goroutines parked at one place (one stack and wait reason).
  const byPlace = new Map<string, number[]>();
  for (let gi = 0; gi < goroutines.count; gi++) {
    if (goroutines.status[gi] !== WAITING || goroutines.isSystem[gi]) continue;
    const f = goroutines.firstFrame[gi];
    const names = Array.from(heap.model.frames.name.subarray(f, f + goroutines.frameCount[gi])).join(',');
    const key = `${waitReasonOf(heap, gi)}\0${names}`;
    const list = byPlace.get(key);
    if (list) list.push(gi);
    else byPlace.set(key, [gi]);
  }
  const crowd = Math.max(10, Math.ceil(goroutines.count / 20));
  for (const list of byPlace.values()) {
    if (list.length < crowd) continue;
    out.push({
      severity: 'warning',
      title: `${list.length} goroutines blocked at the same place (${waitReasonOf(heap, list[0]) || goroutineStatusName(goroutines.status[list[0]])})`,
      detail: 'Many goroutines parked on one stack often means a leak: workers that never get work, or never get to send their result.',
      goroutines: list,
    });
  }
  for (const w of waits) {
    if (w.kind !== 'channel' && w.kind !== 'select') continue;
    if (!w.object || w.otherGoroutines.length > 0 || w.heapReferrers > 0 || w.globalRoots > 0) continue;
    out.push({
      severity: 'error',
      title: `${w.goroutines.length} goroutine${w.goroutines.length > 1 ? 's' : ''} blocked on a channel nothing else references`,
      detail: 'No other goroutine\'s stack, no global and no heap object points at this channel: no one can ever send to it, receive from it or close it. These goroutines are leaked.',
      goroutines: w.goroutines,
      object: w.object,
    });
  }
  return out.sort((a, b) => (a.severity === b.severity ? b.goroutines.length - a.goroutines.length : a.severity === 'error' ? -1 : 1));
}
