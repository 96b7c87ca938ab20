/**
 * What an analysis keeps between sessions: the heap's snapshot (the decoded model, the object
 * graph and the dominator tree: what a reopen would spend tens of seconds computing again) and,
 * apart, the types snapshot of one program (none, or the binary attached): each object's type
 * group and the DWARF walk's result. Restoring reads the arrays back; nothing of the dump is
 * read again but what queries read from it anyway (object contents).
 *
 * Both carry `identity`, the caller's description of what they were made from (file, size,
 * modification time, engine format): a snapshot is used only for the identity it was made for.
 */
import { ByteSource } from '../util/byteSource';
import { DumpError } from '../format/errors';
import { DumpModel } from '../format/model';
import { Dominators } from '../graph/dominators';
import { GraphParts, graphParts, restoreGraph } from '../graph/graph';
import { PackedSnapshot, packSnapshot, unpackSnapshot } from '../util/snapshotCodec';
import { StringTable } from '../util/strings';
import { claimMemory } from '../util/memory';
import { SavedDwarfTyping, dwarfTypingOf, restoreDwarfTyping } from '../typing/dwarfTyping';
import { SavedGroups, saveGroups } from '../typing/typeInference';
import { Heap } from './heap';
import { SuspectReport } from '../api';
import { computedSuspects, restoreSuspects } from './suspects';
import { SavedTypeIndex, restoreTypeIndex, saveTypeIndex } from './typeIndex';

/** Bumped whenever what a snapshot holds, or how the engine computes it, changes. */
export const SNAPSHOT_FORMAT = 2;

type SavedModel = Omit<DumpModel, 'strings' | 'error'> & {
  strings: string[];
  error: { offset: number; detail: string; recordKind?: string; recordOffset?: number } | undefined;
};

interface HeapSnapshot {
  model: SavedModel;
  graph: GraphParts;
  dominators: Dominators;
  stackWordReach: { objects: number; bytes: number };
  topRetained: Uint32Array;
}

interface TypesSnapshot {
  groups: SavedGroups;
  dwarf: SavedDwarfTyping | undefined;
  /** What was computed when the snapshot was taken. */
  histogram: SavedTypeIndex | undefined;
  suspects: SuspectReport | undefined;
}

const meta = (identity: unknown) => ({ format: SNAPSHOT_FORMAT, identity });
const madeFor = (identity: unknown) => (m: unknown) => JSON.stringify(m) === JSON.stringify(meta(identity));

function topRetained(heap: Heap): Uint32Array {
  heap.objectsInOrder('retained', 0, 1, true);
  return heap.topRetained as Uint32Array;
}

/** The snapshot of a heap whose dominators are computed. */
export function snapshotHeap(heap: Heap, identity: unknown): PackedSnapshot {
  const { strings, error, ...rest } = heap.model;
  const model: SavedModel = {
    ...rest,
    strings: strings.values,
    error: error && { offset: error.offset, detail: error.detail, recordKind: error.recordKind, recordOffset: error.recordOffset },
  };
  const snapshot: HeapSnapshot = { model, graph: graphParts(heap.requireGraph()), dominators: heap.requireDominators(), stackWordReach: heap.reachedOnlyByStackWords(), topRetained: topRetained(heap) };
  return packSnapshot(meta(identity), snapshot);
}

/**
 * The heap a snapshot kept, reading its objects' contents from `source`; undefined when the
 * snapshot was made for another identity or format. Throws when the snapshot file is damaged.
 */
export function restoreHeap(snapshotFile: ByteSource, identity: unknown, source: ByteSource, fileName: string): Heap | undefined {
  claimMemory(snapshotFile.size, 'the cached analysis');
  const s = unpackSnapshot(snapshotFile, madeFor(identity)) as HeapSnapshot | undefined;
  if (!s) return undefined;
  const { strings: values, error: e, ...rest } = s.model;
  const strings = new StringTable();
  for (const v of values) strings.intern(v);
  const model: DumpModel = { ...rest, strings, error: e && new DumpError(e.offset, e.detail, e.recordKind, e.recordOffset) };
  if (model.fileSize !== source.size) return undefined;
  const o = model.objects;
  if (o.runOf.length !== o.count || o.layoutHash.length !== o.count || s.topRetained.some((i) => i >= o.count)) throw new Error('the snapshot\'s objects do not fit together');
  const heap = new Heap(source, model, fileName);
  heap.graph = restoreGraph(model, s.graph);
  const d = s.dominators;
  if (d.idom.length !== d.nodeCount || d.retained.length !== d.nodeCount || d.root !== d.nodeCount - 1) throw new Error('the snapshot\'s dominator tree does not fit its graph');
  heap.dominators = d;
  heap.rescued = s.stackWordReach;
  heap.topRetained = s.topRetained;
  return heap;
}

/**
 * The types snapshot of a heap as it is typed now (with its program, if one is attached):
 * with the answers that take seconds on a big heap (the type histogram, the suspects) if they
 * were computed.
 */
export function snapshotTypes(heap: Heap, identity: unknown): PackedSnapshot {
  const groups = saveGroups(heap.typeNamer.classify());
  const typing = dwarfTypingOf(heap);
  const dwarf: SavedDwarfTyping | undefined = typing && {
    labelOf: typing.labelOf, labels: typing.labels, typeIds: typing.typeIds, typeTable: typing.typeTable, valueOffset: typing.valueOffset, typedGlobals: typing.typedGlobals,
  };
  const snapshot: TypesSnapshot = { groups, dwarf, histogram: saveTypeIndex(heap), suspects: computedSuspects(heap) };
  return packSnapshot(meta(identity), snapshot);
}

/**
 * Types the heap (with the program it has now) as a types snapshot kept it: whether it did
 * (false: made for another identity). Throws when the file is damaged.
 */
export function restoreTypes(heap: Heap, snapshotFile: ByteSource, identity: unknown): boolean {
  claimMemory(snapshotFile.size, 'the cached types');
  const s = unpackSnapshot(snapshotFile, madeFor(identity)) as TypesSnapshot | undefined;
  if (!s) return false;
  if (s.dwarf && !heap.program) return false;
  if (s.dwarf) restoreDwarfTyping(heap, s.dwarf);
  heap.useSavedTypes(s.groups);
  if (s.histogram) restoreTypeIndex(heap, s.histogram);
  if (s.suspects) restoreSuspects(heap, s.suspects);
  return true;
}
