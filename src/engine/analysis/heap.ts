/**
 * Layer analysis/: the queries and their answers. It owns the analysed Heap (this file: the
 * model, graph, dominators and type namer of one dump, phase by phase) and every query on it:
 * objects, fields, types, roots, goroutines, triage, allocation sites, overview, summary,
 * diff, pprof. It may import every layer below (typing/, program/, graph/, format/, util/) and
 * ../api; only ../service.ts and the front ends import it.
 *
 * An analysed heap dump: the decoded model, then (phase by phase) the object graph and the
 * dominator tree, plus the lookups that the queries share. The phases run one at a time so
 * a caller (the worker) can answer queries and report progress between them.
 */
import { ObjectRow, RootRef, SourceFrame } from '../api';
export { PHASE_TITLES, type Phase } from '../api';
import { ByteSource, readAt } from '../util/byteSource';
import { wordAt } from '../format/reader';
import { DecodeOptions, decodeDump } from '../format/decoder';
import { Dominators, computeDominators, dominatorChildren } from '../graph/dominators';
import { FINALIZER_REFERENT, HeapGraph, buildGraph, markReachable } from '../graph/graph';
import { TYPE_WORD_MAX_SIZE, TYPE_WORD_MIN_SIZE, hasAllocationHeaders } from '../format/format';
import { BinaryMatch, GoProgram } from '../program/goProgram';
import { DumpModel, ROOT_KIND_NAMES, RootKind, objectAddress, objectSize } from '../format/model';
import { isPhantom } from '../format/phantomSlots';
import { DEFAULT_ALLOCATION_HELPERS } from '../format/userFrames';
import { firstInOrder, pageOf, sortedPermutation } from '../util/sort';
import { baseName } from '../util/units';
import { SavedGroups, inferenceNamer } from '../typing/typeInference';
import type { HeapView } from '../typing/heapView';
import { dwarfTypingOf } from '../typing/dwarfTyping';
import { TypeNamer } from '../typing/typeNames';

type ObjectOrder = 'size' | 'retained' | 'address';

/** Runtime functions whose caller's pc is the interrupted instruction, not a return address. */
const INTERRUPTING = new Set(['runtime.sigpanic', 'runtime.asyncPreempt', 'runtime.debugCallV2', 'runtime.debugCallV1']);

/** Pages of objects ending at most this far down come from a selection, not a sort. */
const FIRST_PAGE_LIMIT = 1000;

export class Heap implements HeapView {
  graph: HeapGraph | undefined;
  dominators: Dominators | undefined;
  typeNamer: TypeNamer;
  private children: [Uint32Array, Uint32Array] | undefined;
  private readonly permutations = new Map<string, Uint32Array>();
  private sampleByObject: Map<number, number> | Int32Array | undefined;
  private funcLines: Map<number, { file: number; line: number }> | undefined;
  /** Function-name prefixes of allocation helpers (see format/userFrames.ts). */
  allocationHelpers: readonly string[] = DEFAULT_ALLOCATION_HELPERS;
  /** The program binary that wrote the dump, once one matched (see attachProgram). */
  program: GoProgram | undefined;
  private staticRefs: { target: number; holder: number }[] | undefined;

  /**
   * Called when large arrays have just become garbage (after indexing, inside the dominator
   * phase): a host that can force a collection returns their memory before the next step.
   */
  reclaim: (() => void) | undefined;

  constructor(readonly source: ByteSource, readonly model: DumpModel, readonly fileName = '') {
    this.typeNamer = inferenceNamer(this);
  }

  /** Phase 1: decode the file (throws DumpError if it is not a heap dump at all). */
  static read(source: ByteSource, fileName = '', options: DecodeOptions = {}): Heap {
    return new Heap(source, decodeDump(source, options), fileName);
  }

  /** Phase 2: resolve pointers into the object graph. */
  index(): HeapGraph {
    if (!this.graph) {
      this.reclaim?.(); // what decoding left (a helper thread's part, once copied)
      this.graph = buildGraph(this.model);
      this.reclaim?.();
    }
    return this.graph;
  }

  private marks: Uint8Array | undefined;

  /**
   * Whether the dump's roots were read: a dump cut before its data and bss segments has no
   * globals, and what it would call garbage is only unknown.
   */
  get rootsRead(): boolean {
    const m = this.model;
    return !m.error || m.data.length > 0 || m.bss.length > 0;
  }

  /** Whether object i is reachable from a root (null before the graph is built, or without roots). */
  isReachable(i: number): boolean | null {
    if (!this.rootsRead) return null;
    if (this.dominators) return this.dominators.idom[i] >= 0;
    if (!this.graph) return null;
    this.marks ??= markReachable(this.graph);
    return this.marks[i] === 1;
  }

  /** Phase 3: dominator tree and retained sizes. */
  dominate(): Dominators {
    this.dominators ??= computeDominators(this.index(), { reclaim: this.reclaim });
    this.marks = undefined; // the dominator tree says the same
    this.permutations.delete('retained');
    this.topRetained = undefined;
    return this.dominators;
  }

  /**
   * Uses `program` for names, lines and types from now on, if it is the program that wrote
   * the dump; a mismatch leaves everything as it was and says why.
   */
  attachProgram(program: GoProgram): BinaryMatch {
    const m = program.match(this.model.params, this.model.data, this.model.bss);
    if (!m.ok) return m;
    program.slide = m.slide;
    this.program = program;
    this.staticRefs = undefined;
    this.callees.clear();
    this.generation++;
    this.typeNamer = inferenceNamer(this);
    return m;
  }

  /** Types objects as a snapshot kept them (see snapshot.ts), for the program attached now. */
  useSavedTypes(saved: SavedGroups): void {
    this.typeNamer = inferenceNamer(this, undefined, saved);
  }

  /** Uses another list of allocation helpers (see format/userFrames.ts) from now on. */
  setAllocationHelpers(helpers: readonly string[]): void {
    this.allocationHelpers = helpers;
    this.generation++;
    this.typeNamer = inferenceNamer(this);
  }

  /**
   * Bumped whenever what names sites and types changes (a program attached, other helpers):
   * caches built from names compare it.
   */
  generation = 0;
  private readonly callees = new Map<string, number>();

  /**
   * The function of a memory-profile frame: the runtime writes the physical function's name
   * with the file and line of the call inlined there; with the program, the inlined callee's
   * name (a string id of the model).
   */
  profileFunction(f: { func: number; file: number; line: number }): number {
    if (!this.program) return f.func;
    const key = `${f.func}:${f.file}:${f.line}`;
    let id = this.callees.get(key);
    if (id === undefined) {
      const strings = this.model.strings;
      const callee = this.program.inlinedFunctionAt(strings.get(f.func), strings.get(f.file), f.line);
      id = callee ? strings.intern(callee) : f.func;
      this.callees.set(key, id);
    }
    return id;
  }

  /**
   * Source frames at a return address of the running program (the PC of a caller's frame,
   * a goroutine's creation PC), innermost inlined call first: the line of the call is the
   * line of the instruction before. Empty without a program or for an unknown PC.
   */
  sourcesAtReturn(pc: number, exact = false): SourceFrame[] {
    if (!this.program || pc === 0) return [];
    const entry = this.program.lines.findFunc(pc - this.program.slide);
    const at = !exact && entry >= 0 && pc - this.program.slide > this.program.lines.entry(entry) ? pc - 1 : pc;
    const frames = this.program.frames(at);
    return frames.map((f, k) => ({ function: f.func, file: f.file, line: f.line, pc, inlined: k < frames.length - 1 || undefined }));
  }

  /**
   * Source frames of stack frame k, innermost first (exact with a program, else approximate).
   * Go's unwinder rule: a frame's pc is a return address (its call is at pc-1), but in a frame
   * a signal or preemption interrupted (its callee is runtime.sigpanic, asyncPreempt or
   * debugCallV2) it is the interrupted instruction itself.
   */
  frameSources(k: number): SourceFrame[] {
    const f = this.model.frames;
    const callee = f.depth[k] > 0 ? this.model.strings.get(f.name[k - 1]) : '';
    const interrupted = INTERRUPTING.has(callee);
    const exact = this.sourcesAtReturn(f.pc[k], interrupted);
    return exact.length > 0 ? exact : [{ ...this.functionLine(this.model.strings.get(this.model.frames.name[k])), pc: this.model.frames.pc[k] }];
  }

  /** The function whose code starts at or holds pc, by the program's line table. */
  functionNameAt(pc: number): string | undefined {
    return this.program?.funcNameAt(pc);
  }

  /**
   * The global variable holding address `addr` ("main.cache+0x8"), with the program's symbols.
   * Statics the linker leaves unnamed (a `&T{...}` initialiser) are named by the global
   * that points at them: "main.SessionCache -> +0x8".
   */
  globalName(addr: number): string | undefined {
    const p = this.program;
    if (!p) return undefined;
    const g = p.globalAt(addr);
    if (g && g.offset) {
      // A field of a global struct (or an element of a global array), by its name.
      const typed = p.typedGlobals().find((t) => t.name === g.name);
      const path = typed && dwarfTypingOf(this)?.view.memberPath(typed.type, g.offset);
      return path ? `${g.name}.${path}` : `${g.name}+0x${g.offset.toString(16)}`;
    }
    if (g) return g.name;
    const refs = this.staticReferences();
    let best: { target: number; holder: number } | undefined;
    for (const r of refs) if (r.target <= addr && addr - r.target < 4096 && (!best || r.target > best.target)) best = r;
    const holder = best && p.globalAt(best.holder);
    if (!best || !holder) return undefined;
    const off = addr - best.target;
    // A value the linker allocated for `var x = &T{...}`: name the field of T.
    const typed = holder.offset === 0 ? p.typedGlobals().find((t) => t.name === holder.name) : undefined;
    const view = typed && dwarfTypingOf(this)?.view;
    const pointee = view?.pointee(typed?.type);
    const path = pointee !== undefined ? view?.memberPath(pointee, off) : undefined;
    if (path) return `${holder.name}.${path}`;
    return `${holder.name} -> ${off ? `+0x${off.toString(16)}` : 'static value'}`;
  }

  /** Words of the data and bss segments that point into the data and bss segments. */
  private staticReferences(): { target: number; holder: number }[] {
    if (this.staticRefs) return this.staticRefs;
    const segs = [...this.model.data, ...this.model.bss];
    const inside = (a: number) => segs.some((s) => a >= s.addr && a < s.addr + s.size);
    const out: { target: number; holder: number }[] = [];
    const ps = this.model.params.ptrSize;
    for (const s of segs) {
      const bytes = readAt(this.source, s.contentsOffset, s.size);
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let o = 0; o + ps <= bytes.length; o += ps) {
        const w = wordAt(v, o, ps, !this.model.params.bigEndian);
        if (w !== 0 && inside(w)) out.push({ target: w, holder: s.addr + o });
      }
    }
    this.staticRefs = out;
    return out;
  }

  /** Runs every phase that has not run yet. */
  analyse(): this {
    this.index();
    this.dominate();
    return this;
  }

  get objectCount(): number {
    return this.model.objects.count;
  }

  requireGraph(): HeapGraph {
    if (!this.graph) throw new Error('the pointer index is not built yet');
    return this.graph;
  }

  requireDominators(): Dominators {
    if (!this.dominators) throw new Error('dominators are not computed yet');
    return this.dominators;
  }

  size(i: number): number {
    return objectSize(this.model.objects, i);
  }

  address(i: number): number {
    return objectAddress(this.model.objects, i);
  }

  retained(i: number): number | null {
    return this.dominators ? this.dominators.retained[i] : null;
  }

  objectRow(i: number): ObjectRow {
    const d = this.dominators;
    return {
      index: i,
      address: this.address(i),
      size: this.size(i),
      retained: d ? d.retained[i] : null,
      reachable: this.isReachable(i),
      type: this.typeOf(i),
    };
  }

  typeOf(i: number) {
    const groups = this.typeNamer.classify();
    return groups.describe(groups.groupOf[i]);
  }

  /**
   * Objects start..end-1 in the order of a key (ties by index). The first page comes from one
   * pass over the keys; pages further down sort every object once per key (cached).
   */
  objectsInOrder(key: ObjectOrder, start: number, end: number, descending: boolean): number[] {
    const p = this.permutations.get(key);
    const phantoms = this.model.objects.phantoms;
    if (!p && end <= FIRST_PAGE_LIMIT && key === 'retained' && descending) {
      // The biggest retainers: asked by every overview and first page, kept (and snapshotted).
      this.topRetained ??= Uint32Array.from(firstInOrder(this.orderKey(key), this.objectCount, FIRST_PAGE_LIMIT, true, phantoms && ((i) => isPhantom(phantoms, i))));
      return Array.from(this.topRetained.subarray(start, end));
    }
    if (!p && end <= FIRST_PAGE_LIMIT) {
      return firstInOrder(this.orderKey(key), this.objectCount, end, descending, phantoms && ((i) => isPhantom(phantoms, i))).slice(start);
    }
    return pageOf(p ?? this.permutation(key), start, end, descending);
  }

  /** The first FIRST_PAGE_LIMIT objects by retained size, biggest first (once dominators are known). */
  topRetained: Uint32Array | undefined;

  /** Every object (phantom slots left out) in the order of a key, ties by index. */
  private permutation(key: ObjectOrder): Uint32Array {
    let p = sortedPermutation(this.orderKey(key), this.objectCount);
    const phantoms = this.model.objects.phantoms;
    if (phantoms) {
      const kept = new Uint32Array(p.length - phantoms.count);
      let w = 0;
      for (let k = 0; k < p.length; k++) if (!isPhantom(phantoms, p[k])) kept[w++] = p[k];
      p = kept;
    }
    this.permutations.set(key, p);
    return p;
  }

  /** Objects, phantom slots left out (objectCount counts records, the range of object indices). */
  get realObjectCount(): number {
    return this.objectCount - (this.model.objects.phantoms?.count ?? 0);
  }

  /** reachedOnlyByStackWords' answer, once computed (or restored from a snapshot). */
  rescued: { objects: number; bytes: number } | undefined;

  /**
   * Reachable objects that only stack words outside the frames' pointer maps reach (see
   * RootKind.StackWord): what those roots turn from garbage into live. One mark from the
   * other roots, once.
   */
  reachedOnlyByStackWords(): { objects: number; bytes: number } {
    if (this.rescued) return this.rescued;
    const g = this.requireGraph();
    const idom = this.requireDominators().idom;
    const n = this.objectCount;
    const marked = new Uint8Array(n);
    const stack: number[] = [];
    let stackWords = 0;
    for (let r = 0; r < g.roots.count; r++) {
      if (g.roots.kind[r] === RootKind.StackWord) {
        stackWords++;
        continue;
      }
      const t = g.roots.target[r];
      if (!marked[t]) {
        marked[t] = 1;
        stack.push(t);
      }
    }
    if (stackWords === 0) return (this.rescued = { objects: 0, bytes: 0 });
    while (stack.length) {
      const o = stack.pop() as number;
      for (let e = g.edgeFirst[o]; e < g.edgeFirst[o + 1]; e++) {
        const t = g.edgeTarget[e];
        if (!marked[t]) {
          marked[t] = 1;
          stack.push(t);
        }
      }
    }
    let objects = 0;
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      if (idom[i] >= 0 && !marked[i]) {
        objects++;
        bytes += this.size(i);
      }
    }
    return (this.rescued = { objects, bytes });
  }

  /** Whether record i is a phantom slot, not an object (see format/phantomSlots.ts). */
  isPhantom(i: number): boolean {
    return isPhantom(this.model.objects.phantoms, i);
  }

  private orderKey(key: ObjectOrder): (i: number) => number {
    if (key === 'address') return (i) => this.address(i);
    if (key === 'size') return (i) => this.size(i);
    const retained = this.requireDominators().retained;
    return (i) => retained[i];
  }

  dominatorChildren(): [Uint32Array, Uint32Array] {
    this.children ??= dominatorChildren(this.requireDominators());
    return this.children;
  }

  /**
   * The object a Go pointer to a whole value designates, or -1: the object starting at addr,
   * or, in Go >= 1.22, the object whose malloc header (its type word) addr skips. Alloc
   * samples, finalizers and interface data words point there.
   */
  objectStartingAt(addr: number): number {
    const o = this.requireGraph().index.find(addr);
    if (o < 0) return -1;
    const start = this.address(o);
    if (addr === start) return o;
    return addr === start + this.model.params.ptrSize && this.hasMallocHeader(o) ? o : -1;
  }

  /** Whether object i starts with a Go >= 1.22 malloc header (its type word). */
  hasMallocHeader(i: number): boolean {
    if (!this.typeWords || this.model.objects.layoutHash[i] === 0) return false;
    const size = this.size(i);
    return size >= TYPE_WORD_MIN_SIZE && size <= TYPE_WORD_MAX_SIZE;
  }

  private readonly typeWords = hasAllocationHeaders(this.model.params.buildVersion);

  /** Index of the alloc sample of object i, or -1. */
  sampleOf(i: number): number {
    if (!this.sampleByObject) {
      const samples = this.model.allocSamples;
      const dense = samples.count > this.objectCount / 16;
      const map = dense ? new Int32Array(this.objectCount).fill(-1) : new Map<number, number>();
      for (let s = 0; s < samples.count; s++) {
        const o = this.objectStartingAt(samples.addr[s]);
        if (o < 0) continue;
        if (map instanceof Map) map.set(o, s);
        else map[o] = s;
      }
      this.sampleByObject = map;
    }
    const m = this.sampleByObject;
    return m instanceof Map ? m.get(i) ?? -1 : m[i];
  }

  /** The name of a root group node of the dominator tree. */
  groupLabel(group: number): string {
    const g = this.requireGraph().groups[group];
    switch (g.kind) {
      case 'goroutine': return `goroutine ${this.model.goroutines.goid[g.goroutine]}`;
      case 'data': return 'data segment (initialised globals)';
      case 'bss': return 'bss segment (zeroed globals)';
      case 'finalizers': return 'finalizers';
      case 'queuedFinalizers': return 'queued finalizers';
      case 'other': return 'other roots';
    }
  }

  /** Describes root r of the graph (kind, where it lives). */
  rootRef(r: number): RootRef {
    const g = this.requireGraph();
    const { model } = this;
    const kind = g.roots.kind[r];
    const owner = g.roots.owner[r];
    const offset = g.roots.offset[r];
    const hexOff = '+0x' + offset.toString(16);
    switch (kind) {
      case RootKind.Data:
      case RootKind.Bss: {
        const seg = (kind === RootKind.Data ? model.data : model.bss)[owner];
        const name = kind === RootKind.Data ? 'data' : 'bss';
        const global = this.globalName(seg.addr + offset);
        const where = `${name}${hexOff} (0x${(seg.addr + offset).toString(16)})`;
        return { kind: ROOT_KIND_NAMES[kind], description: global ? `${global} (${where})` : where, offset, global };
      }
      case RootKind.Frame:
      case RootKind.StackWord: {
        const f = model.frames;
        const gi = f.goroutine[owner];
        const fn = model.strings.get(f.name[owner]);
        const at = this.sourcesAtReturn(f.pc[owner]).at(-1);
        const line = at?.file ? ` (${baseName(at.file)}:${at.line})` : '';
        return {
          kind: ROOT_KIND_NAMES[kind],
          description: `goroutine ${model.goroutines.goid[gi]} frame ${f.depth[owner]} ${fn}${line} sp${hexOff}${kind === RootKind.StackWord ? ' (stack word, not in the pointer map)' : ''}`,
          goroutine: gi,
          function: fn,
          offset,
        };
      }
      case RootKind.GoroutineContext:
        return { kind: ROOT_KIND_NAMES[kind], description: `goroutine ${model.goroutines.goid[owner]} closure context`, goroutine: owner };
      case FINALIZER_REFERENT:
        return { kind: 'finalizer', description: `referenced by object 0x${model.finalizers[owner].obj.toString(16)}, which has a finalizer` };
      case RootKind.FinalizerFunc:
        return { kind: ROOT_KIND_NAMES[kind], description: `finalizer function of object 0x${model.finalizers[owner].obj.toString(16)}` };
      default:
        return { kind: ROOT_KIND_NAMES[kind] ?? 'root', description: `${ROOT_KIND_NAMES[kind] ?? 'root'} #${owner}` };
    }
  }

  /**
   * A file and line for a function, from the memory-profile frames of the same function
   * (the smallest line seen, the nearest to its declaration).
   */
  functionLine(func: string): SourceFrame {
    if (!this.funcLines) {
      const lines = new Map<number, { file: number; line: number }>();
      for (const b of this.model.memProf) {
        b.frames.forEach((f, k) => {
          // A memory-profile frame names the physical function with the file and line of the
          // call inlined there: in a run of frames of one function, only the last (outermost)
          // is at a line of the function's own file.
          if (b.frames[k + 1]?.func === f.func) return;
          const seen = lines.get(f.func);
          if (f.line > 0 && (!seen || f.line < seen.line)) lines.set(f.func, { file: f.file, line: f.line });
        });
      }
      this.funcLines = lines;
    }
    const id = this.model.strings.find(func);
    const hit = id === undefined ? undefined : this.funcLines.get(id);
    if (!hit) return { function: func };
    return { function: func, file: this.model.strings.get(hit.file), line: hit.line, approximate: true };
  }
}
