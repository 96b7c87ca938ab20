/**
 * The runtime's module descriptor (runtime.moduledata, the first module's is
 * runtime.firstmoduledata): where the runtime thinks the program's text, data, bss, type
 * descriptors and function data are. The dump's data and bss records are exactly its
 * [data, edata) and [bss, ebss), which is what matches a binary to a dump.
 *
 * Found by its symbol, or in a stripped binary by the pointer to the line table that is its
 * first word (in .noptrdata, or .go.module from Go 1.26). Layout (64-bit words; slices are
 * 3 words):
 *   0 pcHeader, 1-18 six slices (funcnametab, cutab, filetab, pctab, pclntable, ftab),
 *   19 findfunctab, 20 minpc, 21 maxpc, 22 text, 23 etext, 24 noptrdata, 25 enoptrdata,
 *   26 data, 27 edata, 28 bss, 29 ebss, 30 noptrbss, 31 enoptrbss,
 *   [Go >= 1.20: covctrs, ecovctrs], end, gcdata, gcbss, types, etypes, rodata, gofunc,
 *   [Go 1.26: epclntab], textsectmap (slice), typelinks (slice of int32 offsets from
 *   types), itablinks (slice).
 */
import { ElfFile } from './elf';

export interface ModuleData {
  /** Virtual address of the descriptor itself. */
  addr: number;
  text: number;
  etext: number;
  data: number;
  edata: number;
  bss: number;
  ebss: number;
  noptrdata: number;
  enoptrdata: number;
  noptrbss: number;
  enoptrbss: number;
  types: number;
  etypes: number;
  gofunc: number;
  /** Offsets of the program's type descriptors from `types`. */
  typelinks: { addr: number; length: number };
}

export function findModuleData(elf: ElfFile, pclntabAddr: number, go120: boolean): ModuleData | undefined {
  const sym = elf.symbol('runtime.firstmoduledata');
  const candidates: number[] = sym ? [sym.value] : scanFor(elf, pclntabAddr);
  for (const addr of candidates) {
    const md = decode(elf, addr, go120);
    if (md && plausible(md, pclntabAddr, elf)) return md;
  }
  return undefined;
}

/** Addresses in the writable data sections holding the word `value`, 8-aligned. */
function scanFor(elf: ElfFile, value: number): number[] {
  const out: number[] = [];
  for (const s of elf.sections) {
    if (!['.go.module', '.noptrdata', '.data', '.data.rel.ro'].includes(s.name)) continue;
    const bytes = elf.sectionBytes(s);
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let o = 0; o + 8 <= bytes.length; o += 8) {
      if (Number(v.getBigUint64(o, true)) === value) out.push(s.addr + o);
    }
  }
  return out;
}

function decode(elf: ElfFile, addr: number, go120: boolean): ModuleData | undefined {
  const words = 60;
  const b = elf.readVirtual(addr, words * 8);
  if (!b) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const w = (i: number) => Number(v.getBigUint64(i * 8, true));
  const k = go120 ? 34 : 32; // index of `end`
  // Go 1.26 (at least) has epclntab after gofunc: find typelinks as the slice (ptr, len, len)
  // that starts in .typelink, or else where it is without that word.
  const typelink = elf.section('.typelink');
  const slices = [k + 10, k + 11].filter((i) => w(i + 1) === w(i + 2) && elf.sectionAt(w(i)) !== undefined);
  const links = slices.find((i) => typelink && w(i) === typelink.addr) ?? slices[0] ?? k + 10;
  return {
    addr,
    text: w(22), etext: w(23), noptrdata: w(24), enoptrdata: w(25), data: w(26), edata: w(27),
    bss: w(28), ebss: w(29), noptrbss: w(30), enoptrbss: w(31),
    types: w(k + 3), etypes: w(k + 4), gofunc: w(k + 6),
    typelinks: { addr: w(links), length: w(links + 1) },
  };
}

/** The descriptor points at the line table, and its ranges are ordered as the linker lays them out. */
function plausible(md: ModuleData, pclntabAddr: number, elf: ElfFile): boolean {
  const first = elf.readVirtual(md.addr, 8);
  if (!first || Number(new DataView(first.buffer, first.byteOffset).getBigUint64(0, true)) !== pclntabAddr) return false;
  const ordered = md.text < md.etext && md.data <= md.edata && md.bss <= md.ebss && md.types < md.etypes;
  const gofuncInImage = elf.sectionAt(md.gofunc) !== undefined;
  return ordered && gofuncInImage && md.typelinks.length < 1e7;
}
