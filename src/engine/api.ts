/**
 * The queries a viewer asks of an analysed heap dump, and the shapes of their answers.
 *
 * This interface is the worker's API: src/protocol derives the request and response
 * messages from it, the worker serves it, the host relays it, the webview calls it.
 * Every answer is plain data (numbers, strings, arrays) that survives JSON; addresses are
 * numbers (exact: heap addresses are below 2^53); every list is one page of a longer list.
 */

/** The analysis phases, as the progress bar names them. */
export type Phase = 'reading' | 'indexing' | 'dominators';
export const PHASE_TITLES: Record<Phase, string> = {
  reading: 'Reading records',
  indexing: 'Indexing pointers',
  dominators: 'Computing dominators and retained sizes',
};

export interface Page<T> {
  /** Rows in the whole list. */
  total: number;
  /** Position of rows[0] in the whole list. */
  start: number;
  rows: T[];
}

export interface Range {
  start: number;
  end: number;
}

export type ObjectSortKey = 'retained' | 'size' | 'address';
export interface Sort<K extends string> {
  key: K;
  descending: boolean;
}

/** What is known of an object's type, and how. */
export interface TypeGuess {
  /** Display name: a type name, an allocation site, or a shape. */
  name: string;
  /**
   * exact: the Go >= 1.22 type word; itab: interface values pointing at it; finalizer: a
   * finalizer's object type; site: allocation site of a sampled object; field: referenced
   * from objects of one typed group; shape: size and pointer layout (or what the typed
   * objects of that shape are); content: a runtime layout recognised.
   */
  source: 'exact' | 'dwarf' | 'itab' | 'finalizer' | 'site' | 'field' | 'shape' | 'content';
  /** certain: the dump says so; likely: inferred and consistent; weak: a shape only. */
  confidence?: 'certain' | 'likely' | 'weak';
}

export interface ObjectRow {
  index: number;
  address: number;
  size: number;
  /** Bytes this object keeps alive (null until the dominator phase ends). */
  retained: number | null;
  /** Whether a root reaches it (null until the dominator phase ends). */
  reachable: boolean | null;
  type: TypeGuess;
}

/** Where a root lives. */
export interface RootRef {
  /** 'data segment', 'stack frame', 'finalizer', ... */
  kind: string;
  /** Human description: "bss+0x1a8", "goroutine 17 frame 2 main.worker", "finalizer 3". */
  description: string;
  /** Goroutine index for frame, context, defer and panic roots. */
  goroutine?: number;
  /** Function name of the frame for stack-frame roots. */
  function?: string;
  /** Segment or frame offset of the pointer word. */
  offset?: number;
  /** The global variable holding the word (data and bss roots, with the program binary). */
  global?: string;
}

export interface EdgeRow {
  /** The object on the other end. */
  object: ObjectRow;
  /** Byte offsets of the pointer fields (in the referencing object) that make this edge. */
  offsets: number[];
}

export interface PathStep {
  object: ObjectRow;
  /** Offset of the field in this object that points to the next step (absent on the last). */
  offset?: number;
}

/**
 * A chain of pointer fields from a root to an object. A long chain comes with its middle left
 * out: `steps` holds the first `elided.after` steps and the last ones, and pathSteps pages the
 * rest.
 */
export interface RootPath {
  root: RootRef;
  steps: PathStep[];
  /** Steps in the whole path. */
  length: number;
  elided?: { after: number; count: number };
}

export interface PathQuery {
  index: number;
  maxPaths: number;
  excludeStacks?: boolean;
  ignore?: [number, number][];
}

export interface ObjectDetail {
  row: ObjectRow;
  referenceCount: number;
  referrerCount: number;
  /** Roots that point straight at this object. */
  roots: RootRef[];
  /**
   * Immediate dominator first, up towards the top of the tree: at most the nearest 50 (null
   * before dominators); `dominatorDepth` says how many there are in all.
   */
  dominators: DominatorNodeRow[] | null;
  dominatorDepth: number | null;
  /** The allocation site when the object was sampled (MemProfileRate). */
  allocation?: { site: number; frames: SourceFrame[] };
  /** The other type candidates and why. */
  typeEvidence: TypeGuess[];
  /** Named fields, when the program's DWARF types the object (first rows only when truncated). */
  fields?: { rows: FieldRow[]; truncated: boolean };
}

/** One field of a typed object. */
export interface FieldRow {
  /** Byte offset in the object; for a map entry, the offset of the map field it belongs to. */
  offset: number;
  size: number;
  /** Path from the object: "Payload", "User.Name", "[3].ID". */
  name: string;
  type: string;
  /** The value as Go prints it (numbers, bools, a string's first bytes, len and cap), when it is readable. */
  value?: string;
  /** The object a pointer, slice, string or interface field points into. */
  target?: number;
  /** A map entry (`Notes["region"]`) or slice element (`Items[0]`), read from the map's buckets or the slice's backing array, not from this object. */
  entry?: boolean;
  /** A long string's text beyond the value's first bytes (up to 4 KB), quoted as the value is. */
  more?: string;
}

export interface ObjectContents {
  index: number;
  /** Offset of bytes[0] in the object. */
  offset: number;
  bytes: ArrayBuffer;
  /** Pointer fields within the window: their offsets, and the object each points to (-1: none). */
  pointers: { offset: number; value: number; target: number }[];
}

export type DominatorNodeKind = 'object' | 'group' | 'root';
export interface DominatorNodeRow {
  node: number;
  kind: DominatorNodeKind;
  /** The object row for object nodes. */
  object?: ObjectRow;
  /** Root group name for group nodes ("goroutine 17", "bss segment", ...). */
  label: string;
  size: number;
  retained: number;
  childCount: number;
}

/** One row of the type histogram: a group of objects that share the best known type key. */
export interface TypeRow extends TypeGuess {
  id: number;
  count: number;
  bytes: number;
  /** Bytes the group retains as a whole (null before dominators). */
  retained: number | null;
  reachableCount: number | null;
  /** Share of all object bytes. */
  share: number;
}

/** How much of the heap is typed exactly, inferred, labelled by site, or by shape only. */
export interface TypeCoverage {
  /** exact: the dump's type words; program: the program's DWARF along typed pointers. */
  category: 'exact' | 'program' | 'inferred' | 'site' | 'shape';
  objects: number;
  bytes: number;
}

export type RootListKind = 'data' | 'bss' | 'finalizers' | 'queuedFinalizers' | 'threads' | 'other';

/** A root: where it lives, what it points at. */
export interface RootEntryRow {
  label: string;
  detail: string;
  /** The object it holds, if the root holds one. */
  object?: ObjectRow;
}

export interface RootListSummary {
  kind: RootListKind;
  title: string;
  /** Entries in the list. */
  count: number;
  /** Bytes retained only through these roots (null before dominators). */
  retained: number | null;
  detail: string;
}

export interface SizeClassRow {
  size: number;
  count: number;
  bytes: number;
  reachableCount: number | null;
}

/** A frame as Go prints it: the function, and a file and line when they are known. */
export interface SourceFrame {
  function: string;
  file?: string;
  line?: number;
  /** True when the line is a line of the function (from another record), not of this PC. */
  approximate?: boolean;
  /** True for a call the compiler inlined into the frame that follows it (same stack frame). */
  inlined?: boolean;
  pc?: number;
}

export interface StackFrameRow extends SourceFrame {
  depth: number;
  entryPc: number;
  continuationPc: number;
  sp: number;
  size: number;
  pointerFields: number;
}

export interface GoroutineGroupRow {
  id: number;
  count: number;
  status: string;
  waitReason: string;
  isSystem: boolean;
  /** Frames of the stack the group shares (innermost first). */
  frames: SourceFrame[];
  /** Function of the go statement that created the goroutines, when one PC is shared. */
  createdBy: SourceFrame | null;
  /** Index of the goroutines (up to 1000; see goroutinesOfGroup for all). */
  goroutines: number[];
  goids: number[];
  /** Bytes retained by the stacks of the group's goroutines (null before dominators). */
  retained: number | null;
  hasDefer: boolean;
  hasPanic: boolean;
}

export interface DeferRow {
  pc: number;
  fnPc: number;
  sp: number;
  function?: string;
}

export interface PanicRow {
  argType: number;
  argData: number;
  /** The object the panic value points to, if any. */
  object?: ObjectRow;
}

export interface GoroutineDetail {
  index: number;
  goid: number;
  status: string;
  waitReason: string;
  isSystem: boolean;
  waitSinceNs: number;
  frames: StackFrameRow[];
  defers: DeferRow[];
  panics: PanicRow[];
  createdBy: SourceFrame;
  retained: number | null;
  /** Objects the goroutine's stack points at directly. */
  stackRoots: number;
}

export type SiteMetric = 'inuseBytes' | 'inuseObjects' | 'allocBytes' | 'allocObjects' | 'liveBytes' | 'retainedBytes';

export interface AllocationSiteRow {
  id: number;
  /** Stack of the allocation, innermost first (file and line from the profile). */
  frames: SourceFrame[];
  /**
   * The frame the site is named after: the first outside the runtime and the standard
   * allocation helpers (frames[userFrame]).
   */
  userFrame: number;
  /** Object sizes allocated at this stack (one per profile bucket). */
  sizes: number[];
  allocObjects: number;
  allocBytes: number;
  inuseObjects: number;
  inuseBytes: number;
  /** Sampled objects of this stack found in the dump, and their bytes. */
  liveObjects: number;
  liveBytes: number;
  /** Bytes retained by those objects (null before dominators). */
  retainedBytes: number | null;
}

/**
 * One frame of the flame graph. The graph is a flat list, never a nested tree (stacks can be
 * thousands of frames deep): frames[0] is the root ("all"), every frame comes after its parent,
 * depth first with the heaviest child first, so a frame's subtree is the run of frames after it
 * with a greater depth.
 */
export interface FlameFrame {
  name: string;
  file?: string;
  line?: number;
  value: number;
  /** Index of the caller's frame; -1 for the root. */
  parent: number;
  depth: number;
}

export interface OverviewStat {
  name: string;
  value: string;
  /** The runtime package's one-line explanation. */
  doc: string;
  /** Unit for display: bytes, count, ns, time. */
  unit: 'bytes' | 'count' | 'ns' | 'time';
}

export interface DumpProblem {
  message: string;
  offset: number;
  recordKind: string | null;
  truncated: boolean;
  /**
   * What the dump holds after the damage and was never read, said as it affects the answers:
   * "roots (globals): what is reachable is unknown", "memory profile".
   */
  notRead: string[];
}

export interface Overview {
  fileSize: number;
  goVersion: string;
  arch: string;
  ptrSize: number;
  bigEndian: boolean;
  ncpu: number;
  heapStart: number;
  heapEnd: number;
  /** Objects and their bytes: the object records, phantom slots left out. */
  objectCount: number;
  objectBytes: number;
  /**
   * Object records that are not objects (Go >= 1.22 writes the reserved tails of small-object
   * spans as objects): left out of every count and view, said once.
   */
  phantomSlots: { count: number; bytes: number };
  reachableCount: number | null;
  reachableBytes: number | null;
  /**
   * Of the reachable objects, those only stack words outside the frames' pointer maps reach
   * (locals kept in stack objects): garbage to a reader of the pointer maps alone.
   */
  stackWordReachable: { count: number; bytes: number } | null;
  goroutineCount: number;
  frameCount: number;
  recordCounts: Record<string, number>;
  memStats: OverviewStat[];
  /** Recent GC pause durations in ns, oldest first (ordered by NumGC). */
  gcPauses: number[];
  numGC: number;
  /** Damage found in the file: the model holds everything before it. */
  problem: DumpProblem | null;
  /** The biggest retainers (empty before dominators). */
  topRetainers: ObjectRow[];
  /** Allocation sites: count, and whether objects carry alloc samples. */
  siteCount: number;
  sampledObjects: number;
  /**
   * runtime.MemProfileRate: known (every object sampled), estimated (the dump does not record
   * it), or off (the profile nearly empty for what the program allocated: see profilingOff).
   */
  samplingRate: { rate: number; source: 'known' | 'estimated' | 'given' | 'off'; sampled?: number; expected?: number } | null;
  /** The program binary in use, when one matched the dump. */
  program: ProgramInfo | null;
}

/** The program binary the names, lines and types come from. */
export interface ProgramInfo {
  file: string;
  goVersion: string;
  /** Main package path from the build info. */
  mainPath: string | null;
  /** No symbol table: globals cannot be named. */
  stripped: boolean;
  globals: number;
  functions: number;
  /** Why objects cannot be typed from its DWARF (null when they can). */
  dwarfProblem: string | null;
}

/** Objects and bytes. */
export interface Tally {
  count: number;
  bytes: number;
}

/** One group in a comparison: a type group or an allocation site, before and after. */
export interface DiffRow {
  key: string;
  name: string;
  /** Evidence source for type rows ("site" for allocation-site rows). */
  source: string;
  before: Tally;
  after: Tally;
  /** Objects of the newer dump that were already there (same address and size). */
  survivors: Tally;
  /** The group (type group or site id) in the newer dump, -1 if it has none there. */
  group: number;
  /** Allocation stack, for site rows, and the frame that names it (see AllocationSiteRow). */
  frames?: SourceFrame[];
  userFrame?: number;
}

export interface DiffGoroutineRow {
  key: string;
  status: string;
  waitReason: string;
  frames: SourceFrame[];
  before: number;
  after: number;
  /** The goroutine group in the newer dump, -1 if none. */
  group: number;
}

export interface DiffSummary {
  olderName: string;
  before: Tally;
  after: Tally;
  survivors: Tally;
  goroutinesBefore: number;
  goroutinesAfter: number;
  /** Same Go version and architecture (dumps of different programs compare poorly). */
  sameProgram: boolean;
}

export type DiffSortKey = 'deltaBytes' | 'deltaCount' | 'afterBytes' | 'beforeBytes' | 'newBytes' | 'newCount' | 'freedBytes' | 'freedCount';

/** A leak suspect of the newer dump, with how much it grew since the older one. */
export interface GrowthSuspect {
  suspect: Suspect;
  /** Its type in the older and the newer dump (the types table's row). */
  before: Tally;
  after: Tally;
  /** Objects held at its accumulation point that were not in the older dump. */
  newObjects: number;
  sentence: string;
}

/** What the memory profile says about one source line. */
export interface LineStat {
  /** File as the dump writes it (a build path). */
  file: string;
  line: number;
  function: string;
  /** Allocations made on this line itself (the line is the innermost frame of the stack). */
  flat: { inuseBytes: number; inuseObjects: number; liveBytes: number; retainedBytes: number | null };
  /** Allocations made on this line or below it (the line is somewhere on the stack). */
  cum: { inuseBytes: number; inuseObjects: number; liveBytes: number; retainedBytes: number | null };
  /** The biggest allocation stacks through this line (site ids, for allocationSites). */
  sites: { id: number; inuseBytes: number; frames: SourceFrame[] }[];
}

/** Goroutines waiting on one object (a channel, a mutex, a wait group...). */
/** Goroutines leaked the way Go 1.26's goroutineleak profile finds them, grouped by stack. */
export interface LeakGroup {
  count: number;
  goids: number[];
  /** Goroutine indices. */
  goroutines: number[];
  waitReason: string;
  /** How long they have been blocked, at least (up to the last GC the dump knows of). */
  blockedFor: string | null;
  blockedForNs: number | null;
  /** The frame that says where they are blocked (the first outside the runtime's waiting code). */
  blockedIn: SourceFrame | null;
  frames: SourceFrame[];
  createdBy: SourceFrame | null;
  /** The channel or lock they wait on, and what holds it. */
  object: { index: number; address: number; type: string; holders: string } | null;
  /** Bytes only their stacks keep alive (null before dominators). */
  pinnedBytes: number | null;
  /**
   * proven: by the runtime's criterion, from the links the runtime keeps; cannot prove: a sync
   * wait before Go 1.26, whose object the dump does not link, looks unreachable.
   */
  proof: 'proven' | 'cannot prove';
}

export interface LeakReport {
  leaks: LeakGroup[];
  version: string;
  /** Whether the dump links sync waits (Mutex, WaitGroup...) to their objects (Go >= 1.26). */
  syncWaitsLinked: boolean;
}

/** One hop of a suspect's path from its root: the object's type and the field followed. */
export interface SuspectHop {
  type: string;
  /** The field of this object that leads to the next hop (a name with the binary, else +0x..). */
  field?: string;
  /** Objects at this hop (1 above the accumulation point; the accumulated ones at the end). */
  count: number;
}

/** A leak suspect: what holds a large share of the reachable heap, and why. */
export interface Suspect {
  /** What the suspect was found as: one object, a type group, an allocation site, a shape. */
  kind: 'object' | 'type' | 'site' | 'shape';
  /** The accumulated objects' type as named. */
  name: string;
  /**
   * The program's own type most of them hold, and how many: when they are the library's
   * (timers, closures) or shards of something bigger (a sharded cache's maps).
   */
  holding?: { type: string; count: number };
  /** How many of them. */
  count: number;
  /** Bytes they keep alive as a whole. */
  retainedBytes: number;
  /** retainedBytes / reachableBytes. */
  share: number;
  /** Where they accumulate (null when no single object holds them: a root group does). */
  accumulation: { index: number; address: number; type: string; container: 'map' | 'slice' | 'channel' | 'list' | 'object'; count: number; objectType: string } | null;
  /** The root that holds the accumulation point (globals preferred over stacks). */
  root: { kind: 'global' | 'goroutine' | 'finalizer' | 'other'; name: string };
  /** What holds them as a developer names it: the global and the fields down to the container. */
  holder: string;
  /** Accumulation points of the same type under the same holder, when there are several. */
  holders?: number;
  /** From the root down to the accumulated objects. */
  path: SuspectHop[];
  /** Where the accumulated objects were allocated (alloc samples), by user frame, most first. */
  allocatedAt: (SourceFrame & { count: number })[];
  /** The suspect in one plain sentence. */
  sentence: string;
  /** The candidates merged into this suspect (objects, types, sites with this accumulation point). */
  candidates: { kind: Suspect['kind']; name: string; retainedBytes: number }[];
}

export interface SuspectReport {
  reachableBytes: number;
  /** Share of the reachable heap a candidate must retain to be considered. */
  threshold: number;
  suspects: Suspect[];
}

/** A group of objects to explain: one object, the instances of a type group, an allocation site's. */
export type RetainerTarget = { object: number } | { type: number } | { site: number };

/** One level of a merged retainer tree. */
export interface RetainerLevel {
  /** Objects at this level (the group itself at level 0). */
  objects: number;
  /** The objects that point at them, by type group: how many, their bytes, the fields used. */
  groups: { group: number; name: string; count: number; bytes: number; fields: string[] }[];
  /** Roots that hold objects of this level directly, by what they are. */
  roots: { kind: string; name: string; count: number }[];
}

/** The queries; every method answers from the analysed dump without modifying it. */
export interface HeapApi {
  overview(): Overview;
  objects(a: Range & { sort: Sort<ObjectSortKey> }): Page<ObjectRow>;
  object(a: { index: number }): ObjectDetail;
  objectContents(a: { index: number; offset: number; length: number }): ObjectContents;
  references(a: Range & { index: number }): Page<EdgeRow>;
  referrers(a: Range & { index: number }): Page<EdgeRow>;
  /**
   * Paths from roots to an object, globals first (named first), shortest first; optionally
   * without stack roots, and not through the given references ([from, to] object pairs).
   */
  pathsToRoots(a: PathQuery): RootPath[];
  /** Steps start..end of one path of pathsToRoots (asked with the same arguments). */
  pathSteps(a: PathQuery & Range & { path: number }): Page<PathStep>;
  findAddress(a: { address: string }): { index: number; offset: number } | null;
  dominatorChildren(a: Range & { node: number }): Page<DominatorNodeRow>;
  dominatorRoot(): DominatorNodeRow;
  sizeClasses(a: Range & { sort: Sort<'bytes' | 'count' | 'size'> }): Page<SizeClassRow>;
  types(a: Range & { sort: Sort<'count' | 'bytes' | 'retained'>; filter?: string }): Page<TypeRow>;
  typeInstances(a: Range & { type: number }): Page<ObjectRow>;
  typeCoverage(): TypeCoverage[];
  rootLists(): RootListSummary[];
  roots(a: Range & { kind: RootListKind }): Page<RootEntryRow>;
  goroutineGroups(a: Range & { filter?: string }): Page<GoroutineGroupRow>;
  goroutine(a: { index: number }): GoroutineDetail;
  /**
   * Why a group is alive: who points at its objects (merged by type), following `path` (type
   * group ids chosen level by level) towards the roots.
   */
  retainers(a: { of: RetainerTarget; path: number[]; excludeStacks?: boolean }): RetainerLevel;
  /** Leak suspects, most important first. */
  suspects(): SuspectReport;
  /** Leaked goroutines (Go 1.26's goroutineleak criterion, computed on the dump). */
  leaks(): LeakReport;
  allocationSites(a: Range & { sort: Sort<SiteMetric>; filter?: string }): Page<AllocationSiteRow>;
  flameGraph(a: { metric: SiteMetric }): FlameFrame[];
  /** One function's merged callers (the function first, then up) and callees (the function first, then down). */
  flameSandwich(a: { metric: SiteMetric; function: string }): { callers: FlameFrame[]; callees: FlameFrame[] };
  sampledObjects(a: Range & { site: number }): Page<ObjectRow>;
  /** Comparison with the older dump loaded beside this one (fails if none is loaded). */
  diffSummary(): DiffSummary;
  diffTypes(a: Range & { sort: Sort<DiffSortKey>; filter?: string; hideUnchanged?: boolean }): Page<DiffRow>;
  diffSites(a: Range & { sort: Sort<DiffSortKey>; filter?: string; hideUnchanged?: boolean }): Page<DiffRow>;
  /** The newer dump's leak suspects that grew since the older one, the biggest growth first. */
  diffSuspects(): GrowthSuspect[];
  diffGoroutines(a: Range): Page<DiffGoroutineRow>;
  /** Per source line, the memory-profile totals (for annotations in the editor). */
  lineStats(): LineStat[];
  /** A pprof profile of the dump (encoded protocol buffer, not gzipped). */
  pprof(a: { kind: 'memory' | 'retained' | 'references'; rate?: number }): { bytes: ArrayBuffer };
}
