/**
 * The roots: pointer words of the data and bss segments (globals), finalizers registered and
 * queued, OS threads and other roots, each with the object it holds and what that retains.
 * Goroutine stacks are roots too; the goroutine queries cover them.
 */
import { Page, Range, RootEntryRow, RootListKind, RootListSummary } from '../api';
import { RootGroupKind } from '../graph/graph';
import type { Heap } from './heap';
import { FinalizerRecord, RootKind } from '../format/model';
import { clampRange } from './objectQueries';
import { sortedPermutation } from '../util/sort';
import { typeRecordName } from '../typing/typeNames';
import { formatAddress, formatCount } from '../util/units';

const GROUP_OF: Partial<Record<RootListKind, RootGroupKind>> = {
  data: 'data', bss: 'bss', finalizers: 'finalizers', queuedFinalizers: 'queuedFinalizers', other: 'other',
};

function groupRetained(heap: Heap, kind: RootListKind): number | null {
  const g = GROUP_OF[kind];
  if (!g || !heap.dominators) return null;
  const k = heap.requireGraph().groups.findIndex((x) => x.kind === g);
  return k < 0 ? null : heap.dominators.retained[heap.objectCount + k];
}

/** Root entries of a segment kind, the biggest retainers first. */
function segmentRoots(heap: Heap, kind: RootKind): number[] {
  const roots = heap.requireGraph().roots;
  const list: number[] = [];
  for (let r = 0; r < roots.count; r++) if (roots.kind[r] === kind) list.push(r);
  const retained = heap.dominators?.retained;
  if (!retained) return list;
  const perm = sortedPermutation((k) => retained[roots.target[list[k]]], list.length);
  return Array.from(perm, (k) => list[k]).reverse();
}

export function rootLists(heap: Heap): RootListSummary[] {
  const { model } = heap;
  const seg = (kind: 'data' | 'bss', rk: RootKind): RootListSummary => {
    const s = (kind === 'data' ? model.data : model.bss)[0];
    return {
      kind,
      title: kind === 'data' ? 'Data segment (initialised globals)' : 'BSS segment (zeroed globals)',
      count: segmentRoots(heap, rk).length,
      retained: groupRetained(heap, kind),
      detail: s ? `${formatAddress(s.addr)}, ${formatCount(s.size)} bytes, ${formatCount(s.pointerFields)} pointer fields` : 'not in this dump',
    };
  };
  return [
    seg('data', RootKind.Data),
    seg('bss', RootKind.Bss),
    { kind: 'finalizers', title: 'Finalizers', count: model.finalizers.length, retained: groupRetained(heap, 'finalizers'), detail: 'objects with a registered finalizer (the objects they reference stay alive)' },
    { kind: 'queuedFinalizers', title: 'Queued finalizers', count: model.queuedFinalizers.length, retained: groupRetained(heap, 'queuedFinalizers'), detail: 'unreachable objects whose finalizer waits to run (kept alive by the queue)' },
    { kind: 'threads', title: 'OS threads', count: model.osThreads.length, retained: null, detail: 'threads (Ms) of the runtime' },
    { kind: 'other', title: 'Other roots', count: model.otherRoots.length, retained: groupRetained(heap, 'other'), detail: 'roots of other kinds (no current runtime writes them)' },
  ];
}

export function rootsPage(heap: Heap, kind: RootListKind, range: Range): Page<RootEntryRow> {
  const { model } = heap;
  const g = heap.requireGraph();
  const objectAt = (addr: number) => {
    const o = heap.objectStartingAt(addr);
    return o >= 0 ? heap.objectRow(o) : undefined;
  };
  let rows: (() => RootEntryRow)[];
  if (kind === 'data' || kind === 'bss') {
    rows = segmentRoots(heap, kind === 'data' ? RootKind.Data : RootKind.Bss).map((r) => () => {
      const ref = heap.rootRef(r);
      return { label: ref.description.split(' ')[0], detail: ref.description, object: heap.objectRow(g.roots.target[r]) };
    });
  } else if (kind === 'finalizers' || kind === 'queuedFinalizers') {
    const names = new Map(model.types.map((t) => [t.addr, typeRecordName(t.name, t.addr)]));
    const type = (a: number) => heap.program?.typeAt(a)?.name ?? names.get(a) ?? formatAddress(a);
    const fn = (pc: number) => heap.functionNameAt(pc) ?? `pc ${formatAddress(pc)}`;
    const list: FinalizerRecord[] = kind === 'finalizers' ? model.finalizers : model.queuedFinalizers;
    rows = list.map((f) => () => ({
      label: `object ${formatAddress(f.obj)}`,
      detail: `function ${fn(f.fnPc)}, parameter type ${type(f.fint)}, object type ${type(f.ot)}`,
      object: objectAt(f.obj),
    }));
  } else if (kind === 'threads') {
    rows = model.osThreads.map((t) => () => ({ label: `M${t.id}`, detail: `OS thread ${t.procId}, m at ${formatAddress(t.addr)}` }));
  } else {
    rows = model.otherRoots.map((o) => () => ({ label: o.description, detail: formatAddress(o.addr), object: objectAt(o.addr) }));
  }
  const [start, end] = clampRange(range, rows.length);
  return { total: rows.length, start, rows: rows.slice(start, end).map((f) => f()) };
}
