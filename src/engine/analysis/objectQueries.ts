/**
 * Queries about objects: sorted pages, one object's details, contents, references,
 * referrers, paths to roots, the dominator tree and the size-class histogram.
 */
import {
  DominatorNodeRow, EdgeRow, ObjectContents, ObjectDetail, ObjectRow, ObjectSortKey, Page, Range,
  SizeClassRow, Sort,
} from '../api';
import { readAt } from '../util/byteSource';
import { allocatingFrames } from '../format/format';
import { objectFields } from './objectFields';
import type { Heap } from './heap';
import { readObjectRecord, readWords } from '../format/objectRecords';
import { sortedPermutation } from '../util/sort';

/** Largest window of object bytes one call returns. */
const MAX_CONTENTS_WINDOW = 1 << 20;

export function clampRange(r: Range, total: number): [number, number] {
  const start = Math.max(0, Math.min(Math.floor(r.start), total));
  return [start, Math.max(start, Math.min(Math.floor(r.end), total))];
}

export function objectsPage(heap: Heap, a: Range & { sort: Sort<ObjectSortKey> }): Page<ObjectRow> {
  const total = heap.realObjectCount;
  const [start, end] = clampRange(a, total);
  const key = a.sort.key === 'retained' && !heap.dominators ? 'size' : a.sort.key;
  const rows = heap.objectsInOrder(key, start, end, a.sort.descending).map((i) => heap.objectRow(i));
  return { total, start, rows };
}

function checkIndex(heap: Heap, index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= heap.objectCount) {
    throw new Error(`no object #${index} (the dump has ${heap.objectCount})`);
  }
}

/** Every pointer field of object i: offset, value, and the object it lands in (or -1). */
export function objectPointers(heap: Heap, index: number): { offset: number; value: number; target: number }[] {
  const rec = readObjectRecord(heap.model, heap.source, index);
  const values = readWords(heap.source, heap.model, rec.contentsOffset, rec.fields);
  const g = heap.requireGraph();
  const { heapStart, heapEnd } = heap.model.params;
  return rec.fields.map((offset, k) => {
    const value = values[k];
    const target = value >= heapStart && value < heapEnd ? g.index.find(value) : -1;
    return { offset, value, target };
  });
}

export function objectDetail(heap: Heap, index: number): ObjectDetail {
  checkIndex(heap, index);
  const g = heap.requireGraph();
  const roots = [];
  for (const r of g.rootsOf(index)) roots.push(heap.rootRef(r));
  const detail: ObjectDetail = {
    row: heap.objectRow(index),
    referenceCount: distinct(g.edgeTarget, g.edgeFirst[index], g.edgeFirst[index + 1]).length,
    referrerCount: ((r) => distinct(r[1], r[0][index], r[0][index + 1]).length)(g.referrers()),
    roots,
    dominators: heap.dominators ? dominatorChain(heap, index, DOMINATORS_SHOWN) : null,
    dominatorDepth: heap.dominators ? dominatorDepth(heap, index) : null,
    typeEvidence: heap.typeNamer.evidence(index),
  };
  const fields = objectFields(heap, index);
  if (fields) detail.fields = { rows: fields.fields, truncated: fields.truncated };
  const s = heap.sampleOf(index);
  if (s >= 0) {
    const site = heap.model.memProf.findIndex((b) => b.bucket === heap.model.allocSamples.bucket[s]);
    if (site >= 0) {
      const strings = heap.model.strings;
      detail.allocation = {
        site,
        frames: allocatingFrames(strings, heap.model.memProf[site].frames).map((f) => ({ function: strings.get(heap.profileFunction(f)), file: strings.get(f.file), line: f.line })),
      };
    }
  }
  return detail;
}

function distinct(list: Uint32Array, from: number, to: number): number[] {
  return [...new Set(list.subarray(from, to))];
}

export function objectContents(heap: Heap, index: number, offset: number, length: number): ObjectContents {
  checkIndex(heap, index);
  const rec = readObjectRecord(heap.model, heap.source, index);
  const start = Math.max(0, Math.min(Math.floor(offset), rec.size));
  const end = Math.min(rec.size, start + Math.min(Math.max(0, Math.floor(length)), MAX_CONTENTS_WINDOW));
  const bytes = readAt(heap.source, rec.contentsOffset + start, end - start);
  const ptrSize = heap.model.params.ptrSize;
  const pointers = objectPointers(heap, index).filter((p) => p.offset >= start && p.offset + ptrSize <= end);
  const exact = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
  return { index, offset: start, bytes: exact as ArrayBuffer, pointers };
}

export function references(heap: Heap, index: number, range: Range): Page<EdgeRow> {
  checkIndex(heap, index);
  const byTarget = new Map<number, number[]>();
  for (const p of objectPointers(heap, index)) {
    if (p.target < 0) continue;
    const list = byTarget.get(p.target);
    if (list) list.push(p.offset);
    else byTarget.set(p.target, [p.offset]);
  }
  const all = [...byTarget.entries()];
  const [start, end] = clampRange(range, all.length);
  return { total: all.length, start, rows: all.slice(start, end).map(([t, offsets]) => ({ object: heap.objectRow(t), offsets })) };
}

export function referrers(heap: Heap, index: number, range: Range): Page<EdgeRow> {
  checkIndex(heap, index);
  const g = heap.requireGraph();
  const [refFirst, refSource] = g.referrers();
  const sources = distinct(refSource, refFirst[index], refFirst[index + 1]);
  // Reachable referrers first, the biggest retainers first among them.
  if (heap.dominators) {
    const { retained, idom } = heap.dominators;
    sources.sort((a, b) => Number(idom[b] >= 0) - Number(idom[a] >= 0) || retained[b] - retained[a] || a - b);
  }
  const [start, end] = clampRange(range, sources.length);
  const rows = sources.slice(start, end).map((s) => ({
    object: heap.objectRow(s),
    offsets: objectPointers(heap, s).filter((p) => p.target === index).map((p) => p.offset),
  }));
  return { total: sources.length, start, rows };
}

export function dominatorNodeRow(heap: Heap, node: number): DominatorNodeRow {
  const d = heap.requireDominators();
  const [first] = heap.dominatorChildren();
  const n = heap.objectCount;
  const base = { node, retained: d.retained[node], childCount: first[node + 1] - first[node] };
  if (node < n) {
    const object = heap.objectRow(node);
    return { ...base, kind: 'object', object, label: object.type.name, size: object.size };
  }
  if (node === d.root) return { ...base, kind: 'root', label: 'GC roots', size: 0 };
  return { ...base, kind: 'group', label: heap.groupLabel(node - n), size: 0 };
}

/** Dominators an object's details list (a linked list's last element has one per element). */
const DOMINATORS_SHOWN = 50;

/** The dominators of object i, from its immediate dominator up to the synthetic root (at most `max`). */
export function dominatorChain(heap: Heap, index: number, max = Infinity): DominatorNodeRow[] {
  const { idom } = heap.requireDominators();
  const out = [];
  for (let v = idom[index]; v >= 0 && out.length < max; v = idom[v]) out.push(dominatorNodeRow(heap, v));
  return out;
}

function dominatorDepth(heap: Heap, index: number): number {
  const { idom } = heap.requireDominators();
  let n = 0;
  for (let v = idom[index]; v >= 0; v = idom[v]) n++;
  return n;
}

const sortedChildren = new WeakMap<Heap, Map<number, Uint32Array>>();

export function dominatorChildrenPage(heap: Heap, node: number, range: Range): Page<DominatorNodeRow> {
  const d = heap.requireDominators();
  if (!Number.isInteger(node) || node < 0 || node >= d.nodeCount) throw new Error(`no dominator tree node #${node}`);
  let cache = sortedChildren.get(heap);
  if (!cache) sortedChildren.set(heap, (cache = new Map()));
  let kids = cache.get(node);
  if (!kids) {
    const [first, child] = heap.dominatorChildren();
    const list = child.subarray(first[node], first[node + 1]);
    const perm = sortedPermutation((k) => d.retained[list[k]], list.length);
    kids = new Uint32Array(list.length);
    for (let k = 0; k < list.length; k++) kids[k] = list[perm[list.length - 1 - k]];
    cache.set(node, kids);
  }
  const [start, end] = clampRange(range, kids.length);
  const rows = [];
  for (let k = start; k < end; k++) rows.push(dominatorNodeRow(heap, kids[k]));
  return { total: kids.length, start, rows };
}

export function sizeClasses(heap: Heap, a: Range & { sort: Sort<'bytes' | 'count' | 'size'> }): Page<SizeClassRow> {
  // Small sizes (the size classes) counted in typed arrays, large objects in a map.
  const SMALL = 32768;
  const count = new Float64Array(SMALL + 1);
  const reach = new Float64Array(SMALL + 1);
  const large = new Map<number, { count: number; reachable: number }>();
  const d = heap.dominators;
  for (let i = 0; i < heap.objectCount; i++) {
    if (heap.isPhantom(i)) continue;
    const size = heap.size(i);
    const r = d && d.idom[i] >= 0 ? 1 : 0;
    if (size <= SMALL) {
      count[size]++;
      reach[size] += r;
    } else {
      const e = large.get(size) ?? { count: 0, reachable: 0 };
      e.count++;
      e.reachable += r;
      large.set(size, e);
    }
  }
  const rows: SizeClassRow[] = [];
  for (let size = 0; size <= SMALL; size++) {
    if (count[size]) rows.push({ size, count: count[size], bytes: size * count[size], reachableCount: d ? reach[size] : null });
  }
  for (const [size, e] of large) rows.push({ size, count: e.count, bytes: size * e.count, reachableCount: d ? e.reachable : null });
  const key = a.sort.key;
  rows.sort((x, y) => (x[key] - y[key]) * (a.sort.descending ? -1 : 1) || x.size - y.size);
  const [start, end] = clampRange(a, rows.length);
  return { total: rows.length, start, rows: rows.slice(start, end) };
}

/** The object containing an address given as hex (with or without 0x), and the offset in it. */
export function findAddress(heap: Heap, text: string): { index: number; offset: number } | null {
  const t = text.trim().toLowerCase().replace(/^0x/, '');
  if (!/^[0-9a-f]{1,16}$/.test(t)) return null;
  const addr = parseInt(t, 16);
  const i = heap.requireGraph().index.find(addr);
  return i < 0 ? null : { index: i, offset: addr - heap.address(i) };
}
