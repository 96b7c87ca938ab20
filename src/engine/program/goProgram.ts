/**
 * Layer program/: the Go binary that wrote a dump. It owns the ELF reader, the build info, the
 * line tables (pclntab), the module data, the runtime type descriptors and DWARF. It imports
 * format/ (the byte source, the dump's params and segments to match against) and util/, and
 * only types from ../api; it never sees the object graph.
 *
 * The program binary that wrote a dump: its build info, line tables, runtime type
 * descriptors and global variables, and whether it is the program that wrote a given dump.
 * Everything is read lazily from the file through a ByteSource.
 */
import type { ProgramInfo } from '../api';
import { ByteSource } from '../util/byteSource';
import { Dwarf } from './dwarf';
import { BinaryError, ElfFile, Inflate, STT_OBJECT } from './elf';
import { GoBuildInfo, readGoBuildInfo } from './goBuildInfo';
import type { DumpParams, SegmentRecord } from '../format/model';
import { ModuleData, findModuleData } from './moduleData';
import { LineTable, SourceFrame } from './pclntab';
import { RuntimeType, TypeReader } from './runtimeTypes';

export interface BinaryMatch {
  ok: boolean;
  /** Load address minus link address (non-zero only for position-independent programs). */
  slide: number;
  /** Why the binary is not the dump's program (empty when ok). */
  problems: string[];
}

/** A global variable and its type (a .debug_info offset), at its running-program address. */
export interface TypedGlobal {
  name: string;
  addr: number;
  type: number;
}

export interface GlobalVariable {
  name: string;
  addr: number;
  size: number;
}

export class GoProgram {
  readonly elf: ElfFile;
  readonly buildInfo: GoBuildInfo | undefined;
  readonly lines: LineTable;
  readonly module: ModuleData | undefined;
  /** Load address minus link address, set by a successful match. */
  slide = 0;
  private globalsCache: GlobalVariable[] | undefined;
  private typeReader: TypeReader | undefined;
  private typedGlobalsCache: TypedGlobal[] | undefined;
  private dwarfCache: Dwarf | false | undefined;
  /** Why DWARF could not be read (empty when it was, or not tried yet). */
  dwarfProblem = '';

  constructor(source: ByteSource, readonly fileName: string, private readonly inflate?: Inflate) {
    this.elf = new ElfFile(source, fileName);
    this.buildInfo = readGoBuildInfo(this.elf);
    const pcln = this.elf.section('.gopclntab') ?? this.symbolSection('runtime.pclntab');
    if (!pcln) throw new BinaryError(fileName, 0, 'no Go line table (.gopclntab): not a Go program, or one this viewer cannot read');
    const bytes = this.elf.sectionBytes(pcln);
    const magic = bytes.length >= 4 ? new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true) : 0;
    this.module = findModuleData(this.elf, pcln.addr, magic === 0xfffffff1);
    const gofunc = this.module?.gofunc ?? (this.elf.symbol('go:func.*') ?? this.elf.symbol('go.func.*'))?.value;
    const text = this.module?.text ?? this.elf.section('.text')?.addr ?? 0;
    this.lines = new LineTable(bytes, fileName, pcln.offset, text, gofunc, (a, n) => this.elf.readVirtual(a, n));
  }

  /** A section-like view of [symbol, end of its section) for binaries without .gopclntab. */
  private symbolSection(name: string) {
    const sym = this.elf.symbol(name);
    const s = sym && this.elf.sectionAt(sym.value);
    return s && sym ? { ...s, addr: sym.value, offset: s.offset + (sym.value - s.addr), size: s.size - (sym.value - s.addr) } : undefined;
  }

  get goVersion(): string | undefined {
    return this.buildInfo?.goVersion;
  }

  get stripped(): boolean {
    return this.elf.symbols().length === 0;
  }

  /** What the program is, for display. */
  describe(): ProgramInfo {
    return {
      file: this.fileName, goVersion: this.goVersion ?? '', mainPath: this.buildInfo?.mainPath ?? null,
      stripped: this.stripped, globals: this.globals().length, functions: this.lines.funcCount,
      dwarfProblem: this.dwarf() ? null : this.dwarfProblem || 'no DWARF',
    };
  }

  /** Whether this binary is the program that wrote a dump with these params and segments. */
  match(params: DumpParams, data: SegmentRecord[], bss: SegmentRecord[]): BinaryMatch {
    const problems: string[] = [];
    if (this.elf.arch !== params.arch) problems.push(`the binary is for ${this.elf.arch}, the dump was written on ${params.arch}`);
    if (!this.goVersion) problems.push('the binary has no Go build info');
    else if (this.goVersion !== params.buildVersion) problems.push(`the binary was built with ${this.goVersion}, the dump written by ${params.buildVersion}`);
    const ranges = this.segments();
    let slide: number | undefined;
    for (const [kind, dumpSeg, mine] of [['data', data[0], ranges.data], ['bss', bss[0], ranges.bss]] as const) {
      if (!dumpSeg) continue;
      if (!mine) {
        problems.push(`the binary has no ${kind} segment`);
        continue;
      }
      if (mine.size !== dumpSeg.size) {
        problems.push(`its ${kind} segment is ${mine.size} bytes, the dump's ${dumpSeg.size}`);
        continue;
      }
      const s = dumpSeg.addr - mine.addr;
      if (slide === undefined) slide = s;
      else if (s !== slide) problems.push(`its data and bss segments sit at different offsets from the dump's`);
    }
    if (slide !== undefined && slide !== 0 && this.elf.type !== 3) {
      problems.push(`its data segment is at 0x${(data[0].addr - slide).toString(16)}, the dump's at 0x${data[0].addr.toString(16)}`);
    }
    return { ok: problems.length === 0, slide: slide ?? 0, problems };
  }

  /** The data and bss ranges as the runtime sees them (moduledata), else the ELF sections. */
  segments(): { data?: { addr: number; size: number }; bss?: { addr: number; size: number } } {
    const md = this.module;
    if (md) return { data: { addr: md.data, size: md.edata - md.data }, bss: { addr: md.bss, size: md.ebss - md.bss } };
    const d = this.elf.section('.data');
    const b = this.elf.section('.bss');
    return { data: d && { addr: d.addr, size: d.size }, bss: b && { addr: b.addr, size: b.size } };
  }

  /** Source frames at a PC of the running program (innermost inlined call first). */
  frames(pc: number): SourceFrame[] {
    return this.lines.frames(pc - this.slide);
  }

  funcNameAt(pc: number): string | undefined {
    return this.lines.funcNameAt(pc - this.slide);
  }

  /** The function inlined at file:line of physical function `func` (see LineTable). */
  inlinedFunctionAt(func: string, file: string, line: number): string | undefined {
    return this.lines.inlinedFunctionAt(func, file, line);
  }

  /** Global variables of the data and bss segments, by address (empty when stripped). */
  globals(): GlobalVariable[] {
    if (this.globalsCache) return this.globalsCache;
    const { data, bss } = this.segments();
    const inside = (a: number) => [data, bss].some((r) => r && a >= r.addr && a < r.addr + r.size);
    this.globalsCache = this.elf.symbols()
      .filter((s) => s.type === STT_OBJECT && inside(s.value))
      .map((s) => ({ name: s.name, addr: s.value + this.slide, size: s.size }));
    return this.globalsCache;
  }

  /** The global variable holding address `addr` of the running program, with the offset into it. */
  globalAt(addr: number): { name: string; offset: number } | undefined {
    const g = this.globals();
    let lo = 0;
    let hi = g.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (g[mid].addr <= addr) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return undefined;
    const v = g[found];
    const off = addr - v.addr;
    return off < Math.max(v.size, 1) ? { name: v.name, offset: off } : undefined;
  }

  /**
   * The program's DWARF (undefined for a stripped binary, or without zlib for compressed
   * DWARF; `dwarfProblem` says why).
   */
  dwarf(): Dwarf | undefined {
    if (this.dwarfCache !== undefined) return this.dwarfCache || undefined;
    this.dwarfCache = false;
    const info = this.elf.section('.debug_info');
    const abbrev = this.elf.section('.debug_abbrev');
    if (!info || !abbrev) {
      this.dwarfProblem = 'the binary has no DWARF (stripped, or built with -ldflags=-w)';
      return undefined;
    }
    try {
      const optional = (name: string) => {
        const sec = this.elf.section(name);
        return sec && this.elf.sectionData(sec, this.inflate);
      };
      this.dwarfCache = new Dwarf(this.elf.sectionData(info, this.inflate), this.elf.sectionData(abbrev, this.inflate), {
        loc: optional('.debug_loc'), loclists: optional('.debug_loclists'), addr: optional('.debug_addr'),
      });
    } catch (e) {
      this.dwarfProblem = `its DWARF cannot be read: ${(e as Error).message}`;
    }
    return this.dwarfCache || undefined;
  }

  /** Global variables with their DWARF types (running-program addresses). */
  typedGlobals(): TypedGlobal[] {
    if (this.typedGlobalsCache) return this.typedGlobalsCache;
    const dwarf = this.dwarf();
    this.typedGlobalsCache = [];
    try {
      for (const g of dwarf?.globals() ?? []) if (g.type !== undefined) this.typedGlobalsCache.push({ name: g.name, addr: g.addr + this.slide, type: g.type });
    } catch (e) {
      this.dwarfProblem = `its DWARF cannot be read: ${(e as Error).message}`;
    }
    return this.typedGlobalsCache;
  }

  /** The Go build ID (the .note.go.buildid note), as `go tool buildid` prints it. */
  buildId(): string | undefined {
    const note = this.elf.section('.note.go.buildid');
    if (!note) return undefined;
    const b = this.elf.sectionData(note, this.inflate);
    if (b.length < 16) return undefined;
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const nameSize = v.getUint32(0, true);
    const descSize = v.getUint32(4, true);
    const descAt = 12 + ((nameSize + 3) & ~3);
    if (descAt + descSize > b.length) return undefined;
    return new TextDecoder().decode(b.subarray(descAt, descAt + descSize));
  }

  /** The runtime address of the descriptor of a DWARF type, if the compiler made one. */
  runtimeTypeAddr(runtimeTypeOffset: number): number | undefined {
    return this.module ? this.module.types + runtimeTypeOffset + this.slide : undefined;
  }

  /** The runtime type descriptor at `addr` of the running program. */
  typeAt(addr: number): RuntimeType | undefined {
    if (!this.module) return undefined;
    this.typeReader ??= new TypeReader(this.elf, this.module, this.goVersion ?? '');
    const t = this.typeReader.typeAt(addr - this.slide);
    return t && this.slide ? { ...t, addr: t.addr + this.slide, elem: t.elem === undefined ? undefined : t.elem + this.slide } : t;
  }

  private readonly masks = new Map<number, number[] | null>();

  /**
   * Offsets of the pointer words of a value of the type at `addr`, when its mask can be read
   * (once per type: typing asks for every interface value).
   */
  pointerOffsets(addr: number): number[] | undefined {
    let offsets = this.masks.get(addr);
    if (offsets === undefined) {
      const t = this.slide ? undefined : this.typeAt(addr);
      offsets = (t && this.typeReader?.pointerOffsets(t, 8)) ?? null;
      this.masks.set(addr, offsets);
    }
    return offsets ?? undefined;
  }
}
