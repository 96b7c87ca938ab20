/**
 * The decoded dump: every record of the file, held as structure-of-arrays typed arrays
 * (one array per field, indexed by record number in file order) so that millions of
 * objects cost a few bytes each. Object and frame contents stay in the file; the model
 * keeps where to find them.
 */
import { DumpError } from './errors';
import { MemStatsField } from './format';
import { StringTable } from '../util/strings';
import type { PhantomSlots } from './phantomSlots';

export interface DumpParams {
  bigEndian: boolean;
  ptrSize: number;
  heapStart: number;
  heapEnd: number;
  arch: string;
  buildVersion: string;
  ncpu: number;
}

/** `ObjectTable.runSize` value for an object of 4 GiB or more; its size is in `hugeSizes`. */
export const HUGE_SIZE = 0xffffffff;
/** One object in 2^CHECKPOINT_SHIFT has its record offset stored; see ObjectTable.checkpoints. */
export const CHECKPOINT_SHIFT = 6;
/** ObjectTable.contentsDelta of an object whose contents are too far from its checkpoint. */
export const CONTENTS_FAR = 0xffff;

/**
 * Objects, in file order. Their addresses and sizes are not stored per object: objects come
 * span by span, so they form runs of equal size at contiguous addresses, and object i is
 * `runOf[i]`'s `(i - runFirst[r])`th (objectAddress, objectSize). That saves 12 bytes an
 * object (a fifth of a dense dump's size) over an address and a size column.
 */
export interface ObjectTable {
  count: number;
  /** The run object i belongs to. */
  runOf: Uint32Array;
  /** Sizes of objects of 4 GiB or more (their run's size is HUGE_SIZE), by object. */
  hugeSizes: Map<number, number>;
  /**
   * File offset of the record of object checkpointObject[k], which is object k << CHECKPOINT_SHIFT
   * or, where a part of the file was decoded on another thread, up to 63 objects before it;
   * the records in between are re-read.
   */
  checkpoints: Float64Array;
  checkpointObject: Uint32Array;
  /**
   * Where object i's contents start: checkpoints[i >> CHECKPOINT_SHIFT] + contentsDelta[i], or
   * CONTENTS_FAR when that is 64 KiB or more (after a big object), found by re-reading. Read
   * by the walks that visit objects out of file order (ContentsOffsets); dropped (undefined)
   * once the heap is typed, or absent (a model from an older snapshot): then one pass over the
   * records finds them.
   */
  contentsDelta?: Uint16Array;
  /**
   * Pointer words of object i that are non-nil and inside [heapStart, heapEnd), in field order,
   * as offsets from heapStart: ptrOffsets[ptrFirst[i] .. ptrFirst[i+1]) holds their low 32 bits,
   * and ptrOffsetsHigh (only when the heap spans more than 4 GiB) the bits above. Consumed (set
   * to undefined) when the graph is built: it resolves them in place.
   */
  ptrFirst: Uint32Array | undefined;
  ptrOffsets: Uint32Array | undefined;
  ptrOffsetsHigh: Uint32Array | undefined;
  /**
   * Hash of object i's pointer layout (the offsets of its pointer fields); 0 when it has
   * none. Objects of one size and layout hash form a shape.
   */
  layoutHash: Uint32Array;
  /** Go >= 1.22: objects whose first word is their type descriptor's address, and that address. */
  typeWordObject: Uint32Array;
  typeWordAddr: Float64Array;
  /**
   * Interface-value candidates: a pointer word that points outside the heap (an itab or a type
   * descriptor, if this is an interface value) followed by a pointer word into the heap (its
   * data word), anywhere in objects, segments or frames.
   */
  ifaceWord: Float64Array;
  ifaceData: Float64Array;
  /**
   * The same candidates read from stack frames. There the data word is in the frame's pointer
   * map and the type word beside it is not (no interface's first word is), so it may be a stale
   * word left in a slot the frame no longer uses: typing trusts these only where the value fits.
   */
  frameIfaceWord: Float64Array;
  frameIfaceData: Float64Array;
  /**
   * Runs: consecutive objects of equal size at contiguous addresses (from one span). Run r
   * starts at address runStart[r] with object runFirst[r]; its objects are runSize[r] bytes
   * (their slot size, i.e. the contents length; HUGE_SIZE: see hugeSizes) and addresses are
   * exact in a double below 2^53.
   */
  runStart: Float64Array;
  runSize: Uint32Array;
  runFirst: Uint32Array;
  runCount: number;
  /**
   * Records that are not objects: the reserved tails of small-object spans that Go >= 1.22
   * writes as objects (see phantomSlots.ts). They stay in the table, so that record numbers
   * and the reference decoder's counts hold, and every view leaves them out.
   */
  phantoms: PhantomSlots | undefined;
}

/** Kinds of roots: pointer words outside the heap that keep objects alive. */
export const RootKind = {
  Data: 0,
  Bss: 1,
  Frame: 2,
  GoroutineContext: 3,
  DeferRecord: 4,
  DeferFunc: 5,
  PanicValue: 6,
  PanicRecord: 7,
  FinalizerFunc: 8,
  QueuedFinalizerObject: 9,
  QueuedFinalizerFunc: 10,
  OtherRoot: 11,
  /**
   * A word of a stack frame that the frame's pointer map does not list but that points into
   * a heap object: an address-taken local kept in a stack object (the value a goroutine is
   * blocked sending, `ch <- v`), which the collector finds through other pointers and
   * WriteHeapDump does not. Found conservatively, so kept apart from the frame's own roots.
   */
  StackWord: 12,
} as const;
export type RootKind = (typeof RootKind)[keyof typeof RootKind];

/** Roots that belong to a goroutine's stack (its frames, context, defers, panics). */
export const STACK_ROOT_KINDS: ReadonlySet<number> = new Set<number>([
  RootKind.Frame, RootKind.StackWord, RootKind.GoroutineContext, RootKind.DeferRecord, RootKind.DeferFunc, RootKind.PanicValue, RootKind.PanicRecord,
]);

export const ROOT_KIND_NAMES: readonly string[] = [
  'data segment', 'bss segment', 'stack frame', 'goroutine context', 'defer record',
  'deferred function', 'panic value', 'panic record', 'finalizer function',
  'queued finalizer object', 'queued finalizer function', 'other root',
  'stack word (not in the pointer map)',
];

/** Root words that hold a heap address (non-nil and inside [heapStart, heapEnd)). */
export interface RootTable {
  count: number;
  kind: Uint8Array;
  /** The pointer value. */
  value: Float64Array;
  /**
   * Which record holds the word: segment index (data, bss), frame index (frame), goroutine
   * index (context), defer, panic, finalizer or other-root index for the other kinds.
   */
  owner: Uint32Array;
  /** Byte offset of the word inside its segment or frame (0 for the other kinds). */
  offset: Float64Array;
}

export interface GoroutineTable {
  count: number;
  addr: Float64Array;
  sp: Float64Array;
  goid: Float64Array;
  /** PC of the go statement that created the goroutine. */
  gopc: Float64Array;
  status: Uint8Array;
  isSystem: Uint8Array;
  isBackground: Uint8Array;
  waitSince: Float64Array;
  /** String id of the wait reason. */
  waitReason: Uint32Array;
  ctxt: Float64Array;
  m: Float64Array;
  topDefer: Float64Array;
  topPanic: Float64Array;
  /** Frames of goroutine i are frames firstFrame[i] .. firstFrame[i] + frameCount[i] - 1. */
  firstFrame: Uint32Array;
  frameCount: Uint32Array;
}

export interface FrameTable {
  count: number;
  sp: Float64Array;
  depth: Uint32Array;
  childSp: Float64Array;
  /** File offset and length of the frame's contents (fp - sp bytes of stack). */
  contentsOffset: Float64Array;
  size: Uint32Array;
  entryPc: Float64Array;
  pc: Float64Array;
  continuationPc: Float64Array;
  /** String id of the function name. */
  name: Uint32Array;
  goroutine: Uint32Array;
  pointerFields: Uint32Array;
}

export interface TypeRecord {
  addr: number;
  size: number;
  name: string;
  indirect: boolean;
}

export interface ItabRecord {
  addr: number;
  type: number;
}

export interface OsThreadRecord {
  addr: number;
  id: number;
  procId: number;
}

export interface FinalizerRecord {
  obj: number;
  fn: number;
  fnPc: number;
  /** Type descriptor of the finalizer function's parameter. */
  fint: number;
  /** Type descriptor of the object's pointer type. */
  ot: number;
}

export interface SegmentRecord {
  addr: number;
  size: number;
  contentsOffset: number;
  pointerFields: number;
}

export interface DeferRecord {
  addr: number;
  g: number;
  argp: number;
  pc: number;
  fn: number;
  fnPc: number;
  link: number;
}

export interface PanicRecord {
  addr: number;
  g: number;
  argType: number;
  argData: number;
  defer: number;
  link: number;
}

export interface OtherRootRecord {
  description: string;
  addr: number;
}

export interface MemProfFrame {
  /** String ids. */
  func: number;
  file: number;
  line: number;
}

export interface MemProfBucket {
  bucket: number;
  size: number;
  frames: MemProfFrame[];
  allocs: number;
  frees: number;
}

export interface MemStats {
  fields: Record<MemStatsField, bigint>;
  /** Pause durations of recent GCs: a ring indexed by NumGC % 256. */
  pauseNs: bigint[];
  numGC: bigint;
}

export interface AllocSampleTable {
  count: number;
  addr: Float64Array;
  bucket: Float64Array;
}

/** Counters the decoder keeps while reading (pointer-word statistics of the reference decoder). */
export interface DecodeStats {
  objectPointerFields: number;
  objectsWithPointers: number;
  /** Pointer words of objects, data, bss and frames that are 0. */
  nilSlots: number;
  /** Pointer fields of data, bss and frames whose word lies inside the contents. */
  rootSlotsInBounds: number;
  /** Objects whose address is outside [heapStart, heapEnd) (pointers to them are not followed). */
  objectsOutsideHeap: number;
}

export interface DumpModel {
  fileSize: number;
  params: DumpParams;
  strings: StringTable;
  objects: ObjectTable;
  roots: RootTable;
  goroutines: GoroutineTable;
  frames: FrameTable;
  defers: DeferRecord[];
  panics: PanicRecord[];
  types: TypeRecord[];
  itabs: ItabRecord[];
  osThreads: OsThreadRecord[];
  finalizers: FinalizerRecord[];
  queuedFinalizers: FinalizerRecord[];
  data: SegmentRecord[];
  bss: SegmentRecord[];
  otherRoots: OtherRootRecord[];
  memStats: MemStats | undefined;
  memProf: MemProfBucket[];
  allocSamples: AllocSampleTable;
  /** Records of each kind, indexed by tag. */
  recordCounts: number[];
  /** Bytes taken by the records of each kind, indexed by tag. */
  recordBytes: number[];
  stats: DecodeStats;
  /**
   * Set when the file is damaged or truncated: the model then holds every record that
   * ended before the damage.
   */
  error: DumpError | undefined;
}

/** Size of object i in bytes. */
export function objectSize(objects: ObjectTable, i: number): number {
  const s = objects.runSize[objects.runOf[i]];
  return s === HUGE_SIZE ? (objects.hugeSizes.get(i) ?? s) : s;
}

/** Start address of object i. */
export function objectAddress(objects: ObjectTable, i: number): number {
  const r = objects.runOf[i];
  // A run of a huge object holds that one object only: its offset in the run is 0.
  return objects.runStart[r] + (i - objects.runFirst[r]) * objects.runSize[r];
}

/** The objects of run r, [first, end): loops over every object go run by run. */
export function runBounds(objects: ObjectTable, r: number): [first: number, end: number] {
  return [objects.runFirst[r], r + 1 < objects.runCount ? objects.runFirst[r + 1] : objects.count];
}

/** runOf for a table whose runs are known: each object's run number, filled run by run. */
export function runNumbers(objects: ObjectTable): Uint32Array {
  const runOf = new Uint32Array(objects.count);
  for (let r = 0; r < objects.runCount; r++) runOf.fill(r, ...runBounds(objects, r));
  return runOf;
}
