/**
 * A lazy reader of 64-bit little-endian ELF files (Go programs for linux/amd64 and
 * linux/arm64): the header, the section table, section contents on demand, symbols and
 * reads at virtual addresses. Nothing is read until asked for; the file is never loaded whole.
 */
import { ByteSource, readAt } from '../util/byteSource';

/** A problem with the program binary: what, and where in the file. */
export class BinaryError extends Error {
  constructor(readonly file: string, readonly offset: number, what: string) {
    super(`${file}: ${what} (at byte offset ${offset})`);
    this.name = 'BinaryError';
  }
}

export interface ElfSection {
  name: string;
  type: number;
  flags: number;
  addr: number;
  /** File offset of the contents (meaningless for NOBITS sections such as .bss). */
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  /** STT_* type: 1 object, 2 function. */
  type: number;
  section: number;
}

/** zlib inflate, provided by the host (the engine has no I/O or compression of its own). */
export type Inflate = (compressed: Uint8Array) => Uint8Array;

export const SHT_SYMTAB = 2;
export const SHT_NOBITS = 8;
export const SHF_COMPRESSED = 0x800;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;

const UTF8 = new TextDecoder();
const MACHINES: Record<number, string> = { 62: 'amd64', 183: 'arm64' };

export class ElfFile {
  readonly arch: string;
  /** ET_EXEC (2) or ET_DYN (3, position independent). */
  readonly type: number;
  readonly sections: ElfSection[];
  private symbolCache: ElfSymbol[] | undefined;

  constructor(readonly source: ByteSource, readonly fileName: string) {
    const head = readAt(source, 0, 64);
    if (head.length < 64 || head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) {
      throw new BinaryError(fileName, 0, 'not an ELF file (no \\x7fELF magic)');
    }
    if (head[4] !== 2) throw new BinaryError(fileName, 4, 'a 32-bit ELF file: only 64-bit Go programs (amd64, arm64) are supported');
    if (head[5] !== 1) throw new BinaryError(fileName, 5, 'a big-endian ELF file: only little-endian Go programs (amd64, arm64) are supported');
    const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
    this.type = v.getUint16(16, true);
    const machine = v.getUint16(18, true);
    const arch = MACHINES[machine];
    if (!arch) throw new BinaryError(fileName, 18, `ELF machine ${machine} is not amd64 or arm64`);
    this.arch = arch;
    const shoff = Number(v.getBigUint64(0x28, true));
    const shentsize = v.getUint16(0x3a, true);
    const shnum = v.getUint16(0x3c, true);
    const shstrndx = v.getUint16(0x3e, true);
    if (shentsize !== 64 || shoff + shnum * 64 > source.size) {
      throw new BinaryError(fileName, 0x28, `section table (${shnum} entries of ${shentsize} bytes at ${shoff}) does not fit the file`);
    }
    const table = readAt(source, shoff, shnum * 64);
    const t = new DataView(table.buffer, table.byteOffset, table.byteLength);
    const raw = Array.from({ length: shnum }, (_, i) => {
      const o = i * 64;
      return {
        nameOff: t.getUint32(o, true),
        type: t.getUint32(o + 4, true),
        flags: Number(t.getBigUint64(o + 8, true)),
        addr: Number(t.getBigUint64(o + 16, true)),
        offset: Number(t.getBigUint64(o + 24, true)),
        size: Number(t.getBigUint64(o + 32, true)),
        link: t.getUint32(o + 40, true),
        entsize: Number(t.getBigUint64(o + 56, true)),
      };
    });
    const names = shstrndx < raw.length ? readAt(source, raw[shstrndx].offset, raw[shstrndx].size) : new Uint8Array(0);
    this.sections = raw.map((s) => ({ ...s, name: cString(names, s.nameOff) }));
  }

  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** The stored bytes of a section (still compressed if SHF_COMPRESSED). */
  sectionBytes(s: ElfSection): Uint8Array {
    if (s.type === SHT_NOBITS) return new Uint8Array(s.size);
    if (s.offset + s.size > this.source.size) {
      throw new BinaryError(this.fileName, s.offset, `section ${s.name} (${s.size} bytes) runs past the end of the file`);
    }
    return readAt(this.source, s.offset, s.size);
  }

  /**
   * The contents of a section, inflated if it is SHF_COMPRESSED (an Elf64_Chdr, then zlib
   * data); `inflate` is the host's zlib, undefined where there is none.
   */
  sectionData(s: ElfSection, inflate: Inflate | undefined): Uint8Array {
    const bytes = this.sectionBytes(s);
    if ((s.flags & SHF_COMPRESSED) === 0) return bytes;
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 24 || v.getUint32(0, true) !== 1) throw new BinaryError(this.fileName, s.offset, `section ${s.name} is compressed with something other than zlib`);
    if (!inflate) throw new BinaryError(this.fileName, s.offset, `section ${s.name} is compressed and no zlib is at hand`);
    const size = Number(v.getBigUint64(8, true));
    const out = inflate(bytes.subarray(24));
    if (out.length !== size) throw new BinaryError(this.fileName, s.offset, `section ${s.name} inflates to ${out.length} bytes, its header says ${size}`);
    return out;
  }

  /** The section whose memory image holds virtual address `addr`. */
  sectionAt(addr: number): ElfSection | undefined {
    return this.sections.find((s) => s.addr !== 0 && addr >= s.addr && addr < s.addr + s.size && (s.flags & 2) !== 0);
  }

  /** `length` bytes of the memory image at virtual address `addr` (zeros in NOBITS sections). */
  readVirtual(addr: number, length: number): Uint8Array | undefined {
    const s = this.sectionAt(addr);
    if (!s || addr + length > s.addr + s.size) return undefined;
    if (s.type === SHT_NOBITS) return new Uint8Array(length);
    return readAt(this.source, s.offset + (addr - s.addr), length);
  }

  /** The symbol table (empty for a stripped binary), sorted by address. */
  symbols(): ElfSymbol[] {
    if (this.symbolCache) return this.symbolCache;
    const symtab = this.sections.find((s) => s.type === SHT_SYMTAB);
    const out: ElfSymbol[] = [];
    if (symtab && symtab.link < this.sections.length) {
      const strings = this.sectionBytes(this.sections[symtab.link]);
      const bytes = this.sectionBytes(symtab);
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let o = 24; o + 24 <= bytes.length; o += 24) {
        const info = bytes[o + 4];
        out.push({
          name: cString(strings, v.getUint32(o, true)),
          type: info & 0xf,
          section: v.getUint16(o + 6, true),
          value: Number(v.getBigUint64(o + 8, true)),
          size: Number(v.getBigUint64(o + 16, true)),
        });
      }
    }
    out.sort((a, b) => a.value - b.value);
    this.symbolCache = out;
    return out;
  }

  symbol(name: string): ElfSymbol | undefined {
    return this.symbols().find((s) => s.name === name);
  }
}

/** The NUL-terminated string at `offset` of `bytes`. */
export function cString(bytes: Uint8Array, offset: number): string {
  let end = offset;
  while (end < bytes.length && bytes[end] !== 0) end++;
  return UTF8.decode(bytes.subarray(offset, end));
}
