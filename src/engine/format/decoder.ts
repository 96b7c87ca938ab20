/**
 * Layer format/: bytes -> records -> the decoded model. It owns the byte source, the buffered
 * reader, this record decoder, the model's typed arrays (model.ts), the format's constants and
 * DumpError, and the re-reading of single object records. It imports only util/: everything
 * else in the engine is built on what this layer decodes.
 *
 * Streaming decoder of the "go1.7 heap dump" format into a DumpModel.
 *
 * The file is read once, front to back, through one reused buffer (Reader). Every record kind
 * is decoded; object contents are not kept: the pointer words that may point into the heap are
 * copied out while the record is in the buffer, and the rest can be re-read from the file.
 *
 * Malformed input raises DumpError. When the damage comes after the params record, the model
 * of everything before it is returned with `error` set, so a viewer can show what was read.
 */
import { ByteSource, readAt } from '../util/byteSource';
import { findPhantomSlots } from './phantomSlots';
import { DumpError } from './errors';
import {
  HEADER, MAX_FIELD_KIND, MEMSTATS_FIELDS, MemStatsField, RECORD_NAMES, Tag,
  TYPE_WORD_MAX_SIZE, TYPE_WORD_MIN_SIZE, hasAllocationHeaders,
} from './format';
import { AddressSet } from '../util/addressSet';
import { Float64Growable, Uint16Growable, Uint32Growable, columnBuilders, finishColumns } from '../util/growable';
import {
  AllocSampleTable, CHECKPOINT_SHIFT, CONTENTS_FAR, DecodeStats, DeferRecord, DumpModel, DumpParams,
  FinalizerRecord, FrameTable, GoroutineTable, HUGE_SIZE, ItabRecord, MemProfBucket, MemStats,
  ObjectTable, OsThreadRecord, OtherRootRecord, PanicRecord, RootKind, RootTable, SegmentRecord,
  TypeRecord, runNumbers,
} from './model';
import { DEFAULT_BUFFER_SIZE, Reader, wordAt } from './reader';
import { StringTable } from '../util/strings';

export interface DecodeOptions {
  /** Called as the file is read, with the number of bytes read so far. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Size of the read buffer (default 32 MiB). */
  bufferSize?: number;
  /** A helper that decodes the second half of the object records meanwhile (another thread). */
  parallel?: ParallelObjects;
}

/*
 * Decoding object records on two threads. Most of a dump is object records, and they do not
 * depend on each other, so when they begin, the decoder asks a helper to decode those from
 * about the middle of the rest of the file while it decodes the first half. The helper finds
 * a record boundary at or after that point (findObjectRecords), says where, and decodes object
 * records from there up to the first record of another kind. The decoder reads on until it
 * reaches that boundary: if it lands exactly on it, the helper's records are the ones it would
 * have read, and it takes them over (appendPart) and goes on after them. If it steps over the
 * boundary (it was no record start) or the helper failed, it reads on alone. Either way the
 * model is the one a single thread builds.
 */

/** What decoding object records from the middle of a dump needs from the records before them. */
export interface PartRequest {
  /** File offset from which to look for the first record of the part. */
  hint: number;
  params: DumpParams;
  /** The itab and type addresses known when the object records begin. */
  typeAddrs: Float64Array;
}

/** Object records [start, end) decoded by decodeObjectPart: ObjectTable's arrays, for those objects. */
export interface ObjectPart {
  start: number;
  /** The first record after the part that is not an object (or the end of the file). */
  end: number;
  count: number;
  layoutHash: Uint32Array;
  /** Record offsets of the part's objects 0, 64, 128, ... */
  checkpoints: Float64Array;
  /** As ObjectTable.contentsDelta, from the part's own checkpoints. */
  contentsDelta: Uint16Array;
  hugeSizes: [number, number][];
  ptrFirst: Uint32Array;
  ptrOffsets: Uint32Array;
  ptrOffsetsHigh: Uint32Array | undefined;
  ifaceWord: Float64Array;
  ifaceData: Float64Array;
  runStart: Float64Array;
  runSize: Uint32Array;
  runFirst: Uint32Array;
  stats: Pick<DecodeStats, 'objectPointerFields' | 'objectsWithPointers' | 'nilSlots' | 'objectsOutsideHeap'>;
}

/** The decoder's side of a helper that decodes a part of the object records elsewhere. */
export interface ParallelObjects {
  /** Whether a part is worth decoding elsewhere in a file of this many bytes. */
  worthIt(fileSize: number): boolean;
  /** Starts the helper on decodeObjectPart(request). */
  start(request: PartRequest): void;
  /** Waits for where the helper's part starts; undefined if it found no boundary. */
  boundary(): number | undefined;
  /** Waits for the helper's part; undefined if it failed (damage: the decoder will find it). */
  result(): ObjectPart | undefined;
  /** The part is not needed (the decoder did not land on its boundary). */
  cancel(): void;
}

/** Consecutive object records that findObjectRecords wants to see at a boundary. */
const SYNC_RECORDS = 32;
/** How far past the hint findObjectRecords looks for a boundary. */
const SYNC_WINDOW = 4 << 20;

/**
 * The first offset at or after `from` (within SYNC_WINDOW) where SYNC_RECORDS well-formed
 * object records follow one another, checked more strictly than decoding does (aligned
 * addresses inside the heap, pointer fields in increasing order): a candidate, which the
 * decoder only uses if its own reading lands on it.
 */
export function findObjectRecords(source: ByteSource, params: DumpParams, from: number): number | undefined {
  const bytes = readAt(source, from, SYNC_WINDOW + (1 << 20));
  const { heapStart, heapEnd, ptrSize } = params;
  let pos = 0;
  const uvarint = (): number => {
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 10 && pos < bytes.length; i++) {
      const b = bytes[pos++];
      x += (b & 0x7f) * mul;
      if (b < 0x80) return x;
      mul *= 128;
    }
    return -1;
  };
  const objectAt = (): boolean => {
    if (bytes[pos++] !== Tag.Object) return false;
    const addr = uvarint();
    const len = uvarint();
    if (addr < heapStart || addr % ptrSize !== 0 || len <= 0 || addr + len > heapEnd) return false;
    pos += len;
    for (let prev = -1; pos < bytes.length;) {
      const kind = uvarint();
      if (kind === 0) return true;
      const off = uvarint();
      if (kind < 0 || kind > MAX_FIELD_KIND || off <= prev || off % ptrSize !== 0 || off + ptrSize > len) return false;
      prev = off;
    }
    return false;
  };
  for (let p = 0; p < Math.min(SYNC_WINDOW, bytes.length); p++) {
    pos = p;
    let k = 0;
    while (k < SYNC_RECORDS && pos < bytes.length && objectAt()) k++;
    if (k === SYNC_RECORDS) return from + p;
  }
  return undefined;
}

/**
 * The helper's side: object records from the boundary findObjectRecords finds after
 * request.hint up to the first record of another kind. Undefined when there is no boundary
 * or the records are damaged there (the main decoder then reads them and reports it).
 */
export function decodeObjectPart(source: ByteSource, request: PartRequest, onBoundary: (offset: number | undefined) => void,
  onRead?: (fileOffset: number) => void): ObjectPart | undefined {
  const start = findObjectRecords(source, request.params, request.hint);
  onBoundary(start);
  if (start === undefined) return undefined;
  const decoder = new Decoder(new Reader(source, DEFAULT_BUFFER_SIZE, start, onRead), source);
  return decoder.part(request);
}

/** FNV-1a parameters of the pointer-layout hash. */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 16777619;

/** Objects larger than this are streamed from the file instead of being held in the buffer. */
const LARGE_OBJECT = 8 << 20;

const GOROUTINE_COLUMNS = {
  addr: Float64Array, sp: Float64Array, goid: Float64Array, gopc: Float64Array,
  status: Uint8Array, isSystem: Uint8Array, isBackground: Uint8Array, waitSince: Float64Array,
  waitReason: Uint32Array, ctxt: Float64Array, m: Float64Array, topDefer: Float64Array,
  topPanic: Float64Array, firstFrame: Uint32Array, frameCount: Uint32Array,
};
const FRAME_COLUMNS = {
  sp: Float64Array, depth: Uint32Array, childSp: Float64Array, contentsOffset: Float64Array,
  size: Uint32Array, entryPc: Float64Array, pc: Float64Array, continuationPc: Float64Array,
  name: Uint32Array, goroutine: Uint32Array, pointerFields: Uint32Array,
};
const ROOT_COLUMNS = { kind: Uint8Array, value: Float64Array, owner: Uint32Array, offset: Float64Array };

/** Reads and checks the 16-byte header; throws DumpError if this is not a go1.7 heap dump. */
export function checkHeader(source: ByteSource): void {
  const head = readAt(source, 0, HEADER.length);
  const text = String.fromCharCode(...head);
  if (text !== HEADER) {
    throw new DumpError(0, `bad header ${JSON.stringify(text)} (want ${JSON.stringify(HEADER)})`);
  }
}

export function decodeDump(source: ByteSource, options: DecodeOptions = {}): DumpModel {
  checkHeader(source);
  const progress = options.onProgress;
  const r = new Reader(source, options.bufferSize ?? DEFAULT_BUFFER_SIZE, HEADER.length,
    progress && ((off) => progress(off, source.size)));
  return new Decoder(r, source, options.parallel).run();
}

class Decoder {
  private readonly strings = new StringTable();
  private params: DumpParams | undefined;
  private readonly recordCounts: number[] = new Array(RECORD_NAMES.length).fill(0);
  private readonly recordBytes: number[] = new Array(RECORD_NAMES.length).fill(0);
  private readonly stats: DecodeStats = {
    objectPointerFields: 0, objectsWithPointers: 0, nilSlots: 0, rootSlotsInBounds: 0, objectsOutsideHeap: 0,
  };

  // Objects (see ObjectTable for the layout of each array). Capacities are upper bounds from
  // the file size: an object record takes at least 12 bytes (the smallest size class is 8),
  // a pointer field at least 10 (its word and its entry in the fields list).
  private objectCount = 0;
  private readonly maxObjects = Math.ceil(this.r.fileSize / 12) + 1024;
  private readonly hugeSizes = new Map<number, number>();
  private readonly checkpoints = new Float64Growable(this.maxObjects / 64);
  private readonly checkpointObject = new Uint32Growable(this.maxObjects / 64);
  private readonly contentsDelta = new Uint16Growable(this.maxObjects);
  /** Record offset of the last checkpoint (that of the object read now). */
  private checkpointAt = 0;
  private readonly layoutHash = new Uint32Growable(this.maxObjects);
  private readonly ptrFirst = new Uint32Growable(this.maxObjects + 1);
  private readonly ptrOffsets = new Uint32Growable(this.r.fileSize / 10 + 1024);
  /** Set once the params record says the heap spans more than 4 GiB (see ObjectTable.ptrOffsetsHigh). */
  private ptrOffsetsHigh: Uint32Growable | undefined;
  /** ptrOffsets.length when the current object record began. */
  private ptrsAtObjectStart = 0;
  // Type words come with objects of 513 bytes or more.
  private readonly typeWordObject = new Uint32Growable(this.r.fileSize / 513 + 1024);
  private readonly typeWordAddr = new Float64Growable(this.r.fileSize / 513 + 1024);
  private readonly ifaceWord = new Float64Growable(this.r.fileSize / 20 + 1024);
  private readonly ifaceData = new Float64Growable(this.r.fileSize / 20 + 1024);
  private readonly frameIfaceWord = new Float64Growable(1024);
  private readonly frameIfaceData = new Float64Growable(1024);
  private readonly runStart = new Float64Growable(this.maxObjects);
  private readonly runSize = new Uint32Growable(this.maxObjects);
  private readonly runFirst = new Uint32Growable(this.maxObjects);
  private runEnd = -1;
  private runObjectSize = -1;

  private readonly roots = columnBuilders(ROOT_COLUMNS);
  private readonly goroutines = columnBuilders(GOROUTINE_COLUMNS);
  private readonly frames = columnBuilders(FRAME_COLUMNS);
  private goroutineCount = 0;
  private frameCount = 0;
  private readonly defers: DeferRecord[] = [];
  private readonly panics: PanicRecord[] = [];
  private readonly types: TypeRecord[] = [];
  private readonly itabs: ItabRecord[] = [];
  private readonly osThreads: OsThreadRecord[] = [];
  private readonly finalizers: FinalizerRecord[] = [];
  private readonly queuedFinalizers: FinalizerRecord[] = [];
  private readonly data: SegmentRecord[] = [];
  private readonly bss: SegmentRecord[] = [];
  private readonly otherRoots: OtherRootRecord[] = [];
  private memStats: MemStats | undefined;
  private readonly memProf: MemProfBucket[] = [];
  // Alloc samples: 4 bytes each at least.
  private readonly sampleAddr = new Float64Growable(this.r.fileSize / 4 + 1024);
  private readonly sampleBucket = new Float64Growable(this.r.fileSize / 4 + 1024);

  // Pointer-word decoding, fixed by the params record.
  private ptrSize = 8;
  private littleEndian = true;
  private heapStart = 0;
  private heapEnd = 0;
  private typeWords = false;

  /**
   * Known itab and type descriptor addresses (records, and type words as they appear): a
   * pointer word into the heap right after one of these is probably an interface's data word.
   */
  private readonly typeAddrs = new AddressSet();

  /** Pointer-field offsets of the record being read (frames, segments, large objects). */
  private readonly scratchOffsets: number[] = [];

  /** The helper decoding the second half of the objects, until its part is taken or given up. */
  private parallel: ParallelObjects | undefined;
  /** Offset at which to ask the helper where its part starts (then: that boundary). */
  private joinAt = Infinity;
  private typeAddrsAtStart = 0;

  constructor(private readonly r: Reader, private readonly source: ByteSource, parallel?: ParallelObjects) {
    this.parallel = parallel;
  }

  run(): DumpModel {
    const r = this.r;
    let error: DumpError | undefined;
    for (;;) {
      if (r.offset >= this.joinAt) this.join(r.offset);
      const recStart = r.offset;
      r.mark = r.pos;
      let tag = -1;
      const ptrMark = this.ptrOffsets.length;
      try {
        if (r.remaining <= 0) throw new DumpError(recStart, 'unexpected end of file: no EOF record');
        tag = r.uvarint();
        if (tag >= RECORD_NAMES.length) throw new DumpError(recStart, `unknown record tag ${tag} (want 0 to ${RECORD_NAMES.length - 1})`);
        if (this.params === undefined && tag !== Tag.Params) {
          throw new DumpError(recStart, `first record is ${RECORD_NAMES[tag]}, want params`);
        }
        if (tag === Tag.Object && this.parallel && this.joinAt === Infinity) this.startParallel(recStart);
        this.record(tag, recStart);
        this.recordCounts[tag]++;
        this.recordBytes[tag] += r.offset - recStart;
        if (tag === Tag.Eof) {
          if (r.remaining > 0) throw new DumpError(r.offset, `${r.remaining} trailing bytes after EOF record`);
          break;
        }
      } catch (e) {
        if (!(e instanceof DumpError)) throw e;
        this.ptrOffsets.truncate(ptrMark);
        this.ptrOffsetsHigh?.truncate(ptrMark);
        error = e.recordKind === undefined && tag >= 0 && tag < RECORD_NAMES.length
          ? new DumpError(e.offset, e.detail, RECORD_NAMES[tag], recStart)
          : e;
        if (this.params === undefined) throw error;
        break;
      }
    }
    this.parallel?.cancel();
    return this.finish(error);
  }

  /** At the first object record: hands the second half of the rest of the file to the helper. */
  private startParallel(recStart: number): void {
    const parallel = this.parallel as ParallelObjects;
    const params = this.params as DumpParams;
    // Go >= 1.22 type words join typeAddrs as objects are read, which the helper could not see.
    if (this.typeWords || !parallel.worthIt(this.r.fileSize - recStart)) {
      this.parallel = undefined;
      return;
    }
    const hint = recStart + Math.floor((this.r.fileSize - recStart) / 2);
    this.typeAddrsAtStart = this.typeAddrs.size;
    parallel.start({ hint, params, typeAddrs: this.typeAddrs.values() });
    this.joinAt = hint;
  }

  /** At a record start past the hint: takes over the helper's part if this is where it starts. */
  private join(offset: number): void {
    const parallel = this.parallel as ParallelObjects;
    const boundary = parallel.boundary();
    if (boundary !== undefined && offset < boundary) {
      this.joinAt = boundary; // not there yet
      return;
    }
    this.joinAt = Infinity;
    this.parallel = undefined;
    // The helper started with the type addresses known at the first object: none may have come since.
    const part = offset === boundary && this.typeAddrs.size === this.typeAddrsAtStart ? parallel.result() : undefined;
    if (!part) {
      parallel.cancel();
      return;
    }
    this.appendPart(part);
    this.r.seek(part.end);
  }

  /** The helper's side: object records from the reader's position (see decodeObjectPart). */
  part(request: PartRequest): ObjectPart | undefined {
    const r = this.r;
    this.setParams(request.params);
    for (const a of request.typeAddrs) this.typeAddrs.add(a);
    const start = r.offset;
    try {
      while (r.remaining > 0) {
        const recStart = r.offset;
        r.mark = r.pos;
        if (r.uvarint() !== Tag.Object) {
          r.seek(recStart);
          break;
        }
        this.object(recStart);
      }
    } catch (e) {
      if (e instanceof DumpError) return undefined;
      throw e;
    }
    const { objectPointerFields, objectsWithPointers, nilSlots, objectsOutsideHeap } = this.stats;
    return {
      start,
      end: r.offset,
      count: this.objectCount,
      layoutHash: this.layoutHash.finish(),
      checkpoints: this.checkpoints.finish(),
      contentsDelta: this.contentsDelta.finish(),
      hugeSizes: [...this.hugeSizes],
      ptrFirst: this.ptrFirst.finish(),
      ptrOffsets: this.ptrOffsets.finish(),
      ptrOffsetsHigh: this.ptrOffsetsHigh?.finish(),
      ifaceWord: this.ifaceWord.finish(),
      ifaceData: this.ifaceData.finish(),
      runStart: this.runStart.finish(),
      runSize: this.runSize.finish(),
      runFirst: this.runFirst.finish(),
      stats: { objectPointerFields, objectsWithPointers, nilSlots, objectsOutsideHeap },
    };
  }

  /** Appends a part's objects as if they had been read here (see ObjectTable). */
  private appendPart(part: ObjectPart): void {
    const base = this.objectCount;
    this.layoutHash.append(part.layoutHash);
    // Checkpoints for objects 64k of the part: the part's own, at most 63 objects earlier.
    const every = 1 << CHECKPOINT_SHIFT;
    for (let g = Math.ceil(base / every) * every; g < base + part.count; g += every) {
      const k = (g - base) >> CHECKPOINT_SHIFT;
      this.checkpoints.push(part.checkpoints[k]);
      this.checkpointObject.push(base + (k << CHECKPOINT_SHIFT));
    }
    // Its contents offsets, from the checkpoints its objects have here: this reader's last until
    // the first pushed above, then those.
    for (let j = 0; j < part.count; j++) {
      const d = part.contentsDelta[j];
      const g = base + j;
      if ((g & (every - 1)) === 0) this.checkpointAt = part.checkpoints[(g - base) >> CHECKPOINT_SHIFT];
      this.pushContents(d === CONTENTS_FAR ? -1 : part.checkpoints[j >> CHECKPOINT_SHIFT] + d);
    }
    for (const [i, len] of part.hugeSizes) this.hugeSizes.set(base + i, len);
    this.ptrFirst.append(part.ptrFirst, this.ptrOffsets.length);
    this.ptrOffsets.append(part.ptrOffsets);
    if (part.ptrOffsetsHigh) this.ptrOffsetsHigh?.append(part.ptrOffsetsHigh);
    this.ptrsAtObjectStart = this.ptrOffsets.length;
    this.ifaceWord.append(part.ifaceWord);
    this.ifaceData.append(part.ifaceData);
    // The part's first run continues this one if its objects follow on (as one reader finds).
    const n = part.runStart.length;
    const joins = n > 0 && part.runStart[0] === this.runEnd && part.runSize[0] === this.runObjectSize && part.runSize[0] !== HUGE_SIZE;
    const from = joins ? 1 : 0;
    this.runStart.append(part.runStart.subarray(from));
    this.runSize.append(part.runSize.subarray(from));
    this.runFirst.append(part.runFirst.subarray(from), base);
    if (part.count > 0) {
      const last = n - 1;
      this.runObjectSize = part.runSize[last];
      this.runEnd = part.runStart[last] + (base + part.count - (base + part.runFirst[last])) * part.runSize[last];
    }
    this.objectCount += part.count;
    for (const key of ['objectPointerFields', 'objectsWithPointers', 'nilSlots', 'objectsOutsideHeap'] as const) this.stats[key] += part.stats[key];
    this.recordCounts[Tag.Object] += part.count;
    this.recordBytes[Tag.Object] += part.end - part.start;
  }

  private record(tag: number, recStart: number): void {
    const r = this.r;
    switch (tag) {
      case Tag.Eof:
        return;
      case Tag.Object:
        return this.object(recStart);
      case Tag.OtherRoot: {
        const description = r.string();
        const addr = r.uvarint();
        this.addRoot(RootKind.OtherRoot, addr, this.otherRoots.length, 0);
        this.otherRoots.push({ description, addr });
        return;
      }
      case Tag.Type: {
        const addr = r.uvarint();
        const size = r.uvarint();
        const name = r.string();
        const indirect = r.bool();
        this.types.push({ addr, size, name, indirect });
        this.typeAddrs.add(addr);
        return;
      }
      case Tag.Goroutine:
        return this.goroutine();
      case Tag.StackFrame:
        return this.frame(recStart);
      case Tag.Params:
        return this.readParams(recStart);
      case Tag.Finalizer:
      case Tag.QueuedFinalizer: {
        const f: FinalizerRecord = { obj: r.uvarint(), fn: r.uvarint(), fnPc: r.uvarint(), fint: r.uvarint(), ot: r.uvarint() };
        if (tag === Tag.Finalizer) {
          this.addRoot(RootKind.FinalizerFunc, f.fn, this.finalizers.length, 0);
          this.finalizers.push(f);
        } else {
          this.addRoot(RootKind.QueuedFinalizerObject, f.obj, this.queuedFinalizers.length, 0);
          this.addRoot(RootKind.QueuedFinalizerFunc, f.fn, this.queuedFinalizers.length, 0);
          this.queuedFinalizers.push(f);
        }
        return;
      }
      case Tag.Itab: {
        const itab = { addr: r.uvarint(), type: r.uvarint() };
        this.itabs.push(itab);
        this.typeAddrs.add(itab.addr);
        this.typeAddrs.add(itab.type);
        return;
      }
      case Tag.OsThread:
        this.osThreads.push({ addr: r.uvarint(), id: r.uvarint(), procId: r.uvarint() });
        return;
      case Tag.MemStats:
        return this.readMemStats(recStart);
      case Tag.Data:
      case Tag.Bss:
        return this.segment(tag);
      case Tag.Defer: {
        const d: DeferRecord = {
          addr: r.uvarint(), g: r.uvarint(), argp: r.uvarint(), pc: r.uvarint(),
          fn: r.uvarint(), fnPc: r.uvarint(), link: r.uvarint(),
        };
        this.addRoot(RootKind.DeferRecord, d.addr, this.defers.length, 0);
        this.addRoot(RootKind.DeferFunc, d.fn, this.defers.length, 0);
        this.defers.push(d);
        return;
      }
      case Tag.Panic: {
        const p: PanicRecord = {
          addr: r.uvarint(), g: r.uvarint(), argType: r.uvarint(), argData: r.uvarint(),
          defer: r.uvarint(), link: r.uvarint(),
        };
        this.addRoot(RootKind.PanicRecord, p.addr, this.panics.length, 0);
        this.addRoot(RootKind.PanicValue, p.argData, this.panics.length, 0);
        this.panics.push(p);
        return;
      }
      case Tag.MemProf:
        return this.readMemProf(recStart);
      case Tag.AllocSample:
        this.sampleAddr.push(r.uvarint());
        this.sampleBucket.push(r.uvarint());
        return;
    }
  }

  private readParams(recStart: number): void {
    const r = this.r;
    if (this.params !== undefined) throw new DumpError(recStart, 'second params record');
    const bigEndian = r.bool();
    const ptrSize = r.uvarint();
    if (ptrSize !== 4 && ptrSize !== 8) throw new DumpError(recStart, `bad pointer size ${ptrSize}`);
    const heapStart = r.uvarint();
    const heapEnd = r.uvarint();
    const arch = r.string();
    const buildVersion = r.string();
    const ncpu = r.uvarint();
    this.setParams({ bigEndian, ptrSize, heapStart, heapEnd, arch, buildVersion, ncpu });
  }

  private setParams(params: DumpParams): void {
    const { bigEndian, ptrSize, heapStart, heapEnd, buildVersion } = params;
    this.params = params;
    this.ptrSize = ptrSize;
    this.littleEndian = !bigEndian;
    this.heapStart = heapStart;
    this.heapEnd = heapEnd;
    this.typeWords = hasAllocationHeaders(buildVersion);
    if (heapEnd - heapStart > 2 ** 32) this.ptrOffsetsHigh = new Uint32Growable(this.r.fileSize / 10 + 1024);
  }

  /** Keeps pointer word v (inside the heap) of the current object. */
  private pushPointer(v: number): void {
    const o = v - this.heapStart;
    if (this.ptrOffsetsHigh === undefined) {
      this.ptrOffsets.push(o);
    } else {
      this.ptrOffsets.push(o % 2 ** 32);
      this.ptrOffsetsHigh.push(Math.floor(o / 2 ** 32));
    }
  }

  /** The pointer word at buffer index i. */
  private word(i: number): number {
    return wordAt(this.r.view, i, this.ptrSize, this.littleEndian);
  }

  private inHeap(v: number): boolean {
    return v >= this.heapStart && v < this.heapEnd;
  }

  private addRoot(kind: RootKind, value: number, owner: number, offset: number): void {
    if (!this.inHeap(value)) return;
    const roots = this.roots;
    roots.kind.push(kind);
    roots.value.push(value);
    roots.owner.push(owner);
    roots.offset.push(offset);
  }

  private object(recStart: number): void {
    const r = this.r;
    const addr = r.uvarint();
    const len = r.length();
    const ps = this.ptrSize;
    let fieldCount = 0;
    let contents: number; // file offset of the contents
    let typeWord = -1;
    let layout = FNV_OFFSET;
    if (len > LARGE_OBJECT) {
      contents = r.offset;
      r.skip(len);
      r.mark = r.pos;
      const offsets = this.fieldList(len, addr);
      fieldCount = offsets.length;
      for (const off of offsets) layout = Math.imul(layout ^ off, FNV_PRIME);
      this.largeObjectWords(contents, offsets);
    } else {
      contents = r.take(len) + r.base; // take() may refill, moving base
      const fieldsAt = r.offset;
      const heapStart = this.heapStart;
      const heapEnd = this.heapEnd;
      // Offsets from heapStart fit in 32 bits unless the heap spans more than 4 GiB (pushPointer).
      const ptrOffsets = this.ptrOffsetsHigh === undefined ? this.ptrOffsets : undefined;
      const typeAddrs = this.typeAddrs;
      const hasHeader = this.typeWords && len >= TYPE_WORD_MIN_SIZE && len <= TYPE_WORD_MAX_SIZE;
      const littleEndian = this.littleEndian;
      const fast64 = ps === 8 && littleEndian;
      let prevOff = -1;
      let prevValue = 0;
      let nilSlots = 0;
      for (;;) {
        const kindAt = r.offset;
        const kind = r.uvarint();
        if (kind === 0) break;
        if (kind > MAX_FIELD_KIND) throw new DumpError(kindAt, `unknown field kind ${kind}`);
        const off = r.uvarint();
        if (off + ps > len) {
          throw new DumpError(fieldsAt, `object 0x${addr.toString(16)} field offset ${off} outside ${len}-byte contents`);
        }
        fieldCount++;
        layout = Math.imul(layout ^ off, FNV_PRIME);
        const at = contents - r.base + off;
        const view = r.view;
        const v = fast64
          ? view.getUint32(at + 4, true) * 4294967296 + view.getUint32(at, true)
          : wordAt(view, at, ps, littleEndian);
        if (v === 0) nilSlots++;
        else if (v >= heapStart && v < heapEnd) {
          if (ptrOffsets !== undefined) ptrOffsets.push(v - heapStart);
          else this.pushPointer(v);
          // An interface value is (itab or type, data); the first word is not always a pointer
          // field. The malloc header of Go >= 1.22 (type word at 0, fields from 8) is no interface.
          if (off >= ps && !(off === ps && hasHeader)) {
            const w = prevOff === off - ps ? prevValue : wordAt(view, at - ps, ps, littleEndian);
            if (typeAddrs.has(w)) this.interfaceCandidate(w, v);
          }
        }
        prevOff = off;
        prevValue = v;
      }
      this.stats.nilSlots += nilSlots;
      if (this.typeWords && fieldCount > 0 && len >= TYPE_WORD_MIN_SIZE && len <= TYPE_WORD_MAX_SIZE) {
        typeWord = this.word(contents - r.base);
      }
    }
    this.commitObject(recStart, addr, len, fieldCount, typeWord, fieldCount === 0 ? 0 : (layout >>> 0) || 1);
    const d = contents - this.checkpointAt; // >= 0: the checkpoint is this record or one before
    this.contentsDelta.push(d < CONTENTS_FAR ? d : CONTENTS_FAR);
  }

  /** The contents offset of the object just committed, from its checkpoint (-1: unknown). */
  private pushContents(contents: number): void {
    const d = contents - this.checkpointAt;
    this.contentsDelta.push(contents >= 0 && d >= 0 && d < CONTENTS_FAR ? d : CONTENTS_FAR);
  }

  /** Reads a fields list into scratchOffsets, checking each offset against `len` bytes of contents. */
  private fieldList(len: number, owner: number | undefined): number[] {
    const r = this.r;
    const out = this.scratchOffsets;
    out.length = 0;
    const fieldsAt = r.offset;
    for (;;) {
      const kindAt = r.offset;
      const kind = r.uvarint();
      if (kind === 0) return out;
      if (kind > MAX_FIELD_KIND) throw new DumpError(kindAt, `unknown field kind ${kind}`);
      const off = r.uvarint();
      if (owner !== undefined && off + this.ptrSize > len) {
        throw new DumpError(fieldsAt, `object 0x${owner.toString(16)} field offset ${off} outside ${len}-byte contents`);
      }
      out.push(off);
    }
  }

  /** Pointer words of an object too large for the buffer, read through a small window. */
  private largeObjectWords(contents: number, offsets: number[]): void {
    const window = new Reader(this.source, 1 << 20, contents);
    for (const off of offsets) {
      const at = contents + off;
      if (at < window.base || at + this.ptrSize > window.base + window.end) {
        window.seek(at);
        window.fill(this.ptrSize);
      }
      const v = wordAt(window.view, at - window.base, this.ptrSize, this.littleEndian);
      if (v === 0) this.stats.nilSlots++;
      else if (this.inHeap(v)) this.pushPointer(v);
    }
  }

  private commitObject(recStart: number, addr: number, len: number, fieldCount: number, typeWord: number, layout: number): void {
    const i = this.objectCount++;
    this.layoutHash.push(layout);
    if ((i & ((1 << CHECKPOINT_SHIFT) - 1)) === 0) {
      this.checkpoints.push(recStart);
      this.checkpointObject.push(i);
      this.checkpointAt = recStart;
    }
    if (len >= HUGE_SIZE) this.hugeSizes.set(i, len);
    this.ptrFirst.push(this.ptrsAtObjectStart);
    this.ptrsAtObjectStart = this.ptrOffsets.length;
    if (len !== this.runObjectSize || addr !== this.runEnd || len >= HUGE_SIZE) {
      this.runStart.push(addr);
      this.runSize.push(Math.min(len, HUGE_SIZE));
      this.runFirst.push(i);
      this.runObjectSize = len;
    }
    this.runEnd = addr + len;
    if (fieldCount > 0) {
      this.stats.objectsWithPointers++;
      this.stats.objectPointerFields += fieldCount;
    }
    if (typeWord > 0) {
      this.typeWordObject.push(i);
      this.typeWordAddr.push(typeWord);
      this.typeAddrs.add(typeWord);
    }
    if (addr < this.heapStart || addr + len > this.heapEnd) this.stats.objectsOutsideHeap++;
  }

  private goroutine(): void {
    const r = this.r;
    const g = this.goroutines;
    const addr = r.uvarint();
    const sp = r.uvarint();
    const goid = r.uvarint();
    const gopc = r.uvarint();
    const status = r.uvarint();
    const isSystem = r.bool();
    const isBackground = r.bool();
    const waitSince = r.uvarint();
    const waitReason = this.strings.intern(r.string());
    const ctxt = r.uvarint();
    const m = r.uvarint();
    const topDefer = r.uvarint();
    const topPanic = r.uvarint();
    const index = this.goroutineCount++;
    g.addr.push(addr);
    g.sp.push(sp);
    g.goid.push(goid);
    g.gopc.push(gopc);
    g.status.push(Math.min(status, 255));
    g.isSystem.push(isSystem ? 1 : 0);
    g.isBackground.push(isBackground ? 1 : 0);
    g.waitSince.push(waitSince);
    g.waitReason.push(waitReason);
    g.ctxt.push(ctxt);
    g.m.push(m);
    g.topDefer.push(topDefer);
    g.topPanic.push(topPanic);
    g.firstFrame.push(this.frameCount);
    g.frameCount.push(0);
    this.addRoot(RootKind.GoroutineContext, ctxt, index, 0);
  }

  private frame(recStart: number): void {
    const r = this.r;
    const sp = r.uvarint();
    const depth = r.uvarint();
    const childSp = r.uvarint();
    const size = r.length();
    const contents = r.take(size) + r.base; // take() may refill, moving base
    const entryPc = r.uvarint();
    const pc = r.uvarint();
    const continuationPc = r.uvarint();
    const name = this.strings.intern(r.string());
    const offsets = this.fieldList(size, undefined);
    const g = this.goroutineCount - 1;
    if (g < 0) throw new DumpError(recStart, 'stack frame before any goroutine record');
    const framesSoFar = this.goroutines.frameCount.get(g);
    if (depth !== framesSoFar) throw new DumpError(recStart, `stack frame depth ${depth}, want ${framesSoFar}`);
    const index = this.frameCount++;
    const f = this.frames;
    f.sp.push(sp);
    f.depth.push(depth);
    f.childSp.push(childSp);
    f.contentsOffset.push(contents);
    f.size.push(size);
    f.entryPc.push(entryPc);
    f.pc.push(pc);
    f.continuationPc.push(continuationPc);
    f.name.push(name);
    f.goroutine.push(g);
    f.pointerFields.push(offsets.length);
    this.goroutines.frameCount.set(g, framesSoFar + 1);
    this.rootWords(RootKind.Frame, index, contents, size, offsets);
    this.stackWords(index, contents, size, offsets);
  }

  /**
   * The words of a frame its pointer map leaves out that point into the heap (see
   * RootKind.StackWord): roots of their own kind, the views say which.
   */
  private stackWords(owner: number, contents: number, size: number, offsets: number[]): void {
    const base = contents - this.r.base;
    const ps = this.ptrSize;
    let k = 0;
    for (let off = 0; off + ps <= size; off += ps) {
      while (k < offsets.length && offsets[k] < off) k++;
      if (k < offsets.length && offsets[k] === off) continue;
      const v = this.word(base + off);
      if (v !== 0 && this.inHeap(v)) this.addRoot(RootKind.StackWord, v, owner, off);
    }
  }

  private segment(tag: number): void {
    const r = this.r;
    const addr = r.uvarint();
    const size = r.length();
    const contents = r.take(size) + r.base; // take() may refill, moving base
    const offsets = this.fieldList(size, undefined);
    const list = tag === Tag.Data ? this.data : this.bss;
    this.rootWords(tag === Tag.Data ? RootKind.Data : RootKind.Bss, list.length, contents, size, offsets);
    list.push({ addr, size, contentsOffset: contents, pointerFields: offsets.length });
  }

  /** Adds the pointer words of a frame or segment (still in the buffer) as roots. */
  private rootWords(kind: RootKind, owner: number, contents: number, size: number, offsets: number[]): void {
    const base = contents - this.r.base;
    let prevOff = -1;
    let prevValue = 0;
    for (const off of offsets) {
      if (off + this.ptrSize > size) continue;
      this.stats.rootSlotsInBounds++;
      const v = this.word(base + off);
      if (v === 0) this.stats.nilSlots++;
      else this.addRoot(kind, v, owner, off);
      if (v !== 0 && this.inHeap(v) && off >= this.ptrSize) {
        const w = prevOff === off - this.ptrSize ? prevValue : this.word(base + off - this.ptrSize);
        if (this.typeAddrs.has(w)) {
          if (kind === RootKind.Frame) {
            this.frameIfaceWord.push(w);
            this.frameIfaceData.push(v);
          } else {
            this.interfaceCandidate(w, v);
          }
        }
      }
      prevOff = off;
      prevValue = v;
    }
  }

  /** A word pair that may be an interface value: (itab or type address, data word into the heap). */
  private interfaceCandidate(word: number, data: number): void {
    this.ifaceWord.push(word);
    this.ifaceData.push(data);
  }

  private readMemStats(recStart: number): void {
    const r = this.r;
    if (this.memStats !== undefined) throw new DumpError(recStart, 'second memstats record');
    const fields = {} as Record<MemStatsField, bigint>;
    for (const name of MEMSTATS_FIELDS) fields[name] = r.uvarintBig();
    const pauseNs: bigint[] = [];
    for (let i = 0; i < 256; i++) pauseNs.push(r.uvarintBig());
    this.memStats = { fields, pauseNs, numGC: r.uvarintBig() };
  }

  private readMemProf(recStart: number): void {
    const r = this.r;
    const bucket = r.uvarint();
    const size = r.uvarint();
    const n = r.uvarint();
    // Each frame takes at least 3 bytes (two empty strings and a line).
    if (n > Math.floor(r.remaining / 3)) {
      throw new DumpError(recStart, `memprof frame count ${n} impossible for remaining bytes`);
    }
    const frames = [];
    for (let i = 0; i < n; i++) {
      const func = this.strings.intern(r.string());
      const file = this.strings.intern(r.string());
      frames.push({ func, file, line: r.uvarint() });
    }
    this.memProf.push({ bucket, size, frames, allocs: r.uvarint(), frees: r.uvarint() });
  }

  private finish(error: DumpError | undefined): DumpModel {
    const params = this.params as DumpParams;
    const objects: ObjectTable = {
      count: this.objectCount,
      runOf: new Uint32Array(0),
      hugeSizes: this.hugeSizes,
      checkpoints: this.checkpoints.finish(),
      checkpointObject: this.checkpointObject.finish(),
      contentsDelta: this.contentsDelta.finish(),
      layoutHash: this.layoutHash.finish(),
      ptrFirst: (this.ptrFirst.push(this.ptrsAtObjectStart), this.ptrFirst.finish()),
      ptrOffsets: this.ptrOffsets.finish(),
      ptrOffsetsHigh: this.ptrOffsetsHigh?.finish(),
      typeWordObject: this.typeWordObject.finish(),
      typeWordAddr: this.typeWordAddr.finish(),
      ifaceWord: this.ifaceWord.finish(),
      ifaceData: this.ifaceData.finish(),
      frameIfaceWord: this.frameIfaceWord.finish(),
      frameIfaceData: this.frameIfaceData.finish(),
      runStart: this.runStart.finish(),
      runSize: this.runSize.finish(),
      runFirst: this.runFirst.finish(),
      runCount: 0,
      phantoms: undefined,
    };
    objects.runCount = objects.runStart.length;
    objects.runOf = runNumbers(objects);
    const heapObjects = this.memStats === undefined ? undefined : Number(this.memStats.fields.HeapObjects);
    objects.phantoms = findPhantomSlots(objects, params.buildVersion, heapObjects);
    const roots: RootTable = { count: this.roots.kind.length, ...finishColumns(this.roots) };
    const goroutines: GoroutineTable = { count: this.goroutineCount, ...finishColumns(this.goroutines) };
    const frames: FrameTable = { count: this.frameCount, ...finishColumns(this.frames) };
    const allocSamples: AllocSampleTable = {
      count: this.sampleAddr.length,
      addr: this.sampleAddr.finish(),
      bucket: this.sampleBucket.finish(),
    };
    return {
      fileSize: this.r.fileSize,
      params,
      strings: this.strings,
      objects,
      roots,
      goroutines,
      frames,
      defers: this.defers,
      panics: this.panics,
      types: this.types,
      itabs: this.itabs,
      osThreads: this.osThreads,
      finalizers: this.finalizers,
      queuedFinalizers: this.queuedFinalizers,
      data: this.data,
      bss: this.bss,
      otherRoots: this.otherRoots,
      memStats: this.memStats,
      memProf: this.memProf,
      allocSamples,
      recordCounts: this.recordCounts,
      recordBytes: this.recordBytes,
      stats: this.stats,
      error,
    };
  }
}
