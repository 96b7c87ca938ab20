/**
 * Go's line tables (the .gopclntab section, formats of Go 1.18-1.19 and 1.20+): PC ->
 * function, file and line, with the calls the compiler inlined at that PC. The layout is
 * the runtime's (runtime/symtab.go, runtime/runtime2.go _func, internal/abi):
 *
 *   pcHeader   magic, quantum, pointer size, function and file counts, text start and the
 *              offsets (from the header) of the tables below
 *   funcnametab NUL-terminated function names
 *   cutab      per compilation unit, u32 offsets into filetab
 *   filetab    NUL-terminated file names
 *   pctab      the PC-value streams (varint pairs) of every function
 *   functab    nfunc+1 pairs (entry offset from text start, offset of the _func record)
 *
 * Inline trees hang off each function's funcdata, as offsets from the module's `gofunc`
 * symbol; they are read through `readVirtual`.
 */
import { BinaryError } from './elf';

const MAGIC_118 = 0xfffffff0;
const MAGIC_120 = 0xfffffff1;
const PCDATA_INL_TREE_INDEX = 2;
const FUNCDATA_INL_TREE = 3;
const NO_FUNCDATA = 0xffffffff;

export interface SourceFrame {
  func: string;
  file: string;
  line: number;
}

export class LineTable {
  readonly quantum: number;
  readonly ptrSize: number;
  readonly funcCount: number;
  readonly textStart: number;
  /** Go 1.20 added startLine to _func and reshaped the inline tree. */
  readonly go120: boolean;
  private readonly v: DataView;
  private readonly funcnameOff: number;
  private readonly cuOff: number;
  private readonly filetabOff: number;
  private readonly pctabOff: number;
  private readonly pclnOff: number;
  private readonly names = new Map<number, string>();
  private readonly utf8 = new TextDecoder();

  /**
   * `bytes` is the table (its pcHeader first); `textFallback` the start of .text, used when
   * the header's text start is 0 (position-independent binaries relocate it at load time);
   * `gofunc` the address inline trees are offsets from; `readVirtual` reads the program image.
   */
  constructor(
    private readonly bytes: Uint8Array,
    private readonly fileName: string,
    private readonly fileOffset: number,
    textFallback: number,
    private readonly gofunc: number | undefined,
    private readonly readVirtual: (addr: number, length: number) => Uint8Array | undefined,
  ) {
    this.v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 72) throw new BinaryError(fileName, fileOffset, 'line table (.gopclntab) too short for its header');
    const magic = this.v.getUint32(0, true);
    if (magic !== MAGIC_118 && magic !== MAGIC_120) {
      throw new BinaryError(fileName, fileOffset, `line table magic 0x${magic.toString(16)} is not that of Go 1.18-1.19 (0xfffffff0) or Go 1.20+ (0xfffffff1)`);
    }
    this.go120 = magic === MAGIC_120;
    this.quantum = bytes[6];
    this.ptrSize = bytes[7];
    if (this.ptrSize !== 8) throw new BinaryError(fileName, fileOffset + 7, `line table pointer size ${this.ptrSize}: only 64-bit programs are supported`);
    const word = (i: number) => Number(this.v.getBigUint64(8 + i * 8, true));
    this.funcCount = word(0);
    this.textStart = word(2) || textFallback;
    this.funcnameOff = word(3);
    this.cuOff = word(4);
    this.filetabOff = word(5);
    this.pctabOff = word(6);
    this.pclnOff = word(7);
    if (this.pclnOff + (this.funcCount + 1) * 8 > bytes.length) {
      throw new BinaryError(fileName, fileOffset + 8, `line table lists ${this.funcCount} functions, more than its ${bytes.length} bytes hold`);
    }
  }

  /** Entry PC of function i (i in 0..funcCount-1). */
  entry(i: number): number {
    return this.textStart + this.v.getUint32(this.pclnOff + i * 8, true);
  }

  /** The function whose code holds pc, or -1. */
  findFunc(pc: number): number {
    if (this.funcCount === 0 || pc < this.entry(0)) return -1;
    // The table's last entry is the end of the text (nfunc+1 entries).
    if (pc >= this.textStart + this.v.getUint32(this.pclnOff + this.funcCount * 8, true)) return -1;
    let lo = 0;
    let hi = this.funcCount - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.entry(mid) <= pc) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Offset (in bytes) of function i's _func record. */
  private funcRecord(i: number): number {
    const off = this.pclnOff + this.v.getUint32(this.pclnOff + i * 8 + 4, true);
    if (off + 44 > this.bytes.length) throw new BinaryError(this.fileName, this.fileOffset + this.pclnOff + i * 8 + 4, `function record ${i} lies outside the line table`);
    return off;
  }

  funcName(i: number): string {
    return this.nameAt(this.v.getInt32(this.funcRecord(i) + 4, true));
  }

  private nameAt(nameOff: number): string {
    let s = this.names.get(nameOff);
    if (s === undefined) {
      const start = this.funcnameOff + nameOff;
      let end = start;
      while (end < this.bytes.length && this.bytes[end] !== 0) end++;
      s = this.utf8.decode(this.bytes.subarray(start, end));
      this.names.set(nameOff, s);
    }
    return s;
  }

  /** Name of the function at pc (the physical function, not an inlined one), or undefined. */
  funcNameAt(pc: number): string | undefined {
    const i = this.findFunc(pc);
    return i < 0 ? undefined : this.funcName(i);
  }

  /**
   * Source frames at pc, innermost first: the calls inlined at pc, then the physical
   * function. Empty when pc is in no function.
   */
  frames(pc: number): SourceFrame[] {
    const i = this.findFunc(pc);
    if (i < 0) return [];
    const f = this.funcRecord(i);
    const entry = this.entry(i);
    const pcfile = this.v.getUint32(f + 20, true);
    const pcln = this.v.getUint32(f + 24, true);
    const npcdata = this.v.getUint32(f + 28, true);
    const cu = this.v.getUint32(f + 32, true);
    const fixed = this.go120 ? 44 : 40;
    const nfuncdata = this.bytes[f + fixed - 1];
    const inlIndexTable = npcdata > PCDATA_INL_TREE_INDEX ? this.v.getUint32(f + fixed + PCDATA_INL_TREE_INDEX * 4, true) : 0;
    const inlTreeOff = nfuncdata > FUNCDATA_INL_TREE ? this.v.getUint32(f + fixed + npcdata * 4 + FUNCDATA_INL_TREE * 4, true) : NO_FUNCDATA;
    const at = (p: number) => ({ file: this.fileName_(cu, this.pcvalue(pcfile, entry, p)), line: this.pcvalue(pcln, entry, p) });
    const out: SourceFrame[] = [];
    let p = pc;
    if (inlIndexTable !== 0 && inlTreeOff !== NO_FUNCDATA && this.gofunc !== undefined) {
      // Each inlined call records its caller's PC in the outer function; follow them out.
      for (let guard = 0; guard < 1000; guard++) {
        const ix = this.pcvalue(inlIndexTable, entry, p);
        if (ix < 0) break;
        const call = this.inlinedCall(this.gofunc + inlTreeOff, ix);
        if (!call) break;
        out.push({ func: this.nameAt(call.nameOff), ...at(p) });
        p = entry + call.parentPc;
      }
    }
    out.push({ func: this.funcName(i), ...at(p) });
    return out;
  }

  /**
   * The function whose code is at file:line inside physical function `func`: the call the
   * compiler inlined there, or `func` itself. Memory-profile frames carry the physical
   * function's name with the inlined callee's file and line; this names the callee.
   */
  inlinedFunctionAt(func: string, file: string, line: number): string | undefined {
    const i = this.funcIndex(func);
    if (i < 0) return undefined;
    const f = this.funcRecord(i);
    const entry = this.entry(i);
    const end = i + 1 < this.funcCount ? this.entry(i + 1) : entry;
    const npcdata = this.v.getUint32(f + 28, true);
    const cu = this.v.getUint32(f + 32, true);
    const fixed = this.go120 ? 44 : 40;
    const nfuncdata = this.bytes[f + fixed - 1];
    const inlIndexTable = npcdata > PCDATA_INL_TREE_INDEX ? this.v.getUint32(f + fixed + PCDATA_INL_TREE_INDEX * 4, true) : 0;
    const inlTreeOff = nfuncdata > FUNCDATA_INL_TREE ? this.v.getUint32(f + fixed + npcdata * 4 + FUNCDATA_INL_TREE * 4, true) : NO_FUNCDATA;
    const lines = this.pcRanges(this.v.getUint32(f + 24, true), entry, end);
    const files = this.pcRanges(this.v.getUint32(f + 20, true), entry, end);
    for (const r of lines) {
      if (r.value !== line) continue;
      // The file at the start of this range of lines must be the one asked for.
      const fr = files.find((x) => x.start <= r.start && r.start < x.end);
      if (!fr || this.fileName_(cu, fr.value) !== file) continue;
      if (inlIndexTable === 0 || inlTreeOff === NO_FUNCDATA || this.gofunc === undefined) return this.funcName(i);
      const ix = this.pcvalue(inlIndexTable, entry, r.start);
      const call = ix >= 0 ? this.inlinedCall(this.gofunc + inlTreeOff, ix) : undefined;
      return call ? this.nameAt(call.nameOff) : this.funcName(i);
    }
    return undefined;
  }

  private funcIndexes: Map<string, number> | undefined;

  /** Index of the function named `name`, or -1. */
  private funcIndex(name: string): number {
    if (!this.funcIndexes) {
      this.funcIndexes = new Map();
      for (let i = 0; i < this.funcCount; i++) this.funcIndexes.set(this.funcName(i), i);
    }
    return this.funcIndexes.get(name) ?? -1;
  }

  /** A PC-value stream as ranges [start, end) of equal value, from entry up to end. */
  private pcRanges(table: number, entry: number, end: number): { start: number; end: number; value: number }[] {
    const out: { start: number; end: number; value: number }[] = [];
    if (table === 0) return out;
    let p = this.pctabOff + table;
    let val = -1;
    let pc = entry;
    const uvarint = (): number => {
      let x = 0;
      for (let shift = 0; ; shift += 7) {
        if (p >= this.bytes.length) return -1;
        const b = this.bytes[p++];
        x += (b & 0x7f) * 2 ** shift;
        if (b < 0x80) return x;
      }
    };
    for (let first = true; pc < end && out.length < 1_000_000; first = false) {
      const uv = uvarint();
      if (uv < 0 || (uv === 0 && !first)) break;
      val += uv % 2 === 1 ? -Math.floor(uv / 2) - 1 : uv / 2;
      const dpc = uvarint();
      if (dpc <= 0) break;
      out.push({ start: pc, end: pc + dpc * this.quantum, value: val });
      pc += dpc * this.quantum;
    }
    return out;
  }

  private inlinedCall(tree: number, ix: number): { nameOff: number; parentPc: number } | undefined {
    const size = this.go120 ? 16 : 20;
    const b = this.readVirtual(tree + ix * size, size);
    if (!b || b.length < size) return undefined;
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    // Go 1.20+: funcID u8, pad [3], nameOff i32, parentPc i32, startLine i32.
    // Go 1.18-1.19: parent i16, funcID u8, pad u8, file i32, line i32, nameOff i32, parentPc i32.
    return this.go120 ? { nameOff: v.getInt32(4, true), parentPc: v.getInt32(8, true) } : { nameOff: v.getInt32(12, true), parentPc: v.getInt32(16, true) };
  }

  private fileName_(cu: number, fileIndex: number): string {
    if (fileIndex < 0) return '?';
    const at = this.cuOff + (cu + fileIndex) * 4;
    if (at + 4 > this.bytes.length) return '?';
    const off = this.v.getUint32(at, true);
    if (off === 0xffffffff) return '?';
    const start = this.filetabOff + off;
    let end = start;
    while (end < this.bytes.length && this.bytes[end] !== 0) end++;
    return this.utf8.decode(this.bytes.subarray(start, end));
  }

  /**
   * The value of the PC-value stream at pctab offset `table` for `target` (runtime.pcvalue):
   * pairs of zig-zag value delta and PC delta (in quanta), starting from -1 at the entry.
   */
  pcvalue(table: number, entry: number, target: number): number {
    if (table === 0) return -1;
    let p = this.pctabOff + table;
    const end = this.bytes.length;
    let val = -1;
    let pc = entry;
    let first = true;
    const uvarint = (): number => {
      let x = 0;
      let shift = 0;
      for (;;) {
        if (p >= end) return -1;
        const b = this.bytes[p++];
        x += (b & 0x7f) * 2 ** shift;
        if (b < 0x80) return x;
        shift += 7;
      }
    };
    for (;;) {
      const uv = uvarint();
      if (uv < 0 || (uv === 0 && !first)) return -1;
      first = false;
      val += uv % 2 === 1 ? -Math.floor(uv / 2) - 1 : uv / 2;
      const dpc = uvarint();
      if (dpc < 0) return -1;
      pc += dpc * this.quantum;
      if (target < pc) return val;
    }
  }
}
