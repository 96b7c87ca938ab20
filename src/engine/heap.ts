/**
 * An analysed heap dump: the decoded model, then (phase by phase) the object graph and the
 * dominator tree, plus the lookups that the queries share. The phases run one at a time so
 * a caller (the worker) can answer queries and report progress between them.
 */
import { ObjectRow, RootRef, SourceFrame } from './api';
export { PHASE_TITLES, type Phase } from './api';
import { ByteSource } from './byteSource';
import { DecodeOptions, decodeDump } from './decoder';
import { Dominators, computeDominators, dominatorChildren } from './dominators';
import { FINALIZER_REFERENT, HeapGraph, buildGraph } from './graph';
import { TYPE_WORD_MAX_SIZE, TYPE_WORD_MIN_SIZE, hasAllocationHeaders } from './format';
import { DumpModel, ROOT_KIND_NAMES, RootKind, objectSize } from './model';
import { sortedPermutation } from './sort';
import { inferenceNamer } from './typeInference';
import { TypeNamer } from './typeNames';

export class Heap {
  graph: HeapGraph | undefined;
  dominators: Dominators | undefined;
  typeNamer: TypeNamer;
  private children: [Uint32Array, Uint32Array] | undefined;
  private readonly permutations = new Map<string, Uint32Array>();
  private sampleByObject: Map<number, number> | Int32Array | undefined;
  private funcLines: Map<number, { file: number; line: number }> | undefined;

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
      this.graph = buildGraph(this.model);
      this.reclaim?.();
    }
    return this.graph;
  }

  /** Phase 3: dominator tree and retained sizes. */
  dominate(): Dominators {
    this.dominators ??= computeDominators(this.index(), { reclaim: this.reclaim });
    this.permutations.delete('retained');
    return this.dominators;
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

  retained(i: number): number | null {
    return this.dominators ? this.dominators.retained[i] : null;
  }

  objectRow(i: number): ObjectRow {
    const d = this.dominators;
    return {
      index: i,
      address: this.model.objects.addr[i],
      size: this.size(i),
      retained: d ? d.retained[i] : null,
      reachable: d ? d.idom[i] >= 0 : null,
      type: this.typeOf(i),
    };
  }

  typeOf(i: number) {
    const groups = this.typeNamer.classify();
    return groups.describe(groups.groupOf[i]);
  }

  /** Objects ordered by a key, ascending; cached per key. */
  permutation(key: 'size' | 'retained' | 'address'): Uint32Array {
    let p = this.permutations.get(key);
    if (!p) {
      const { addr } = this.model.objects;
      const retained = key === 'retained' ? this.requireDominators().retained : undefined;
      const k = retained ? (i: number) => retained[i]
        : key === 'address' ? (i: number) => addr[i]
          : (i: number) => this.size(i);
      p = sortedPermutation(k, this.objectCount);
      this.permutations.set(key, p);
    }
    return p;
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
    const start = this.model.objects.addr[o];
    if (addr === start) return o;
    return addr === start + this.model.params.ptrSize && this.hasMallocHeader(o) ? o : -1;
  }

  /** Whether object i starts with a Go >= 1.22 malloc header (its type word). */
  hasMallocHeader(i: number): boolean {
    const { size, layoutHash } = this.model.objects;
    return this.typeWords && layoutHash[i] !== 0 && size[i] >= TYPE_WORD_MIN_SIZE && size[i] <= TYPE_WORD_MAX_SIZE;
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
        return { kind: ROOT_KIND_NAMES[kind], description: `${name}${hexOff} (0x${(seg.addr + offset).toString(16)})`, offset };
      }
      case RootKind.Frame: {
        const f = model.frames;
        const gi = f.goroutine[owner];
        const fn = model.strings.get(f.name[owner]);
        return {
          kind: ROOT_KIND_NAMES[kind],
          description: `goroutine ${model.goroutines.goid[gi]} frame ${f.depth[owner]} ${fn} sp${hexOff}`,
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
        for (const f of b.frames) {
          const seen = lines.get(f.func);
          if (f.line > 0 && (!seen || f.line < seen.line)) lines.set(f.func, { file: f.file, line: f.line });
        }
      }
      this.funcLines = lines;
    }
    const id = this.model.strings.find(func);
    const hit = id === undefined ? undefined : this.funcLines.get(id);
    if (!hit) return { function: func };
    return { function: func, file: this.model.strings.get(hit.file), line: hit.line, approximate: true };
  }
}
