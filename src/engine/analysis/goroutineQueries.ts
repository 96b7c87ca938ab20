/**
 * Goroutines grouped by identical stack, status and wait reason (as panicparse does), and
 * one goroutine's stack, defers and panics.
 */
import { GoroutineDetail, GoroutineGroupRow, Page, Range, SourceFrame, StackFrameRow } from '../api';
import { goroutineStatusName } from '../format/format';
import type { Heap } from './heap';
import { clampRange } from './objectQueries';

const WAITING = 4;
/** Goroutine indices listed in a group row; the rest come from the goroutine list. */
const MAX_LISTED = 1000;

interface Group {
  goroutines: number[];
  status: number;
  waitReason: string;
  frames: number[]; // string ids of function names, innermost first
  isSystem: boolean;
  gopc: number; // shared creation PC, or -1 when they differ
}

/** Groups per heap, for the program they were made with (lines split groups once known). */
const groupCache = new WeakMap<Heap, { program: unknown; groups: Group[] }>();

/**
 * The wait reason worth showing: the runtime leaves the last one in place when a goroutine
 * runs again, so it means something only while the goroutine waits.
 */
export function waitReasonOf(heap: Heap, g: number): string {
  const gs = heap.model.goroutines;
  return gs.status[g] === WAITING ? heap.model.strings.get(gs.waitReason[g]) : '';
}

export function goroutineGroups(heap: Heap): Group[] {
  const cached = groupCache.get(heap);
  if (cached && cached.program === heap.program) return cached.groups;
  const gs = heap.model.goroutines;
  const names = heap.model.frames.name;
  const pcs = heap.model.frames.pc;
  const byKey = new Map<string, Group>();
  for (let g = 0; g < gs.count; g++) {
    const first = gs.firstFrame[g];
    const frames = Array.from(names.subarray(first, first + gs.frameCount[g]));
    const waitReason = waitReasonOf(heap, g);
    // With the program, frames at other lines of the same functions are other stacks.
    const where = heap.program ? Array.from(pcs.subarray(first, first + gs.frameCount[g])).join(',') : '';
    const key = `${gs.status[g]}\0${waitReason}\0${frames.join(',')}\0${where}`;
    let group = byKey.get(key);
    if (!group) {
      group = { goroutines: [], status: gs.status[g], waitReason, frames, isSystem: gs.isSystem[g] === 1, gopc: gs.gopc[g] };
      byKey.set(key, group);
    }
    if (group.gopc !== gs.gopc[g]) group.gopc = -1;
    group.goroutines.push(g);
  }
  const groups = [...byKey.values()];
  // The same order before and after the dominator tree (the CLI's goroutines does without it).
  groups.sort((a, b) => b.goroutines.length - a.goroutines.length || a.goroutines[0] - b.goroutines[0]);
  groupCache.set(heap, { program: heap.program, groups });
  return groups;
}

function groupRetainedBytes(heap: Heap, group: Group): number {
  const d = heap.requireDominators();
  let sum = 0;
  for (const g of group.goroutines) sum += d.retained[heap.objectCount + g];
  return sum;
}

/**
 * The function whose code holds pc, when the dump proves it: some frame of that function
 * (same entry PC) was seen at or beyond pc. Without the binary a function's end is unknown.
 */
export function functionAtPc(heap: Heap, pc: number): SourceFrame | null {
  const named = heap.functionNameAt(pc);
  if (named) return { function: named, pc };
  const entries = functionExtents(heap);
  let lo = 0;
  let hi = entries.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (entries[mid].entry <= pc) {
      best = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (best < 0 || pc > entries[best].maxPc) return null;
  return { ...heap.functionLine(entries[best].name), pc };
}

interface FunctionExtent {
  entry: number;
  /** Highest PC seen in a frame of this function. */
  maxPc: number;
  name: string;
}

const extentCache = new WeakMap<Heap, FunctionExtent[]>();
function functionExtents(heap: Heap): FunctionExtent[] {
  let list = extentCache.get(heap);
  if (!list) {
    const f = heap.model.frames;
    const byEntry = new Map<number, FunctionExtent>();
    for (let i = 0; i < f.count; i++) {
      const e = byEntry.get(f.entryPc[i]);
      const pc = Math.max(f.pc[i], f.continuationPc[i]);
      if (e) e.maxPc = Math.max(e.maxPc, pc);
      else byEntry.set(f.entryPc[i], { entry: f.entryPc[i], maxPc: pc, name: heap.model.strings.get(f.name[i]) });
    }
    list = [...byEntry.values()].sort((a, b) => a.entry - b.entry);
    extentCache.set(heap, list);
  }
  return list;
}

export function goroutineGroupsPage(heap: Heap, range: Range, filter?: string): Page<GoroutineGroupRow> {
  const strings = heap.model.strings;
  const gs = heap.model.goroutines;
  const needle = filter?.trim().toLowerCase();
  let groups = goroutineGroups(heap).map((g, id) => ({ g, id }));
  if (needle) {
    groups = groups.filter(({ g }) =>
      goroutineStatusName(g.status).includes(needle) ||
      g.waitReason.toLowerCase().includes(needle) ||
      g.frames.some((f) => strings.get(f).toLowerCase().includes(needle)) ||
      g.goroutines.some((i) => String(gs.goid[i]) === needle));
  }
  const [start, end] = clampRange(range, groups.length);
  const rows = groups.slice(start, end).map(({ g, id }): GoroutineGroupRow => {
    let hasDefer = false;
    let hasPanic = false;
    for (const i of g.goroutines) {
      hasDefer ||= gs.topDefer[i] !== 0;
      hasPanic ||= gs.topPanic[i] !== 0;
    }
    const listed = g.goroutines.slice(0, MAX_LISTED);
    return {
      id,
      count: g.goroutines.length,
      status: goroutineStatusName(g.status),
      waitReason: g.waitReason,
      isSystem: g.isSystem,
      frames: stackSources(heap, g.goroutines[0]),
      createdBy: g.gopc > 0 ? createdBy(heap, g.gopc) : null,
      goroutines: listed,
      goids: listed.map((i) => gs.goid[i]),
      retained: heap.dominators ? groupRetainedBytes(heap, g) : null,
      hasDefer,
      hasPanic,
    };
  });
  return { total: groups.length, start, rows };
}

export function goroutineDetail(heap: Heap, index: number): GoroutineDetail {
  const gs = heap.model.goroutines;
  if (!Number.isInteger(index) || index < 0 || index >= gs.count) throw new Error(`no goroutine #${index}`);
  const f = heap.model.frames;
  const strings = heap.model.strings;
  const frames: StackFrameRow[] = [];
  for (let k = gs.firstFrame[index]; k < gs.firstFrame[index] + gs.frameCount[index]; k++) {
    const row = {
      depth: f.depth[k],
      entryPc: f.entryPc[k],
      continuationPc: f.continuationPc[k],
      sp: f.sp[k],
      size: f.size[k],
      pointerFields: f.pointerFields[k],
    };
    // The physical frame last, after the calls inlined into it (as Go prints them).
    for (const s of heap.frameSources(k)) frames.push({ ...s, ...row });
  }
  const gAddr = gs.addr[index];
  const entryName = new Map<number, string>();
  for (let k = 0; k < f.count; k++) entryName.set(f.entryPc[k], strings.get(f.name[k]));
  const defers = heap.model.defers
    .filter((d) => d.g === gAddr)
    .map((d) => ({ pc: d.pc, fnPc: d.fnPc, sp: d.argp, function: heap.functionNameAt(d.fnPc) ?? entryName.get(d.fnPc) ?? functionAtPc(heap, d.fnPc)?.function }));
  const g = heap.graph;
  const panics = heap.model.panics
    .filter((p) => p.g === gAddr)
    .map((p) => {
      const target = g && p.argData ? g.index.find(p.argData) : -1;
      return { argType: p.argType, argData: p.argData, object: target >= 0 ? heap.objectRow(target) : undefined };
    });
  let stackRoots = 0;
  if (g) {
    for (let k = g.groupFirst[index]; k < g.groupFirst[index + 1]; k++) stackRoots++;
  }
  return {
    index,
    goid: gs.goid[index],
    status: goroutineStatusName(gs.status[index]),
    waitReason: waitReasonOf(heap, index),
    isSystem: gs.isSystem[index] === 1,
    waitSinceNs: gs.waitSince[index],
    frames,
    defers,
    panics,
    createdBy: createdBy(heap, gs.gopc[index]),
    retained: heap.dominators ? heap.dominators.retained[heap.objectCount + index] : null,
    stackRoots,
  };
}

/** Frames of goroutine g's stack, innermost first, inlined calls included when the program is known. */
export function stackSources(heap: Heap, g: number): SourceFrame[] {
  const gs = heap.model.goroutines;
  const out: SourceFrame[] = [];
  for (let k = gs.firstFrame[g]; k < gs.firstFrame[g] + gs.frameCount[g]; k++) out.push(...heap.frameSources(k));
  return out;
}

/** The function with the `go` statement at creation PC gopc (a return address), and its line when known. */
export function createdBy(heap: Heap, gopc: number): SourceFrame {
  const exact = heap.sourcesAtReturn(gopc)[0];
  return exact ? { ...exact, inlined: undefined } : functionAtPc(heap, gopc) ?? unknownFunction(gopc);
}

/** A PC whose function is unknown, written as the runtime writes one: "(0x4a1b2c)". */
function unknownFunction(pc: number): SourceFrame {
  return { function: `(0x${pc.toString(16)})`, pc };
}
