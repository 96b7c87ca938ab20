/**
 * Layer typing/: what each object is. It owns the evidence passes, their combination into type
 * groups (typeNames.ts), the DWARF walk (dwarfTyping.ts) and the HeapView it reads the heap
 * through (heapView.ts). It imports program/, graph/, format/, util/ and types from ../api;
 * never analysis/: the Heap plugs the namer in, typing does not reach back.
 *
 * Types from every piece of evidence in the dump (and the program binary, when there is
 * one), each pass giving some objects a type group with a confidence, combined strongest
 * first.
 *
 *   exact      the type word of Go >= 1.22 pointerful objects of 513 B to 32 KiB
 *   dwarf      with the program binary: its DWARF types along typed pointers (dwarfTyping.ts)
 *   itab       interface values (itab or type word, data word) pointing at the object
 *   finalizer  the object type of finalizer records; panic values
 *   site       the allocation site of sampled objects (memory profile)
 *   field      objects of one shape referenced by objects of one typed group (propagation
 *              along pointers, only where every typed referrer agrees)
 *   shape      "likely T": a shape (size + pointer layout) whose typed members all agree;
 *              else the shape itself
 *   content    runtime layouts recognised by shape (map headers of Go < 1.24)
 *
 * Each pass is independent (so its precision can be measured alone, see typeReport.ts) and
 * works on dense ids in typed arrays: millions of objects, no per-object strings.
 */
import type { TypeGuess } from '../api';
import type { HeapView } from './heapView';
import type { GoProgram } from '../program/goProgram';
import { TypeRecord } from '../format/model';
import { readObjectRecord } from '../format/objectRecords';
import { PairTable } from '../util/pairTable';
import { TypeGroups, TypeNamer } from './typeNames';
import { dwarfTypingOf } from './dwarfTyping';
import { noId } from '../util/ids';
import { holdsInterfaceValue, layoutHashOf } from './valueFit';
import { baseName } from '../util/units';
import { allocatingFrames, parseGoVersion } from '../format/format';
import { firstUserFrame } from '../format/userFrames';

export type Source = TypeGuess['source'];
export type Confidence = NonNullable<TypeGuess['confidence']>;

const NONE = -1;
/** Kinds whose values an interface holds in its data word itself. */
const POINTER_SHAPED = new Set(['ptr', 'unsafe.Pointer', 'map', 'chan', 'func']);
const CONFLICT = -2;

export interface InferenceOptions {
  /** Use the Go >= 1.22 type words (off to measure the other evidence against them). */
  useTypeWords: boolean;
}

/** One evidence pass: a group (or NONE) per object, and what each group means. */
export interface Labels {
  source: Source;
  of: Int32Array;
  groups: { confidence: Confidence; name: () => string; key: string }[];
}

/** Type descriptor facts the dump gives: records (name, size, directness) and itabs. */
class TypeFacts {
  readonly records = new Map<number, TypeRecord>();
  readonly itabType = new Map<number, number>();

  private readonly program: GoProgram | undefined;

  constructor(heap: HeapView) {
    for (const t of heap.model.types) this.records.set(t.addr, t);
    for (const it of heap.model.itabs) this.itabType.set(it.addr, it.type);
    this.program = heap.program;
  }

  /** Whether object o can be what an interface holding the type at addr points at (valueFit.ts). */
  holds(heap: HeapView, o: number, addr: number): boolean {
    return holdsInterfaceValue(heap, o, addr, this.records.get(addr)?.size);
  }

  /** Size of a value of the type at addr, when a record or the program says. */
  size(addr: number): number | undefined {
    return this.program?.typeAt(addr)?.size ?? this.records.get(addr)?.size;
  }

  /** Whether the type at addr is known: a type record, or a descriptor in the program binary. */
  known(addr: number): boolean {
    return this.records.has(addr) || this.program?.typeAt(addr) !== undefined;
  }

  /** Display name of a type address: the program's name for it, else its record's, repaired where the runtime cut it. */
  name(addr: number): string {
    const t = this.program?.typeAt(addr);
    if (t) return t.name;
    const r = this.records.get(addr);
    if (!r) return `type 0x${addr.toString(16)}`;
    if (r.name === '' || r.name.endsWith('.')) {
      // Pointer types (and other unnamed types) are written as their package path only.
      const pkg = r.name === '' ? '' : r.name.slice(0, -1);
      return r.size === 8 || r.size === 4 ? `*${pkg}.? (0x${addr.toString(16)})` : `${pkg}.? (0x${addr.toString(16)})`;
    }
    return r.name;
  }

  /** What the data word of an interface holding type `addr` points at, as a name. */
  pointee(addr: number): { name: string; confidence: Confidence } {
    const r = this.records.get(addr);
    const t = this.program?.typeAt(addr);
    if (t) {
      // Pointer-shaped types are stored in the interface's data word; the rest behind it.
      // Directness from the kind: the type record's flag is set for every pointerful type.
      const direct = POINTER_SHAPED.has(t.kind) || (t.size === 8 && t.ptrdata === 8 && (t.kind === 'struct' || t.kind === 'array'));
      if (!direct) return { name: t.name, confidence: 'certain' };
      if (t.kind === 'ptr') return { name: t.elem !== undefined ? this.name(t.elem) : t.name.replace(/^\*/, ''), confidence: 'certain' };
      if (t.kind === 'map') return { name: `${t.name} (map header)`, confidence: 'certain' };
      if (t.kind === 'chan') return { name: `${t.name} (channel)`, confidence: 'certain' };
      if (t.kind === 'func') return { name: `${t.name} (closure)`, confidence: 'certain' };
      return { name: `${t.name} (pointee)`, confidence: 'likely' };
    }
    if (!r) return { name: `value of type 0x${addr.toString(16)} (from interfaces)`, confidence: 'likely' };
    // Without the program, directness from what the record's name says of the kind (its
    // `indirect` flag is set for every type with pointers, pointer types included).
    const n = r.name;
    if (n.startsWith('map[')) return { name: `${n} (map header)`, confidence: 'certain' };
    if (/^(<-)?chan[ <]/.test(n)) return { name: `${n} (channel)`, confidence: 'certain' };
    if (n.startsWith('func(')) return { name: `${n} (closure)`, confidence: 'certain' };
    if (n.startsWith('*')) return { name: n.slice(1), confidence: 'certain' };
    // Unnamed types are written as their package path: the pointer types of types with methods.
    if ((n === '' || n.endsWith('.')) && r.size === 8) return { name: `${n.slice(0, -1) || '?'}.? (pointed to by *T 0x${addr.toString(16)})`, confidence: 'certain' };
    // A named one-word type may be a struct holding one pointer (direct) or a boxed word.
    if (r.size === 8) return { name: `${this.name(addr)} (or its pointee)`, confidence: 'weak' };
    // Any other type: the data word points to a copy of the value.
    return { name: this.name(addr), confidence: 'certain' };
  }
}

/**
 * Where a pass writes: `of[i]` is a global group id or NONE. Passes share one array in
 * production (each labels only objects no stronger pass labelled) and get their own when
 * they are measured one by one.
 */
class Output implements Labels {
  readonly groups: Labels['groups'] = [];
  constructor(readonly source: Source, readonly of: Int32Array, readonly base: number) {}

  free(i: number): boolean {
    return this.of[i] === NONE;
  }

  /** A group id per distinct numeric key of this pass, created on first use. */
  grouper(): (key: number, confidence: Confidence, name: () => string) => number {
    const ids = new Map<number, number>();
    return (key, confidence, name) => {
      let g = ids.get(key);
      if (g === undefined) {
        g = this.base + this.groups.push({ confidence, name, key: `${this.source}:${key}` }) - 1;
        ids.set(key, g);
      }
      return g;
    };
  }

  /** Whether group id g belongs to this pass. */
  owns(g: number): boolean {
    return g >= this.base && g < this.base + this.groups.length;
  }
}

/** The object a pointer to a whole value designates (see Heap.objectStartingAt). */
function objectAt(heap: HeapView, addr: number): number {
  return heap.objectStartingAt(addr);
}

export function exactPass(heap: HeapView, facts: TypeFacts, out: Output): void {
  const group = out.grouper();
  const { typeWordObject, typeWordAddr } = heap.model.objects;
  const ps = heap.model.params.ptrSize;
  for (let k = 0; k < typeWordObject.length; k++) {
    const t = typeWordAddr[k];
    const o = typeWordObject[k];
    // A descriptor the dump does not name (no type record): the program binary would; until
    // then the object keeps the weaker evidence (site, shape), not "type 0x..." as exact.
    if (!out.free(o) || !facts.known(t)) continue;
    // The type word names the element type: an object with room for two or more is an array.
    const size = facts.size(t);
    const array = size !== undefined && size > 0 && heap.size(o) - ps >= 2 * size;
    out.of[o] = group(array ? -1 - t : t, 'certain', () => typeWordName(facts.name(t), array));
  }
}

/** How the viewer names what a type word says: arrays and the runtime's map groups spelled out. */
export function typeWordName(name: string, array: boolean): string {
  const group = /^map\.group\[(.*)$/.exec(name);
  if (group) return `map[${group[1]} (groups)`;
  return array ? `[]${name} (backing array)` : name;
}


/**
 * The program's DWARF types, carried from typed globals and proven objects along typed
 * pointers (see dwarfTyping.ts). Nothing without a matching program binary with DWARF.
 */
export function dwarfPass(heap: HeapView, out: Output): void {
  const typing = dwarfTypingOf(heap);
  if (!typing) return;
  const group = out.grouper();
  const { labelOf, labels } = typing;
  const none = noId(labelOf);
  // Each label's group once: millions of objects, a few thousand labels.
  const ids = new Int32Array(labels.length).fill(NONE);
  for (let i = 0; i < labelOf.length; i++) {
    const l = labelOf[i];
    if (l === none || !out.free(i)) continue;
    let g = ids[l];
    if (g === NONE) g = ids[l] = group(l, 'certain', () => labels[l]);
    out.of[i] = g;
  }
}

/**
 * Interface values: (itab, data) and (type, data) pairs, and panic values. The decoder keeps
 * only pairs whose first word was a known itab or type address when read. A pair is used only
 * where the object can hold the value (a stack frame's type word may be stale).
 */
export function itabPass(heap: HeapView, facts: TypeFacts, out: Output): void {
  const group = out.grouper();
  const conflicts: number[] = [];
  const assign = (word: number, data: number) => {
    const o = objectAt(heap, data);
    if (o < 0) return;
    const t = facts.itabType.get(word) ?? word;
    if (!facts.holds(heap, o, t)) return;
    const p = facts.pointee(t);
    const g = group(t, p.confidence, () => p.name);
    if (out.free(o)) out.of[o] = g;
    else if (out.owns(out.of[o]) && out.of[o] !== g) conflicts.push(o);
  };
  const { ifaceWord, ifaceData, frameIfaceWord, frameIfaceData } = heap.model.objects;
  for (let k = 0; k < ifaceWord.length; k++) assign(ifaceWord[k], ifaceData[k]);
  for (let k = 0; k < frameIfaceWord.length; k++) assign(frameIfaceWord[k], frameIfaceData[k]);
  for (const p of heap.model.panics) if (p.argData) assign(p.argType, p.argData);
  for (const o of conflicts) out.of[o] = NONE;
}

/** The object type of finalizer records (`ot` is the type of a pointer to the object). */
export function finalizerPass(heap: HeapView, facts: TypeFacts, out: Output): void {
  const group = out.grouper();
  for (const f of [...heap.model.finalizers, ...heap.model.queuedFinalizers]) {
    const o = objectAt(heap, f.obj);
    if (o < 0 || !out.free(o)) continue;
    out.of[o] = group(f.ot, 'certain', () => finalizedName(facts, f.ot));
  }
}

function finalizedName(facts: TypeFacts, ot: number): string {
  return facts.known(ot) ? facts.pointee(ot).name : `object with a finalizer (pointer type 0x${ot.toString(16)})`;
}

export function sitePass(heap: HeapView, out: Output): void {
  const group = out.grouper();
  const { memProf, allocSamples } = heap.model;
  if (allocSamples.count === 0) return;
  const bucketIndex = new Map(memProf.map((b, k) => [b.bucket, k]));
  for (let s = 0; s < allocSamples.count; s++) {
    const o = objectAt(heap, allocSamples.addr[s]);
    const b = bucketIndex.get(allocSamples.bucket[s]);
    if (o < 0 || b === undefined || !out.free(o)) continue;
    // One group per allocating frame (function and line): buckets differ by deeper frames and size.
    const f = siteFrame(heap, memProf[b].frames);
    // What the runtime allocated for the site: map storage, a slice's array, a channel.
    const kind = runtimeContainer(heap, memProf[b].frames);
    const key = (f ? f.func * 1_000_000 + Math.min(f.line, 999_999) + 1 : 0) * 4 + kind;
    out.of[o] = group(key, 'certain', () => containerName(siteName(heap, f), kind));
  }
}

/** The frame an allocation site is named after: the first outside the allocation helpers. */
function siteFrame<F extends { func: number; file: number; line: number }>(heap: HeapView, frames: F[]): F | undefined {
  const strings = heap.model.strings;
  const stack = allocatingFrames(strings, frames).map((f) => ({ ...f, func: heap.profileFunction(f) }));
  return stack[firstUserFrame(stack.map((f) => strings.get(f.func)), heap.allocationHelpers)];
}

const NOT_A_CONTAINER = 0;
const MAP_STORAGE = 1;
const SLICE_ARRAY = 2;
const CHANNEL = 3;

/** Whether the runtime allocated the object for a map, a slice or a channel of the site. */
function runtimeContainer(heap: HeapView, frames: { func: number }[]): number {
  const strings = heap.model.strings;
  const top = allocatingFrames(strings, frames)[0];
  const f = top ? strings.get(top.func) : '';
  if (/^(runtime\.(mapassign|makemap|makeBucketArray|hashGrow|growWork|evacuate|mapinitnoescape|\(\*hmap\)\.newoverflow)|internal\/runtime\/maps\.)/.test(f)) return MAP_STORAGE;
  if (/^runtime\.(growslice|makeslice)/.test(f)) return SLICE_ARRAY;
  if (/^runtime\.makechan/.test(f)) return CHANNEL;
  return NOT_A_CONTAINER;
}

/** A site's name, said to be a map's storage, a slice's array or a channel when it is one. */
function containerName(site: string, kind: number): string {
  if (kind === MAP_STORAGE) return `map storage from ${site}`;
  if (kind === SLICE_ARRAY) return `${site} (backing array)`;
  if (kind === CHANNEL) return `${site} (channel)`;
  return site;
}

function siteName(heap: HeapView, f: { func: number; file: number; line: number } | undefined): string {
  const strings = heap.model.strings;
  return f ? `${strings.get(f.func)} (${baseName(strings.get(f.file))}:${f.line})` : 'unknown site';
}

export interface Shapes {
  of: Uint32Array;
  count: number;
  /** An object of each shape, to describe it. */
  example: number[];
}

/** Shape ids: objects of one size and pointer layout share one. */
export function shapeIds(heap: HeapView): Shapes {
  const { objects } = heap.model;
  const { layoutHash } = objects;
  const table = new PairTable();
  const of = new Uint32Array(heap.objectCount);
  const example: number[] = [];
  for (let i = 0; i < heap.objectCount; i++) {
    const s = table.id(objects.runSize[objects.runOf[i]], layoutHash[i]);
    if (s === example.length) example.push(i);
    of[i] = s;
  }
  return { of, count: example.length, example };
}

/** Strong evidence (exact, itab, finalizer) that propagation and shape votes build on. */
interface Strong {
  of(i: number): number;
  name(g: number): string;
}

/**
 * Propagation along pointers: an unlabelled object whose typed referrers all belong to one
 * group G, and which has shape S, joins the group "S referenced from G". Two rounds, so that
 * what a typed object's children reference is reached too. Conflicting referrers leave it
 * unlabelled.
 */
export function fieldPass(heap: HeapView, strong: Strong, shapes: Shapes, shapeName: (s: number) => string, out: Output): void {
  const g = heap.requireGraph();
  const pairs = new PairTable();
  const names: (() => string)[] = [];
  // Parent label of each object: a strong group, or (marked) a field group of this pass.
  const FIELD = 1 << 30;
  const parentOf = (i: number) => {
    const s = strong.of(i);
    if (s >= 0) return s;
    const o = out.of[i];
    return out.owns(o) ? FIELD + (o - out.base) : NONE;
  };
  const parentName = (p: number): string => (p >= FIELD ? names[p - FIELD]() : strong.name(p));
  const proposal = new Int32Array(heap.objectCount);
  const open = new Uint8Array(heap.objectCount);
  const { edgeFirst, edgeTarget } = g;
  for (let round = 0; round < 2; round++) {
    proposal.fill(NONE);
    let proposed = 0;
    // Only objects that point at an open one (unlabelled, no strong evidence) can propose:
    // with the program's DWARF nearly every object is typed, and the rest of the heap is
    // passed over by a loop over the edges alone.
    let openCount = 0;
    for (let t = 0; t < heap.objectCount; t++) {
      open[t] = out.free(t) && strong.of(t) < 0 ? 1 : 0;
      openCount += open[t];
    }
    if (openCount === 0) break;
    for (let i = 0; i < heap.objectCount; i++) {
      let points = false;
      for (let e = edgeFirst[i]; e < edgeFirst[i + 1] && !points; e++) points = open[edgeTarget[e]] === 1;
      if (!points) continue;
      const parent = parentOf(i);
      if (parent === NONE) continue;
      for (let e = edgeFirst[i]; e < edgeFirst[i + 1]; e++) {
        const t = edgeTarget[e];
        if (open[t] === 0) continue;
        const key = pairs.id(parent, shapes.of[t]);
        if (key === names.length) {
          const s = shapes.of[t];
          names.push(() => `${shapeName(s)} referenced from ${parentName(parent)}`);
        }
        const cur = proposal[t];
        if (cur === NONE) {
          proposal[t] = key;
          proposed++;
        } else if (cur !== key) proposal[t] = CONFLICT;
      }
    }
    if (proposed === 0) break;
    for (let t = 0; t < heap.objectCount; t++) if (proposal[t] >= 0) out.of[t] = out.base + proposal[t];
  }
  for (const name of names) out.groups.push({ confidence: 'likely', name, key: '' });
}

/** "Likely T": unlabelled members of a shape whose strongly typed members (two or more) all share group T. */
export function shapeVotePass(heap: HeapView, strong: Strong, shapes: Shapes, out: Output): void {
  const vote = new Int32Array(shapes.count).fill(NONE);
  const votes = new Uint32Array(shapes.count);
  for (let i = 0; i < heap.objectCount; i++) {
    const t = strong.of(i);
    if (t < 0) continue;
    const s = shapes.of[i];
    if (vote[s] === NONE) vote[s] = t;
    else if (vote[s] !== t) vote[s] = CONFLICT;
    votes[s]++;
  }
  const group = out.grouper();
  for (let i = 0; i < heap.objectCount; i++) {
    const s = shapes.of[i];
    const t = vote[s];
    if (!out.free(i) || strong.of(i) >= 0 || t < 0 || votes[s] < 2) continue;
    out.of[i] = group(t, 'likely', () => `likely ${strong.name(t)}`);
  }
}

/**
 * Runtime layouts recognised by shape (64-bit): the map header of Go < 1.24 (runtime.hmap:
 * buckets, oldbuckets, extra at 16, 24, 40); from Go 1.24 the swiss map header
 * (internal/runtime/maps.Map, 48 B, dirPtr at 16) and its tables (maps.table, 32 B, groups at
 * 16), and through their first pointer what they hold: a swiss header's directory (the table
 * pointers of a big map) or its one group (a small map's), a table's groups, an hmap's
 * buckets. Named, they are containers the suspects look through to the entries; unnamed, a
 * map's directory or buckets was the suspect ("1 256 B, 32 pointers", the Prometheus program's
 * dump without its binary).
 */
export function contentPass(heap: HeapView, out: Output): void {
  const v = parseGoVersion(heap.model.params.buildVersion);
  if (heap.model.params.ptrSize !== 8) return;
  const swiss = !v || v[0] > 1 || v[1] >= 24;
  const layouts: [size: number, hash: number, name: string][] = swiss
    ? [[48, layoutHashOf([16]), 'internal/runtime/maps.Map (map header, by layout)'], [32, layoutHashOf([16]), 'internal/runtime/maps.table (map table, by layout)']]
    : [[48, layoutHashOf([16, 24, 40]), 'runtime.hmap (map header, by layout)']];
  const group = out.grouper();
  const { layoutHash } = heap.model.objects;
  // Which of the layouts object i has, or -1 (its size read once: this runs over every object).
  const layoutOf = (i: number) => {
    const size = heap.size(i);
    for (let k = 0; k < layouts.length; k++) if (size === layouts[k][0] && layoutHash[i] === layouts[k][1]) return k;
    return -1;
  };
  const found: number[][] = layouts.map(() => []);
  for (let i = 0; i < heap.objectCount; i++) {
    if (!out.free(i)) continue;
    const k = layoutOf(i);
    if (k < 0) continue;
    out.of[i] = group(k, 'likely', () => layouts[k][2]);
    found[k].push(i);
  }
  const graph = heap.graph;
  if (!graph) return;
  const { edgeFirst, edgeTarget } = graph;
  // The first object each header or table points to, if untyped: its only pointer field in a
  // swiss header or table; an hmap's buckets (its first pointer field, set whenever the others are).
  const held = (i: number) => {
    const t = edgeFirst[i + 1] > edgeFirst[i] ? edgeTarget[edgeFirst[i]] : -1;
    return t >= 0 && out.free(t) && layoutOf(t) < 0 ? t : -1;
  };
  const named = (key: number, name: string) => group(layouts.length + key, 'likely', () => name);
  const GROUPS = 'internal/runtime/maps.Map (groups, by layout)';
  if (!swiss) {
    for (const h of found[0]) {
      const t = held(h);
      if (t >= 0) out.of[t] = named(0, 'runtime.hmap (buckets, by layout)');
    }
    return;
  }
  for (const h of found[0]) {
    const t = held(h);
    if (t < 0) continue;
    // A directory: pointers only, every one to a table (a table may appear more than once).
    let tables = edgeFirst[t + 1] - edgeFirst[t];
    for (let e = edgeFirst[t]; e < edgeFirst[t + 1] && tables > 0; e++) if (layoutOf(edgeTarget[e]) !== 1) tables = 0;
    const directory = tables > 0 && tables * 8 >= heap.size(t) / 2;
    out.of[t] = directory ? named(1, 'internal/runtime/maps.Map (directory, by layout)') : named(2, GROUPS);
  }
  for (const table of found[1]) {
    const t = held(table);
    if (t >= 0) out.of[t] = named(2, GROUPS);
  }
}

export function shapePass(heap: HeapView, shapes: Shapes, shapeName: (s: number) => string, out: Output): void {
  for (let s = 0; s < shapes.count; s++) out.groups.push({ confidence: 'weak', name: () => shapeName(s), key: `shape:${s}` });
  for (let i = 0; i < heap.objectCount; i++) if (out.free(i)) out.of[i] = out.base + shapes.of[i];
}

const SOURCES: Source[] = ['exact', 'dwarf', 'itab', 'finalizer', 'site', 'field', 'shape', 'content', 'shape'];

/**
 * Runs the passes in priority order (exact, itab, finalizer, site, field, shape vote,
 * content, shape). Shared: one array, each object labelled by the first pass that can.
 * Independent: each pass on its own array (to measure it alone; N ints per pass).
 */
export function runPasses(heap: HeapView, options: InferenceOptions, mode: 'shared' | 'independent'): Labels[] {
  const n = heap.objectCount;
  const facts = new TypeFacts(heap);
  const shared = mode === 'shared' ? new Int32Array(n).fill(NONE) : undefined;
  let base = 0;
  const outputs: Output[] = [];
  const next = (k: number) => {
    const out = new Output(SOURCES[k], shared ?? new Int32Array(n).fill(NONE), base);
    outputs.push(out);
    return out;
  };
  const done = (out: Output) => {
    base += out.groups.length;
  };
  const exact = next(0);
  if (options.useTypeWords) exactPass(heap, facts, exact);
  done(exact);
  const dwarf = next(1);
  dwarfPass(heap, dwarf);
  done(dwarf);
  const itab = next(2);
  itabPass(heap, facts, itab);
  done(itab);
  const fin = next(3);
  finalizerPass(heap, facts, fin);
  done(fin);
  // Strong evidence: the first four passes (in shared mode, ids below `base`).
  const strongEnd = base;
  const strongOf = shared
    ? (i: number) => (shared[i] >= 0 && shared[i] < strongEnd ? shared[i] : NONE)
    : (i: number) => (exact.of[i] >= 0 ? exact.of[i] : dwarf.of[i] >= 0 ? dwarf.of[i] : itab.of[i] >= 0 ? itab.of[i] : fin.of[i]);
  const strongName = (g: number) => {
    for (const o of [exact, dwarf, itab, fin]) if (o.owns(g)) return o.groups[g - o.base].name();
    return '?';
  };
  const strong: Strong = { of: strongOf, name: strongName };
  const site = next(4);
  sitePass(heap, site);
  done(site);
  const shapes = shapeIds(heap);
  const shapeName = shapeNamer(heap, shapes.example);
  const field = next(5);
  fieldPass(heap, strong, shapes, shapeName, field);
  done(field);
  const vote = next(6);
  shapeVotePass(heap, strong, shapes, vote);
  done(vote);
  const content = next(7);
  contentPass(heap, content);
  done(content);
  const shape = next(8);
  shapePass(heap, shapes, shapeName, shape);
  done(shape);
  return outputs;
}

/**
 * Names shapes on demand from one example object each. Group names live as long as the
 * classification: they must not hold the per-object shape array (only the examples).
 */
function shapeNamer(heap: HeapView, example: number[]): (s: number) => string {
  const names: (string | undefined)[] = [];
  return (s) => (names[s] ??= describeShape(heap, example[s]));
}

function describeShape(heap: HeapView, i: number): string {
  const size = heap.size(i);
  if (heap.model.objects.layoutHash[i] === 0) return `${size} B, no pointers`;
  const fields = readObjectRecord(heap.model, heap.source, i).fields;
  const shown = fields.length > 8 ? `${fields.slice(0, 8).join(',')},...` : fields.join(',');
  // Go >= 1.22 objects of this size carry their type's address: the program binary names it.
  const unnamedTypeWord = heap.hasMallocHeader(i) && !heap.program ? ' (type word: the program binary would name it)' : '';
  return `${size} B, ${fields.length} pointer${fields.length > 1 ? 's' : ''} at ${shown}${unnamedTypeWord}`;
}

/** The shared result of the passes as the type groups of the Heap. */
export function toGroups(passes: Labels[]): TypeGroups {
  const of = passes[0].of;
  const groupOf = new Uint32Array(of.buffer, of.byteOffset, of.length);
  const owner = (g: number) => {
    for (const p of passes) if (g >= (p as Output).base && g < (p as Output).base + p.groups.length) return p as Output;
    throw new Error(`no type group ${g}`);
  };
  const names = new Map<number, TypeGuess>();
  const describe = (g: number): TypeGuess => {
    let d = names.get(g);
    if (!d) {
      const p = owner(g);
      const grp = p.groups[g - p.base];
      d = { name: grp.name(), source: p.source, confidence: grp.confidence };
      names.set(g, d);
    }
    return d;
  };
  const count = passes.reduce((n, p) => n + p.groups.length, 0);
  return { groupOf, count, describe };
}

/** A classification kept by a snapshot: each object's group, and every group's description. */
export interface SavedGroups {
  groupOf: Uint32Array;
  names: TypeGuess[];
}

export function saveGroups(groups: TypeGroups): SavedGroups {
  const names: TypeGuess[] = [];
  for (let g = 0; g < groups.count; g++) names.push(groups.describe(g));
  return { groupOf: groups.groupOf, names };
}

function restoredGroups(heap: HeapView, saved: SavedGroups): TypeGroups {
  const { groupOf, names } = saved;
  if (groupOf.length !== heap.objectCount) throw new Error('the snapshot\'s types do not fit this heap');
  for (let i = 0; i < groupOf.length; i++) if (groupOf[i] >= names.length) throw new Error('the snapshot\'s types name a missing group');
  return { groupOf, count: names.length, describe: (g) => names[g] };
}

/**
 * The type namer of the Heap: every pass, strongest first; the evidence list for the
 * inspector. `saved`: the classification a snapshot kept (for the graph's stage).
 */
export function inferenceNamer(heap: HeapView, options: InferenceOptions = { useTypeWords: true }, saved?: SavedGroups): TypeNamer {
  let groups: TypeGroups | undefined = saved && restoredGroups(heap, saved);
  let beforeGraph: TypeGroups | undefined;
  return {
    classify: () => {
      if (heap.graph) {
        if (!groups) {
          groups = toGroups(runPasses(heap, options, 'shared'));
          // The walks that read records out of file order are done: their contents offsets go.
          heap.model.objects.contentsDelta = undefined;
          heap.reclaim?.(); // shape ids and propagation proposals are garbage now
        }
        return groups;
      }
      // Before pointers are indexed only the shape is known.
      if (!beforeGraph) {
        const shapes = shapeIds(heap);
        const out = new Output('shape', new Int32Array(heap.objectCount).fill(NONE), 0);
        shapePass(heap, shapes, shapeNamer(heap, shapes.example), out);
        beforeGraph = toGroups([out]);
      }
      return beforeGraph;
    },
    evidence: (i) => objectEvidence(heap, options, i, groups),
  };
}

/**
 * Every kind of evidence about one object, for the inspector: computed for this object
 * alone (the shared classification keeps only the winner).
 */
function objectEvidence(heap: HeapView, options: InferenceOptions, i: number, groups: TypeGroups | undefined): TypeGuess[] {
  const facts = new TypeFacts(heap);
  const out: TypeGuess[] = [];
  if (options.useTypeWords) {
    const k = heap.model.objects.typeWordObject.indexOf(i);
    if (k >= 0) out.push({ name: facts.name(heap.model.objects.typeWordAddr[k]), source: 'exact', confidence: 'certain' });
  }
  const { ifaceWord, ifaceData, frameIfaceWord, frameIfaceData } = heap.model.objects;
  const seen = new Set<number>();
  const pairs: [number, number][] = [];
  const at = (a: number) => a !== 0 && heap.objectStartingAt(a) === i;
  for (let k = 0; k < ifaceWord.length; k++) if (at(ifaceData[k])) pairs.push([ifaceWord[k], ifaceData[k]]);
  for (let k = 0; k < frameIfaceWord.length; k++) if (at(frameIfaceData[k])) pairs.push([frameIfaceWord[k], frameIfaceData[k]]);
  for (const p of heap.model.panics) if (at(p.argData)) pairs.push([p.argType, p.argData]);
  for (const [w] of pairs) {
    const t = facts.itabType.get(w) ?? w;
    if (seen.has(t)) continue;
    seen.add(t);
    const p = facts.pointee(t);
    // A pair whose value cannot be this object (a stale type word) is shown as a weak hint only.
    if (!facts.holds(heap, i, t)) out.push({ name: `${p.name} (interface word that does not fit this object)`, source: 'itab', confidence: 'weak' });
    else out.push({ name: p.name, source: 'itab', confidence: p.confidence });
  }
  for (const f of [...heap.model.finalizers, ...heap.model.queuedFinalizers]) {
    if (at(f.obj)) out.push({ name: finalizedName(facts, f.ot), source: 'finalizer', confidence: 'certain' });
  }
  const s = heap.graph ? heap.sampleOf(i) : -1;
  if (s >= 0) {
    const b = heap.model.memProf.find((m) => m.bucket === heap.model.allocSamples.bucket[s]);
    if (b) out.push({ name: siteName(heap, siteFrame(heap, b.frames)), source: 'site', confidence: 'certain' });
  }
  // What the shared classification settled on, if none of the above (propagation, votes, layouts).
  if (groups) {
    const d = groups.describe(groups.groupOf[i]);
    // The program's DWARF is as sure as a type word: first.
    if (d.source === 'dwarf') out.unshift(d);
    else if (!out.some((e) => e.name === d.name && e.source === d.source)) out.push(d);
  }
  const shape = describeShape(heap, i);
  if (!out.some((e) => e.name === shape)) out.push({ name: shape, source: 'shape', confidence: 'weak' });
  return out;
}
