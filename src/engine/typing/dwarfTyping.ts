/**
 * Types from the program's DWARF, carried through the heap the way the garbage collector
 * would walk it: from the typed roots (global variables; objects whose type the dump already
 * proves: Go >= 1.22 type words, interface values, finalizers) along every pointer, slice,
 * string, interface, map and channel field to the objects they point at.
 *
 * A pointer types the object only when it points at the object's start (after a malloc
 * header) and the dump lists the word as a pointer field of its holder: a wrong guess can
 * not spread through words that the GC would not follow. Each object gets the first type
 * that reaches it, and is walked once.
 *
 * Maps, channels and slices hold arrays the DWARF pointer types describe as single values;
 * their headers say how many: 2^B buckets (Go < 1.24), lengthMask+1 groups and dirLen tables
 * (swiss maps, Go >= 1.24), dataqsiz channel slots, cap slice elements.
 */
import { readAt } from '../util/byteSource';
import { Ids, compactIds, idAt } from '../util/ids';
import { CapturedVar, DType, Dwarf, FrameVar, TAG } from '../program/dwarf';
import type { GoProgram } from '../program/goProgram';
import type { HeapView } from './heapView';
import { holdsInterfaceValue } from './valueFit';
import { ContentsOffsets, RecordWindow, readObjectRecord, readObjectsInOrder } from '../format/objectRecords';
import { RootKind, objectSize } from '../format/model';
import { wordAt } from '../format/reader';

/** The label of a func value's object until its function is read. */
const CLOSURE = 'func value (closure)';
/** Size of the blocks the tiny allocator packs small pointer-free values into. */
const TINY_BLOCK = 16;
const KIND_CHAN = 18;
const KIND_FUNC = 19;
const KIND_INTERFACE = 20;
const KIND_SLICE = 23;
const KIND_STRING = 24;

export interface DwarfTyping {
  /** Label of each object (see idAt: -1 when no typed pointer reached it). */
  labelOf: Ids;
  labels: string[];
  /**
   * DWARF type (.debug_info offset) of the value(s) in each object: typeTable[idAt(typeIds, i)]
   * (see dwarfTypeOf); where they start (a malloc header before).
   */
  typeIds: Ids;
  typeTable: Int32Array;
  valueOffset: Uint8Array;
  view: TypeView;
  /** Typed global variables the walk started from. */
  typedGlobals: number;
}

/**
 * Bytes holding values: an object's contents, or a data/bss segment's: `size` bytes of `view`
 * from `base` (offsets in the walk are from `base`).
 */
interface Region {
  view: DataView;
  base: number;
  size: number;
  /** Objects only: marks[off >> 2] is `stamp` for the words the dump lists as pointers. */
  marks?: Uint32Array;
  stamp: number;
}

/** A count for pointTo: as many elements as the object holds. */
const ALL_ELEMENTS = Number.POSITIVE_INFINITY;
/** An element count too big for `smallCounts` (or every element): the exact one is in `counts`. */
const BIG_COUNT = 0xffff;

/** A region's pointer-word marks, from the field list of its object. */
function fieldMarks(fields: readonly number[], size: number): Uint32Array {
  const marks = new Uint32Array((size >> 2) + 1);
  for (const off of fields) if (off < size) marks[off >> 2] = 1;
  return marks;
}

/** A type as the walk sees it, through its typedefs (see Walk.resolve). */
interface Resolved {
  t: DType;
  /** An interface value (runtime.eface or iface), whatever its DWARF tag. */
  iface: boolean;
  /** The element type, when a typedef says this is a channel. */
  chanElem: number | undefined;
  /** A struct's members that hold pointers (a channel's buf left out: chanBuffer reads it), each with its type resolved once walked. */
  members: { name: string; offset: number; type: number; res: Resolved | null | undefined }[];
  /** The runtime containers walkContainer reads by layout; 'plain' for the rest. */
  shape: 'plain' | 'slice' | 'string' | 'hash' | 'map' | 'table' | 'pool';
  /** What walking a value of this type does, flattened (see Walk.stepsOf). */
  steps: Step[] | undefined;
}

/** Step ops: a pointer typing its target by the target's own name. */
const OP_POINTER = 0;
/** A func value: a pointer to its closure. */
const OP_CLOSURE = 1;
/** A pointer to a channel (hchan) and, through it, its buffer. */
const OP_CHAN = 2;
/** An interface value. */
const OP_INTERFACE = 3;
/** A runtime container read by its layout: slice, string, map header, swiss table. */
const OP_CONTAINER = 4;
/** An array too long to unroll: `arg` elements of `size` bytes, each walked by `steps`. */
const OP_ARRAY = 5;
/**
 * A pointer to an internal/sync.node of a HashTrieMap (sync.Map, Go >= 1.24): the header of
 * either an indirect (`type`) or an entry (`arg`), told apart by the object's size.
 */
const OP_TRIE_NODE = 6;
/** Arrays whose steps would number more than this are walked by a loop, not unrolled. */
const UNROLL_STEPS = 64;

/**
 * One thing the walk does at one place in a value. A type's steps are its nested structs and
 * short arrays flattened, in the order a recursive walk would take them: walking a value is a
 * loop, not a descent through its members (17 million objects walked in the 1 GB dump).
 */
interface Step {
  op: number;
  /** From the value's start. */
  offset: number;
  /** What the step types: a pointer's target, a func type; OP_INTERFACE and OP_CONTAINER: the value's own type. */
  type: number;
  /** OP_CHAN: the channel's element type; OP_ARRAY: the element count. */
  arg: number;
  /** OP_INTERFACE and OP_CONTAINER: the value's type, resolved. */
  res: Resolved | null;
  /** OP_ARRAY: the element's steps, every `size` bytes. */
  steps: Step[] | null;
  size: number;
  /** OP_POINTER: the label of the target type's name, once used (else -1). */
  label: number;
}

function step(op: number, offset: number, type: number, arg = 0, res: Resolved | null = null): Step {
  return { op, offset, type, arg, res, steps: null, size: 0, label: -1 };
}

export interface DwarfTypingOptions {
  /** Start from the Go >= 1.22 type words too (off to measure the walk against them). */
  seedTypeWords: boolean;
}

export function typeHeapFromDwarf(heap: HeapView, program: GoProgram, options: DwarfTypingOptions = { seedTypeWords: true }): DwarfTyping | undefined {
  const dwarf = program.dwarf();
  if (!dwarf) return undefined;
  let types: Map<number, DType>;
  try {
    types = dwarf.types();
  } catch (e) {
    program.dwarfProblem = `its DWARF cannot be read: ${(e as Error).message}`;
    return undefined;
  }
  return new Walk(heap, program, new TypeView(types, program), options).run();
}

const cache = new WeakMap<HeapView, { program: GoProgram; typing: DwarfTyping | undefined }>();

/** What a snapshot keeps of a typing: all but the type view, which the program rebuilds. */
export type SavedDwarfTyping = Omit<DwarfTyping, 'view'>;

/**
 * Uses a typing that a snapshot kept for this heap and its attached program (no walk). Its
 * type view is read from the program's DWARF on first use.
 */
export function restoreDwarfTyping(heap: HeapView, saved: SavedDwarfTyping): void {
  const program = heap.program;
  if (!program || saved.labelOf.length !== heap.objectCount || saved.typeIds.length !== heap.objectCount) {
    throw new Error('the snapshot\'s typing does not fit this heap and program');
  }
  let view: TypeView | undefined;
  const typing: DwarfTyping = {
    ...saved,
    get view() {
      return (view ??= new TypeView((program.dwarf() as Dwarf).types(), program));
    },
  };
  cache.set(heap, { program, typing });
}

/** The DWARF type of object i's value(s) (a .debug_info offset), or -1. */
export function dwarfTypeOf(typing: DwarfTyping, i: number): number {
  const id = idAt(typing.typeIds, i);
  return id < 0 ? -1 : typing.typeTable[id];
}

/** Per-object DWARF types (-1: none) as ids into a table of the distinct ones. */
function typeIdsOf(typeOf: Int32Array): { ids: Ids; table: Int32Array } {
  const idOf = new Map<number, number>();
  const ids = new Int32Array(typeOf.length);
  // Neighbouring objects mostly share a type: one lookup per change.
  let last = -1;
  let lastId = -1;
  for (let i = 0; i < typeOf.length; i++) {
    const t = typeOf[i];
    if (t !== last) {
      last = t;
      lastId = t < 0 ? -1 : idOf.get(t) ?? -1;
      if (t >= 0 && lastId < 0) idOf.set(t, (lastId = idOf.size));
    }
    ids[i] = lastId;
  }
  return { ids: compactIds(ids, idOf.size), table: Int32Array.from(idOf.keys()) };
}

/** The typing of the heap with its attached program (computed once per program). */
export function dwarfTypingOf(heap: HeapView): DwarfTyping | undefined {
  const program = heap.program;
  if (!program) return undefined;
  let c = cache.get(heap);
  if (!c || c.program !== program) {
    c = { program, typing: typeHeapFromDwarf(heap, program) };
    cache.set(heap, c);
  }
  return c.typing;
}

class Walk {
  private readonly n: number;
  private readonly labelOf: Int32Array;
  private readonly typeOf: Int32Array;
  private readonly valueOffset: Uint8Array;
  private readonly labels: string[] = [];
  private readonly labelIds = new Map<string, number>();
  /** Objects typed and not yet walked (their type, count and offset in typeOf, counts, valueOffset). */
  private readonly pending: Uint8Array;
  private readonly pending32: Uint32Array;
  private pendingCount = 0;
  /**
   * Element counts other than 1 (arrays, a slice's capacity), by object: millions of backing
   * arrays, so in two bytes each (0: one value), and the big ones in a map (a Map of millions of
   * entries cost a third of the walk).
   */
  private readonly smallCounts: Uint16Array;
  private readonly counts = new Map<number, number>();
  /**
   * The object being walked (reused: one object at a time). Its marks carry a new stamp for
   * each object, so the last object's need no clearing.
   */
  private readonly current: Region & { marks: Uint32Array } = { view: new DataView(new ArrayBuffer(0)), base: 0, size: 0, marks: new Uint32Array(1024), stamp: 1 };
  private readonly itabType = new Map<number, number>();
  private readonly types: Map<number, DType>;
  private readonly byRuntimeType: Map<number, number>;
  private readonly staticSeen = new Set<string>();
  private readonly segments: { addr: number; size: number; region: Region }[];
  /** Where the segments lie, [lo, hi): most words are heap pointers, outside. */
  private readonly segmentsLo: number;
  private readonly segmentsHi: number;
  private readonly little: boolean;
  /** Type words of the runtime's generic map internals, seeded after everything else (see seedFromDump). */
  private readonly genericSeeds: number[] = [];
  /** Closures labelled but not yet read (see openClosures). */
  private readonly pendingClosures: number[] = [];
  private capturedVars: Map<string, CapturedVar[]> | undefined;

  constructor(private readonly heap: HeapView, private readonly program: GoProgram, private readonly tv: TypeView, private readonly options: DwarfTypingOptions) {
    this.n = heap.objectCount;
    this.labelOf = new Int32Array(this.n).fill(-1);
    this.typeOf = new Int32Array(this.n).fill(-1);
    this.valueOffset = new Uint8Array(this.n);
    this.smallCounts = new Uint16Array(this.n);
    // Four flags a word, read as one to skip runs of objects with nothing to do.
    this.pending = new Uint8Array((this.n + 3) & ~3);
    this.pending32 = new Uint32Array(this.pending.buffer);
    this.little = !heap.model.params.bigEndian;
    this.types = tv.types;
    this.byRuntimeType = tv.byRuntimeType;
    for (const it of heap.model.itabs) this.itabType.set(it.addr, it.type);
    const segs = [...heap.model.data, ...heap.model.bss];
    this.segmentsLo = Math.min(...segs.map((g) => g.addr));
    this.segmentsHi = Math.max(...segs.map((g) => g.addr + g.size));
    this.segments = segs.map((s) => {
      const bytes = readAt(heap.source, s.contentsOffset, s.size);
      return { addr: s.addr, size: s.size, region: { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), base: 0, size: bytes.byteLength, stamp: 0 } };
    });
  }

  run(): DwarfTyping {
    const globals = this.program.typedGlobals();
    let typedGlobals = 0;
    for (const g of globals) {
      const seg = this.segmentAt(g.addr);
      if (!seg) continue;
      typedGlobals++;
      this.walk(seg.region, g.addr - seg.addr, g.type);
    }
    this.seedFromDump();
    const offsets = new ContentsOffsets(this.heap.model, this.heap.source);
    let scanned = false;
    let framesSeeded = false;
    for (;;) {
      this.drain(offsets);
      // Closures reached: their function's name, and the walk goes on into what they captured.
      this.openClosures(offsets);
      // Then the goroutines' locals and arguments: after the walk from globals and the dump's
      // own type evidence, whose names are often more precise (a runtime.sudog local is the
      // sudog<*main.Message> of a channel's wait queue).
      if (this.pendingCount === 0 && !framesSeeded) {
        framesSeeded = true;
        this.seedFromFrames();
      }
      // Then interface values in objects the walk did not reach (objects only stacks hold): a
      // word that is one of the program's type descriptors (or itabs) followed by a pointer
      // field. Each one found starts the walk again from there.
      if (this.pendingCount === 0 && !scanned) {
        scanned = true;
        this.scanForInterfaces(offsets);
      }
      // Last, the map internals no map header reached, as their type words say.
      if (this.pendingCount === 0) {
        for (const k of this.genericSeeds.splice(0)) this.seedTypeWord(k, this.byRuntimeType.get(this.heap.model.objects.typeWordAddr[k]) as number);
      }
      if (this.pendingCount === 0) break;
    }
    // Kept for the life of the dump: in two bytes an object where the ids fit.
    const { ids, table } = typeIdsOf(this.typeOf);
    return { labelOf: compactIds(this.labelOf, this.labels.length), labels: this.labels, typeIds: ids, typeTable: table, valueOffset: this.valueOffset, view: this.tv, typedGlobals };
  }

  /**
   * The walk: sweeps over the file, forward then backward, each walking the objects typed and
   * not yet walked in file order. What a sweep types ahead of it, it walks in the same sweep;
   * what it types behind it waits for the next (in the other direction). Each sweep reads the
   * file at most once, however deep the object graph.
   */
  private drain(offsets: ContentsOffsets): void {
    for (let forward = true; this.pendingCount > 0; forward = !forward) this.sweep(offsets, forward);
  }

  private sweep(offsets: ContentsOffsets, forward: boolean): void {
    const window = new RecordWindow(this.heap.model, this.heap.source, offsets, forward);
    const r = this.current;
    const n = this.n;
    const pending32 = this.pending32;
    let lastType = -2;
    let steps: Step[] | null = null;
    let es = 0;
    for (let k = 0; k < n && this.pendingCount > 0; k++) {
      const object = forward ? k : n - 1 - k;
      if ((object & 3) === (forward ? 0 : 3) && pending32[object >> 2] === 0) {
        // Past the whole run of words with nothing pending (the loop's k++ steps onto the next).
        let w = object >> 2;
        if (forward) {
          while (w + 1 < pending32.length && pending32[w + 1] === 0) w++;
          k = 4 * w + 3;
        } else {
          while (w > 0 && pending32[w - 1] === 0) w--;
          k = n - 4 * w - 1;
        }
        continue;
      }
      if (this.pending[object] === 0) continue;
      this.pending[object] = 0;
      this.pendingCount--;
      const type = this.typeOf[object];
      // Neighbouring objects mostly share a type (a span holds one size class): look it up once.
      if (type !== lastType) {
        lastType = type;
        const res = this.resolve(type);
        steps = res && this.stepsOf(res);
        es = this.tv.sizeOf(type);
      }
      if (!steps) continue;
      window.load(object);
      const fields = window.fields;
      const size = this.heap.size(object);
      if (r.marks.length <= size >> 2) r.marks = new Uint32Array((size >> 2) * 2 + 1);
      if (r.stamp === 0xffffffff) {
        r.marks.fill(0);
        r.stamp = 0;
      }
      const stamp = ++r.stamp;
      for (let f = 0; f < fields.length; f++) if (fields[f] < size) r.marks[fields[f] >> 2] = stamp;
      r.view = window.view;
      r.base = window.base;
      r.size = size;
      const small = this.smallCounts[object];
      const count = small === 0 ? 1 : small === BIG_COUNT ? this.counts.get(object) ?? 1 : small;
      const offset = this.valueOffset[object];
      for (let c = 0; c < count; c++) {
        const at = offset + c * es;
        if (at + es > size || (es === 0 && c > 0)) break;
        this.walkSteps(r, at, steps);
      }
    }
  }

  /** Reads the unlabelled objects with pointers for interface values; whether any was found. */
  private scanForInterfaces(offsets: ContentsOffsets): boolean {
    const md = this.program.module;
    if (!md) return false;
    const lo = md.types + this.program.slide;
    const hi = md.etypes + this.program.slide;
    const { layoutHash } = this.heap.model.objects;
    const idle: number[] = [];
    for (let i = 0; i < this.n; i++) if (this.labelOf[i] < 0 && layoutHash[i] !== 0) idle.push(i);
    const before = this.pendingCount;
    readObjectsInOrder(this.heap.model, this.heap.source, offsets, idle, (_object, bytes, fields, view, base) => {
      for (const off of fields) {
        if (off < 8 || off + 8 > bytes.length) continue;
        const w = wordAt(view, base + off - 8, 8, this.little);
        if ((w >= lo && w < hi) || this.itabType.has(w)) this.dynamic(w, wordAt(view, base + off, 8, this.little));
      }
    });
    return this.pendingCount > before;
  }

  /**
   * Closures reached since the last call: named after their function (their first word is its
   * code pointer), and, where the compiler described them (Go >= 1.23), their captured
   * variables walked as typed values.
   */
  private openClosures(offsets: ContentsOffsets): void {
    const list = this.pendingClosures.splice(0);
    if (list.length === 0) return;
    this.capturedVars ??= this.program.dwarf()?.closureVars() ?? new Map();
    readObjectsInOrder(this.heap.model, this.heap.source, offsets, list, (object, bytes, fields, view, base) => {
      if (bytes.length < 8) return;
      const fn = this.program.funcNameAt(wordAt(view, base, 8, this.little));
      if (!fn) return;
      this.labelOf[object] = this.label(`${fn} (closure)`);
      const vars = this.capturedVars?.get(fn);
      if (!vars) return;
      const region: Region = { view, base, size: bytes.length, marks: fieldMarks(fields, bytes.length), stamp: 1 };
      const size = this.heap.size(object);
      const sorted = [...vars].sort((a, b) => a.offset - b.offset);
      sorted.forEach((v, k) => {
        const vs = this.tv.sizeOf(v.type);
        const nextAt = k + 1 < sorted.length ? sorted[k + 1].offset : size;
        // Captured by value: the value itself sits there; by reference: a pointer to it.
        const byValue = v.offset + vs <= nextAt && !this.isReferenceCell(region, v.offset, v.type);
        if (byValue) this.walk(region, v.offset, v.type);
        else if (this.followable(region, v.offset)) this.pointTo(this.word(region, v.offset), v.type);
      });
    });
  }

  /**
   * Whether the pointer-typed variable at `off` of a closure was captured by reference: the
   * word then points to an 8-byte cell (the variable) rather than to the value it points to.
   */
  private isReferenceCell(r: Region, off: number, type: number): boolean {
    const target = this.tv.pointee(type);
    if (target === undefined || this.tv.sizeOf(target) <= 8) return false;
    const w = this.word(r, off);
    const o = w ? this.heap.requireGraph().index.find(w) : -1;
    return o >= 0 && this.heap.size(o) === 8 && this.heap.address(o) === w;
  }

  /** Objects whose type the dump proves: type words, interface values, finalizers. */
  private seedFromDump(): void {
    const { objects } = this.heap.model;
    // A swiss map's tables and directory carry the runtime's own types (maps.table, not
    // map[K]V's): typed from them first, they would stop the walk from the map header that
    // knows K and V, and the groups (only the header's type leads to them) stay untyped.
    const generic = new Map<number, boolean>();
    const isGeneric = (t: number) => {
      let g = generic.get(t);
      if (g === undefined) generic.set(t, (g = /^\*?internal\/runtime\/maps\.table$/.test(this.tv.nameOf(t))));
      return g;
    };
    for (let k = 0; k < (this.options.seedTypeWords ? objects.typeWordObject.length : 0); k++) {
      const t = this.byRuntimeType.get(objects.typeWordAddr[k]);
      if (t === undefined) continue;
      if (isGeneric(t)) this.genericSeeds.push(k);
      else this.seedTypeWord(k, t);
    }
    for (let k = 0; k < objects.ifaceWord.length; k++) this.dynamic(objects.ifaceWord[k], objects.ifaceData[k]);
    for (let k = 0; k < objects.frameIfaceWord.length; k++) this.dynamic(objects.frameIfaceWord[k], objects.frameIfaceData[k]);
    for (const f of [...this.heap.model.finalizers, ...this.heap.model.queuedFinalizers]) {
      const p = this.byRuntimeType.get(f.ot);
      const target = p === undefined ? undefined : this.types.get(p)?.target;
      if (target !== undefined) this.pointTo(f.obj, target);
    }
  }

  /** Object typeWordObject[k] typed by its type word, the DWARF type `t`. */
  private seedTypeWord(k: number, t: number): void {
    const { objects } = this.heap.model;
    const o = objects.typeWordObject[k];
    const es = Math.max(1, this.tv.sizeOf(t));
    const ps = this.heap.model.params.ptrSize;
    this.assign(o, t, Math.max(1, Math.floor((objectSize(objects, o) - ps) / es)), ps, this.tv.nameOf(t));
  }

  /**
   * Locals and arguments of goroutine frames, where DWARF says they live on the stack at the
   * frame's pc: walked as typed values, following only the words the frame's pointer map lists
   * (live at that pc). On amd64 a frame's contents run from its sp to its CFA (the return
   * address included), so a variable at CFA-relative offset d < 0 is at size + d of the frame;
   * d >= 0 is an argument in the caller's outgoing area, at d in the caller's frame.
   */
  private seedFromFrames(): void {
    const { model } = this.heap;
    if (model.params.arch !== 'amd64' || !this.heap.graph) return;
    let vars: Map<string, FrameVar[]> | undefined;
    try {
      vars = this.program.dwarf()?.frameVariables();
    } catch {
      return; // DWARF the reader does not follow: no frame variables, nothing else lost
    }
    if (!vars?.size) return;
    const { frames } = model;
    // The live pointer slots of each frame, from its roots.
    const roots = this.heap.graph.roots;
    const live = new Map<number, number[]>();
    for (let r = 0; r < roots.count; r++) {
      if (roots.kind[r] !== RootKind.Frame) continue;
      const f = roots.owner[r];
      let list = live.get(f);
      if (!list) live.set(f, (list = []));
      list.push(roots.offset[r]);
    }
    const regions = new Map<number, Region>();
    const region = (f: number): Region => {
      let r = regions.get(f);
      if (!r) {
        const bytes = readAt(this.heap.source, frames.contentsOffset[f], frames.size[f]);
        r = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), base: 0, size: bytes.length, marks: fieldMarks(live.get(f) ?? [], bytes.length), stamp: 1 };
        regions.set(f, r);
      }
      return r;
    };
    const slide = this.program.slide;
    for (let f = 0; f < frames.count; f++) {
      const list = vars.get(model.strings.get(frames.name[f]));
      if (!list) continue;
      // The frame's pc is the return address of its call but for the innermost frame.
      const pc = frames.pc[f] - slide - (frames.depth[f] === 0 ? 0 : 1);
      const size = frames.size[f];
      const caller = f + 1 < frames.count && frames.goroutine[f + 1] === frames.goroutine[f] && frames.sp[f + 1] === frames.sp[f] + size ? f + 1 : -1;
      for (const v of list) {
        const d = v.always ?? v.ranges.find((x) => pc >= x.lo && pc < x.hi)?.cfaOffset;
        if (d === undefined) continue;
        const [owner, at] = d < 0 ? [f, size + d] : [caller, d];
        if (owner < 0 || at < 0) continue;
        const r = region(owner);
        if (at + Math.max(1, this.tv.sizeOf(v.type)) <= r.size) this.walk(r, at, v.type);
      }
    }
  }

  /**
   * An interface value found by the decoder or a scan: its type (or itab) word and its data
   * word, used only where the object can hold the value (the type word may be stale).
   */
  private dynamic(word: number, data: number): void {
    const rt = this.itabType.get(word) ?? word;
    const t = this.byRuntimeType.get(rt);
    if (t === undefined) return;
    const o = this.heap.objectStartingAt(data);
    if (o >= 0 && !holdsInterfaceValue(this.heap, o, rt, undefined)) return;
    const u = this.tv.underlying(t);
    if (u?.tag === TAG.subroutine) this.pointTo(data, t, 1, CLOSURE);
    else if (this.tv.pointerShaped(t)) {
      if (u?.tag === TAG.pointer && u.target !== undefined) this.pointTo(data, u.target);
    } else {
      this.pointTo(data, t);
    }
  }

  private segmentAt(addr: number) {
    if (addr < this.segmentsLo || addr >= this.segmentsHi) return undefined;
    return this.segments.find((s) => addr >= s.addr && addr < s.addr + s.size);
  }

  private word(r: Region, off: number): number {
    if (off < 0 || off + 8 > r.size) return 0;
    return wordAt(r.view, r.base + off, 8, this.little);
  }

  /** Whether the word at off may be followed: the GC would (objects), or it is a global's. */
  private followable(r: Region, off: number): boolean {
    return !r.marks || ((off & 3) === 0 && r.marks[off >> 2] === r.stamp);
  }

  private label(name: string): number {
    let id = this.labelIds.get(name);
    if (id === undefined) {
      id = this.labels.push(name) - 1;
      this.labelIds.set(name, id);
    }
    return id;
  }

  private assign(object: number, type: number, count: number, offset: number, name: string): void {
    if (this.labelOf[object] >= 0) return;
    if (name === CLOSURE) this.pendingClosures.push(object);
    this.assignLabel(object, type, count, offset, this.label(name));
  }

  private assignLabel(object: number, type: number, count: number, offset: number, label: number): void {
    this.labelOf[object] = label;
    this.typeOf[object] = type;
    this.valueOffset[object] = offset;
    if (count !== 1) {
      if (count < BIG_COUNT) this.smallCounts[object] = count;
      else {
        this.smallCounts[object] = BIG_COUNT;
        this.counts.set(object, count);
      }
    }
    this.pending[object] = 1;
    this.pendingCount++;
  }

  /** A pointer to a value of `type` (count of them for arrays): types the object it starts. `via`: the step it is, which keeps the type's label. */
  private pointTo(w: number, type: number, count = 1, name?: string, via?: Step): void {
    if (w === 0 || count <= 0) return;
    const seg = this.segmentAt(w);
    if (seg) {
      // A static value (a `&T{...}` the linker allocated): walk it where it is.
      const key = `${w}:${type}`;
      if (this.staticSeen.has(key)) return;
      this.staticSeen.add(key);
      const es = this.tv.sizeOf(type);
      for (let k = 0; k < Math.min(count, 1 << 16); k++) this.walk(seg.region, w - seg.addr + k * es, type);
      return;
    }
    const { params, objects } = this.heap.model;
    if (w < params.heapStart || w >= params.heapEnd) return;
    const index = this.heap.requireGraph().index;
    const o = index.find(w);
    if (o < 0 || this.labelOf[o] >= 0) return; // typed already
    const offset = index.foundOffset;
    if (offset !== 0 && !(offset === params.ptrSize && this.heap.hasMallocHeader(o))) {
      // The tiny allocator packs small values without pointers into shared 16-byte blocks.
      if (count === 1 && this.heap.size(o) === TINY_BLOCK && objects.layoutHash[o] === 0 && !this.tv.hasPointers(type) && this.tv.sizeOf(type) < TINY_BLOCK) {
        this.labelOf[o] = this.label(`${name ?? this.tv.nameOf(type)} (tiny allocation block)`);
      }
      return;
    }
    if (name === undefined && count === 1) this.assignLabel(o, type, 1, offset, via ? (via.label >= 0 ? via.label : (via.label = this.typeLabel(type))) : this.typeLabel(type));
    else this.assign(o, type, count, offset, name ?? (count > 1 ? `[${count}]${this.tv.nameOf(type)}` : this.tv.nameOf(type)));
  }

  private readonly typeLabels = new Map<number, number>();
  private readonly backingNames = new Map<number, string>();

  /** "[]T (backing array)", once per element type: built for every slice walked. */
  private backingName(elem: number): string {
    let name = this.backingNames.get(elem);
    if (name === undefined) this.backingNames.set(elem, (name = `[]${this.tv.nameOf(elem)} (backing array)`));
    return name;
  }

  /** The label of a type's own name, remembered: millions of objects, a few thousand types. */
  private typeLabel(type: number): number {
    let id = this.typeLabels.get(type);
    if (id === undefined) this.typeLabels.set(type, (id = this.label(this.tv.nameOf(type))));
    return id;
  }

  private readonly resolved = new Map<number, Resolved | null>();

  /** A type through its typedefs, once per type: what the walk needs to know of it. */
  private resolve(typeOff: number): Resolved | null {
    let res = this.resolved.get(typeOff);
    if (res !== undefined) return res;
    let t = this.types.get(typeOff);
    // Go's DWARF names an interface type by a typedef (its kind) of runtime.eface or iface.
    let iface = false;
    let chanElem: number | undefined;
    for (let guard = 0; t && t.tag === TAG.typedef && guard < 32; guard++) {
      if (t.kind === KIND_CHAN) chanElem = t.goElem;
      if (t.kind === KIND_INTERFACE) iface = true;
      t = t.target === undefined ? undefined : this.types.get(t.target);
    }
    res = !t || !this.tv.hasPointers(t.off) ? null : {
      t,
      // sync.eface: how a sync.Pool's shared queues hold the values put in it (type, data).
      iface: iface || t.kind === KIND_INTERFACE || t.name === 'sync.eface',
      chanElem,
      members: t.tag === TAG.struct ? (t.members ?? []).filter((m) => this.tv.hasPointers(m.type) && !(t?.name.startsWith('hchan<') && m.name === 'buf'))
        .map((m) => ({ ...m, res: undefined })) : [],
      steps: undefined,
      shape: t.tag !== TAG.struct ? 'plain' : t.kind === KIND_SLICE ? 'slice' : t.kind === KIND_STRING ? 'string'
        : t.name.startsWith('hash<') ? 'hash' : t.name.startsWith('map<') ? 'map' : t.name.startsWith('table<') ? 'table'
          : t.name === 'sync.Pool' ? 'pool' : 'plain',
    };
    this.resolved.set(typeOff, res);
    return res;
  }

  private walk(r: Region, off: number, typeOff: number): void {
    const res = this.resolve(typeOff);
    if (res) this.walkSteps(r, off, this.stepsOf(res));
  }

  /** A type's steps, flattened once (see Step). */
  private stepsOf(res: Resolved): Step[] {
    return (res.steps ??= this.flatten(res, 0, []));
  }

  private flatten(res: Resolved, at: number, out: Step[]): Step[] {
    const t = res.t;
    if (res.iface) {
      out.push(step(OP_INTERFACE, at, t.off, 0, res));
      return out;
    }
    switch (t.tag) {
      case TAG.pointer: {
        const target = t.target === undefined ? undefined : this.types.get(t.target);
        if (!target || t.target === undefined) break;
        if (target.tag === TAG.subroutine || t.kind === KIND_FUNC) out.push(step(OP_CLOSURE, at, t.target));
        else if (res.chanElem !== undefined && target.name.startsWith('hchan<')) out.push(step(OP_CHAN, at, t.target, res.chanElem));
        else out.push(step(OP_POINTER, at, t.target));
        break;
      }
      case TAG.subroutine:
        // A func value, typed by its runtime type (a type word or an interface): a pointer to
        // the closure.
        out.push(step(OP_CLOSURE, at, t.off));
        break;
      case TAG.array: {
        const elem = t.target === undefined ? null : this.resolve(t.target);
        const count = t.count ?? 0;
        if (!elem || t.target === undefined || count <= 0) break;
        const es = this.tv.sizeOf(t.target);
        const steps = this.stepsOf(elem);
        if (steps.length * count <= UNROLL_STEPS) {
          for (let k = 0; k < count; k++) for (const e of steps) out.push({ ...e, offset: at + k * es + e.offset });
        } else {
          out.push({ ...step(OP_ARRAY, at, t.target, count), steps, size: es });
        }
        break;
      }
      case TAG.struct:
        if (res.shape !== 'plain') {
          out.push(step(OP_CONTAINER, at, t.off, 0, res));
          // A pool's other members (its New func) are walked as any struct's.
          if (res.shape !== 'pool') break;
        }
        if (t.name.startsWith('sync/atomic.Pointer[')) {
          // v is an unsafe.Pointer to the T that the zero-length `_ [0]*T` names.
          const v = t.members?.find((m) => m.name === 'v');
          const elem = t.members?.find((m) => m.name === '_' && this.types.get(m.type)?.tag === TAG.array)?.type;
          const target = this.tv.pointee(elem === undefined ? undefined : this.types.get(elem)?.target);
          if (!v || target === undefined) break;
          const name = this.types.get(target)?.name ?? '';
          const indirect = name.startsWith('internal/sync.node[') ? this.tv.named(name.replace('node[', 'indirect[')) : undefined;
          const entry = name.startsWith('internal/sync.node[') ? this.tv.named(name.replace('node[', 'entry[')) : undefined;
          if (indirect !== undefined && entry !== undefined) out.push(step(OP_TRIE_NODE, at + v.offset, indirect, entry));
          else out.push(step(OP_POINTER, at + v.offset, target));
          break;
        }
        for (const m of res.members) {
          const mr = m.res === undefined ? (m.res = this.resolve(m.type)) : m.res;
          if (mr) this.flatten(mr, at + m.offset, out);
        }
        break;
    }
    return out;
  }

  private walkSteps(r: Region, off: number, steps: Step[]): void {
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i];
      const at = off + s.offset;
      switch (s.op) {
        case OP_POINTER:
          if (this.followable(r, at)) this.pointTo(this.word(r, at), s.type, 1, undefined, s);
          break;
        case OP_CLOSURE:
          if (this.followable(r, at)) this.pointTo(this.word(r, at), s.type, 1, CLOSURE);
          break;
        case OP_CHAN:
          if (this.followable(r, at)) {
            this.pointTo(this.word(r, at), s.type, 1);
            this.chanBuffer(this.word(r, at), s.arg);
          }
          break;
        case OP_INTERFACE:
          this.walkInterface(r, at, (s.res as Resolved).t);
          break;
        case OP_CONTAINER:
          this.walkContainer(r, at, s.res as Resolved);
          break;
        case OP_ARRAY:
          for (let k = 0; k < s.arg; k++) this.walkSteps(r, at + k * s.size, s.steps as Step[]);
          break;
        case OP_TRIE_NODE:
          if (this.followable(r, at)) {
            const w = this.word(r, at);
            const o = w ? this.heap.requireGraph().index.find(w) : -1;
            if (o >= 0) this.pointTo(w, this.heap.size(o) >= this.tv.sizeOf(s.type) ? s.type : s.arg);
          }
          break;
      }
    }
  }

  /** A slice, string, map header, swiss table or sync.Pool, read by its layout. */
  private walkContainer(r: Region, off: number, res: Resolved): void {
    const t = res.t;
    const member = (name: string) => t.members?.find((m) => m.name === name);
    if (res.shape === 'pool') {
      // local and victim are unsafe.Pointers to [localSize]poolLocal and [victimSize]poolLocal:
      // per-P caches whose values (interfaces, and queues of sync.eface) are what the pool holds.
      const local = this.tv.named('sync.poolLocal');
      for (const [array, size] of [['local', 'localSize'], ['victim', 'victimSize']]) {
        const a = member(array);
        const n = member(size);
        if (local === undefined || !a || !n || !this.followable(r, off + a.offset)) continue;
        const count = this.word(r, off + n.offset);
        if (count > 0 && count <= 1 << 16) this.pointTo(this.word(r, off + a.offset), local, count);
      }
      return;
    }
    if (t.kind === KIND_SLICE) {
      const cap = this.word(r, off + 16);
      if (t.goElem !== undefined && this.followable(r, off)) this.pointTo(this.word(r, off), t.goElem, cap, this.backingName(t.goElem));
      return;
    }
    if (t.kind === KIND_STRING) {
      const p = this.word(r, off);
      if (p && this.followable(r, off)) this.labelBytes(p, 'string data');
      return;
    }
    if (t.name.startsWith('hash<')) {
      // Go < 1.24 map header: 2^B buckets, and 2^(B-1) old ones while growing. makeBucketArray
      // allocates overflow buckets after them in the same array (hmap.extra.nextOverflow points
      // there): every bucket the array holds is walked, not only the first 2^B.
      const bucket = this.tv.pointee(member('buckets')?.type);
      const b = r.size > off + 9 ? r.view.getUint8(r.base + off + 9) : 0;
      if (bucket !== undefined && b < 32) {
        if (this.followable(r, off + 16)) this.pointTo(this.word(r, off + 16), bucket, ALL_ELEMENTS, this.tv.nameOf(bucket));
        if (b > 0 && this.followable(r, off + 24)) this.pointTo(this.word(r, off + 24), bucket, ALL_ELEMENTS, this.tv.nameOf(bucket));
      }
      return;
    }
    if (t.name.startsWith('map<')) {
      // Swiss map (Go >= 1.24): dirLen tables, or one group for a small map (dirLen 0).
      const dir = member('dirPtr');
      const tablePtr = this.tv.pointee(dir?.type);
      const dirLen = this.word(r, off + (member('dirLen')?.offset ?? 24));
      const at = off + (dir?.offset ?? 16);
      if (tablePtr === undefined || !this.followable(r, at)) return;
      if (dirLen === 0) {
        const group = this.groupOfTable(this.tv.pointee(tablePtr));
        if (group !== undefined) this.pointTo(this.word(r, at), group, 1, this.tv.nameOf(group));
      } else if (dirLen < 1 << 24) {
        this.pointTo(this.word(r, at), tablePtr, dirLen, `${this.tv.mapName(t.name)} (directory)`);
      }
      return;
    }
    if (t.name.startsWith('table<')) {
      const groups = member('groups');
      const group = this.groupOfTable(t.off);
      if (!groups || group === undefined || !this.followable(r, off + groups.offset)) return;
      const mask = this.word(r, off + groups.offset + 8);
      if (mask < 1 << 24) this.pointTo(this.word(r, off + groups.offset), group, mask + 1, this.tv.nameOf(group));
      return;
    }
  }

  /**
   * An interface value (runtime.iface: itab, data; runtime.eface: type, data): its dynamic
   * type from the type word, then the data word as that type holds it: the value itself for
   * pointer-shaped types, a pointer to a boxed copy otherwise.
   */
  private walkInterface(r: Region, off: number, t: DType): void {
    const first = t.members?.[0]?.name;
    const w0 = this.word(r, off);
    if (!w0 || !this.followable(r, off + 8)) return;
    const dyn = this.byRuntimeType.get(first === 'tab' ? this.itabTypeAt(w0) ?? 0 : w0);
    if (dyn === undefined) return;
    if (this.tv.pointerShaped(dyn)) this.walk(r, off + 8, dyn);
    else this.pointTo(this.word(r, off + 8), dyn);
  }

  /** The separately allocated buffer of a channel (elements with pointers): dataqsiz slots. */
  private chanBuffer(hchan: number, elem: number): void {
    const o = hchan ? this.heap.requireGraph().index.find(hchan) : -1;
    if (o < 0 || this.heap.address(o) !== hchan) return;
    const rec = readObjectRecord(this.heap.model, this.heap.source, o);
    const bytes = readAt(this.heap.source, rec.contentsOffset, Math.min(rec.size, 24));
    const r: Region = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), base: 0, size: bytes.byteLength, marks: fieldMarks(rec.fields, bytes.byteLength), stamp: 1 };
    const size = this.word(r, 8);
    if (size > 0 && size < 1 << 24 && this.followable(r, 16)) this.pointTo(this.word(r, 16), elem, size, `chan ${this.tv.nameOf(elem)} (buffer)`);
  }

  /** The group type of a swiss table type: table.groups (groupReference).data's pointee. */
  private groupOfTable(table: number | undefined): number | undefined {
    const t = table === undefined ? undefined : this.types.get(table);
    const groups = t?.members?.find((m) => m.name === 'groups');
    const ref = groups && this.types.get(groups.type);
    const data = ref?.members?.find((m) => m.name === 'data');
    return this.tv.pointee(data?.type);
  }

  /**
   * Labels an object of raw bytes (string data) without walking it. Substrings point into the
   * middle of their string's bytes: any pointer into an object without pointers will do.
   */
  private labelBytes(w: number, name: string): void {
    const o = this.heap.requireGraph().index.find(w);
    if (o < 0 || this.labelOf[o] >= 0) return;
    if (this.heap.address(o) === w || this.heap.model.objects.layoutHash[o] === 0) this.labelOf[o] = this.label(name);
  }

  private itabTypeAt(itab: number): number | undefined {
    const known = this.itabType.get(itab);
    if (known !== undefined) return known;
    const b = this.program.elf.readVirtual(itab - this.program.slide + 8, 8);
    return b ? Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true)) : undefined;
  }

}

/** Questions about DWARF types the walk and the inspector share (memoized). */
export class TypeView {
  private readonly pointerMemo = new Map<number, boolean>();
  private readonly sizeMemo = new Map<number, number>();
  /** DWARF type by the runtime address of its type descriptor. */
  readonly byRuntimeType = new Map<number, number>();

  constructor(readonly types: Map<number, DType>, program: GoProgram) {
    for (const t of types.values()) {
      if (t.runtimeType === undefined) continue;
      const addr = program.runtimeTypeAddr(t.runtimeType);
      if (addr !== undefined && (!this.byRuntimeType.has(addr) || t.tag !== TAG.typedef)) this.byRuntimeType.set(addr, t.off);
    }
  }

  private byName: Map<string, number> | undefined;

  /** The type of this name (the first, if several), or undefined. */
  named(name: string): number | undefined {
    if (!this.byName) {
      this.byName = new Map();
      for (const t of this.types.values()) if (t.name && !this.byName.has(t.name)) this.byName.set(t.name, t.off);
    }
    return this.byName.get(name);
  }

  underlying(off: number): DType | undefined {
    let t = this.types.get(off);
    for (let guard = 0; t && t.tag === TAG.typedef && guard < 32; guard++) t = t.target === undefined ? undefined : this.types.get(t.target);
    return t;
  }

  /** The target of a pointer type (through typedefs). */
  pointee(off: number | undefined): number | undefined {
    const t = off === undefined ? undefined : this.underlying(off);
    return t?.tag === TAG.pointer ? t.target : undefined;
  }

  /** Values an interface holds in its data word itself (Go's direct interface types). */
  pointerShaped(off: number): boolean {
    const t = this.underlying(off);
    if (!t) return false;
    if (t.tag === TAG.pointer || t.tag === TAG.subroutine) return true;
    if (t.tag === TAG.struct && t.size === 8) return this.hasPointers(t.off);
    if (t.tag === TAG.array && t.count === 1 && t.target !== undefined) return this.pointerShaped(t.target);
    return false;
  }

  sizeOf(off: number): number {
    let s = this.sizeMemo.get(off);
    if (s === undefined) {
      const t = this.underlying(off);
      s = !t ? 0 : t.tag === TAG.pointer || t.tag === TAG.subroutine ? 8 : t.tag === TAG.array ? (t.count ?? 0) * (t.target === undefined ? 0 : this.sizeOf(t.target)) : t.size;
      this.sizeMemo.set(off, s);
    }
    return s;
  }

  hasPointers(off: number): boolean {
    const memo = this.pointerMemo.get(off);
    if (memo !== undefined) return memo;
    this.pointerMemo.set(off, false); // cycles through pointers end here
    const t = this.underlying(off);
    let has = false;
    if (t?.tag === TAG.pointer || t?.tag === TAG.subroutine) has = true; // a func value points to its closure
    else if (t?.tag === TAG.struct) has = (t.members ?? []).some((m) => this.hasPointers(m.type));
    else if (t?.tag === TAG.array) has = (t.count ?? 0) > 0 && t.target !== undefined && this.hasPointers(t.target);
    this.pointerMemo.set(off, has);
    return has;
  }

  /**
   * The field at byte `offset` of a value of type `off` as a Go selector path ("cache.byID",
   * "slots[3].conn"), through structs and arrays (not pointers); undefined when none starts there.
   */
  memberPath(off: number, offset: number): string | undefined {
    let t = this.underlying(off);
    let at = offset;
    const parts: string[] = [];
    for (let guard = 0; t && at >= 0 && guard < 16; guard++) {
      if (at === 0 && parts.length > 0 && t.tag !== TAG.struct && t.tag !== TAG.array) break;
      if (t.tag === TAG.struct && !(t.kind === KIND_SLICE || t.kind === KIND_STRING || t.kind === KIND_INTERFACE)) {
        const m = [...(t.members ?? [])].reverse().find((mm) => mm.offset <= at);
        if (!m || at >= m.offset + this.sizeOf(m.type)) return undefined;
        parts.push(`.${m.name}`);
        at -= m.offset;
        t = this.underlying(m.type);
      } else if (t.tag === TAG.array && t.target !== undefined) {
        const es = this.sizeOf(t.target);
        if (es <= 0) return undefined;
        parts.push(`[${Math.floor(at / es)}]`);
        at %= es;
        t = this.underlying(t.target);
      } else break;
    }
    return at === 0 && parts.length ? parts.join('').replace(/^\./, '') : undefined;
  }

  /** How the viewer names a type: Go's name, the runtime's map and channel internals spelled out. */
  nameOf(off: number): string {
    const t = this.types.get(off);
    if (!t) return 'unknown type';
    const n = t.name;
    if (!n) return t.tag === TAG.pointer && t.target !== undefined ? `*${this.nameOf(t.target)}` : 'anonymous type';
    const inner = /^(?:hash|bucket|map|table)<(.*)>$/.exec(n);
    if (inner) return `${this.mapName(n)} (${n.startsWith('hash') || n.startsWith('map<') ? 'map header' : n.startsWith('bucket') ? 'buckets' : 'table'})`;
    const group = /^noalg\.map\.group\[(.*)$/.exec(n);
    if (group) return `map[${group[1]} (groups)`;
    const chan = /^hchan<(.*)>$/.exec(n);
    if (chan) return `chan ${chan[1]} (channel)`;
    return n;
  }

  /** "map[K]V" from a synthesized "hash<K,V>" / "map<K,V>" / "table<K,V>" name. */
  mapName(n: string): string {
    const body = n.slice(n.indexOf('<') + 1, -1);
    let depth = 0;
    for (let i = 0; i < body.length; i++) {
      const c = body[i];
      if (c === '<' || c === '[' || c === '(' || c === '{') depth++;
      else if (c === '>' || c === ']' || c === ')' || c === '}') depth--;
      else if (c === ',' && depth === 0) return `map[${body.slice(0, i)}]${body.slice(i + 1)}`;
    }
    return `map<${body}>`;
  }
}
