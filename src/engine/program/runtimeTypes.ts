/**
 * Runtime type descriptors (internal/abi.Type, runtime._type before Go 1.21) read from the
 * program image. 64-bit layout, the same from Go 1.14 to 1.26:
 *   0 size, 8 ptrdata, 16 hash u32, 20 tflag u8, 21 align, 22 fieldAlign, 23 kind u8,
 *   24 equal func, 32 gcdata, 40 str (name offset from the module's types, i32),
 *   44 ptrToThis (i32); kind-specific parts follow at 48.
 * A name is a flags byte, a varint length and the bytes; tflag bit 1 (extra star) means the
 * stored name has a leading '*' that is not part of this type's name.
 */
import { ElfFile } from './elf';
import type { ModuleData } from './moduleData';

const KINDS = ['invalid', 'bool', 'int', 'int8', 'int16', 'int32', 'int64', 'uint', 'uint8', 'uint16', 'uint32', 'uint64', 'uintptr',
  'float32', 'float64', 'complex64', 'complex128', 'array', 'chan', 'func', 'interface', 'map', 'ptr', 'slice', 'string', 'struct',
  'unsafe.Pointer'];
const TFLAG_UNCOMMON = 1;
const TFLAG_EXTRA_STAR = 2;
const TFLAG_NAMED = 4;
/** Go >= 1.24: gcdata points to a mask the runtime builds on demand (large types). */
const TFLAG_GC_MASK_ON_DEMAND = 16;
/** Go < 1.24: gcdata is a GC program, not a mask. */
const KIND_GC_PROG = 0x40;
/** Pointer masks longer than this many words are not read (the size check alone serves). */
const MAX_MASK_WORDS = 4096;
/** Go 1.24 made swiss tables the map implementation; their descriptor is longer. */
const SWISS_MAPS = (goVersion: string) => {
  const m = /^go1\.(\d+)/.exec(goVersion);
  return m !== null && Number(m[1]) >= 24;
};
const HEADER = 48;

export interface RuntimeType {
  /** Link-time address of the descriptor. */
  addr: number;
  name: string;
  /** reflect.Kind name: "struct", "ptr", "map"... */
  kind: string;
  size: number;
  /** Bytes of the value that can hold pointers (a prefix of it). */
  ptrdata: number;
  /** The element type's descriptor address, for pointers, slices, arrays, channels and maps (the value type). */
  elem?: number;
  /** Link-time address of the pointer mask (a bit per word of ptrdata), 0 when there is none to read. */
  gcdata: number;
}

export class TypeReader {
  private readonly cache = new Map<number, RuntimeType | null>();
  private readonly utf8 = new TextDecoder();

  constructor(private readonly elf: ElfFile, private readonly module: ModuleData, readonly goVersion: string) {}

  typeAt(addr: number): RuntimeType | undefined {
    let t = this.cache.get(addr);
    if (t === undefined) {
      t = this.read(addr) ?? null;
      this.cache.set(addr, t);
    }
    return t ?? undefined;
  }

  private read(addr: number): RuntimeType | undefined {
    if (addr < this.module.types || addr + HEADER > this.module.etypes) return undefined;
    const b = this.elf.readVirtual(addr, HEADER);
    if (!b) return undefined;
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const tflag = b[20];
    const kind = b[23] & 0x1f;
    let str = this.nameAt(this.module.types + v.getInt32(40, true));
    if (str === undefined) return undefined;
    if (tflag & TFLAG_EXTRA_STAR && str.startsWith('*')) str = str.slice(1);
    const kindName = KINDS[kind] ?? `kind ${kind}`;
    const elem = this.elemOf(addr, kindName);
    // The string of a type names its package by the last element only ("poll.T"); the dump's
    // type records, like Go's %T of a named type, use the whole path ("internal/poll.T").
    let name = str;
    const pkgPath = tflag & TFLAG_UNCOMMON ? this.pkgPath(addr, kindName) : undefined;
    if (tflag & TFLAG_NAMED && pkgPath) name = `${pkgPath}.${shortName(str)}`;
    else if (kindName === 'ptr' && elem !== undefined && (tflag & TFLAG_NAMED) === 0) {
      const target = this.typeAt(elem);
      if (target) name = `*${target.name}`;
    }
    const maskReadable = (tflag & TFLAG_GC_MASK_ON_DEMAND) === 0 && (b[23] & KIND_GC_PROG) === 0;
    const gcdata = maskReadable ? Number(v.getBigUint64(32, true)) : 0;
    return { addr, name, kind: kindName, size: Number(v.getBigUint64(0, true)), ptrdata: Number(v.getBigUint64(8, true)), elem, gcdata };
  }

  /**
   * Offsets of the pointer words of a value of type t, from its mask (a bit per word, low bit
   * first); undefined when the mask cannot be read (GC programs, on-demand masks, PIE images
   * whose mask pointer is a relocation, very large types).
   */
  pointerOffsets(t: RuntimeType, ptrSize: number): number[] | undefined {
    const words = Math.ceil(t.ptrdata / ptrSize);
    if (words === 0) return [];
    if (t.gcdata === 0 || words > MAX_MASK_WORDS) return undefined;
    const mask = this.elf.readVirtual(t.gcdata, Math.ceil(words / 8));
    if (!mask) return undefined;
    const out: number[] = [];
    for (let w = 0; w < words; w++) if (mask[w >> 3] & (1 << (w & 7))) out.push(w * ptrSize);
    return out;
  }

  /** Size of the kind-specific descriptor after the header, where the uncommon part follows. */
  private kindPart(kind: string): number {
    switch (kind) {
      case 'ptr': case 'slice': return 8;
      case 'chan': return 16;
      case 'array': return 24;
      case 'func': return 8; // two uint16 counts, padded
      case 'interface': case 'struct': return 32;
      case 'map': return SWISS_MAPS(this.goVersion) ? 64 : 40;
      default: return 0;
    }
  }

  /** The package path of the uncommon part (a name offset from types), or undefined. */
  private pkgPath(addr: number, kind: string): string | undefined {
    const b = this.elf.readVirtual(addr + HEADER + this.kindPart(kind), 4);
    if (!b) return undefined;
    const off = new DataView(b.buffer, b.byteOffset).getInt32(0, true);
    return off === 0 ? undefined : this.nameAt(this.module.types + off) || undefined;
  }

  /**
   * The element type right after the header: PtrType, SliceType, ChanType and ArrayType
   * start with it; MapType has the key first, then the value type.
   */
  private elemOf(addr: number, kind: string): number | undefined {
    const at = kind === 'ptr' || kind === 'slice' || kind === 'chan' || kind === 'array' ? HEADER : kind === 'map' ? HEADER + 8 : -1;
    if (at < 0) return undefined;
    const b = this.elf.readVirtual(addr + at, 8);
    return b ? Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true)) : undefined;
  }

  /** A name record: flags byte, varint length, bytes. */
  private nameAt(addr: number): string | undefined {
    let head: Uint8Array | undefined;
    for (let n = 11; !head && n >= 2; n--) head = this.elf.readVirtual(addr, n);
    if (!head) return undefined;
    let len = 0;
    let shift = 0;
    let p = 1;
    for (; p < head.length; p++) {
      len += (head[p] & 0x7f) * 2 ** shift;
      shift += 7;
      if (head[p] < 0x80) break;
    }
    if (p >= head.length || len > 1 << 16) return undefined;
    const bytes = this.elf.readVirtual(addr + p + 1, len);
    return bytes && this.utf8.decode(bytes);
  }
}

/** The name of a named type without its package (runtime rtype.name): "T", "Pair[int,main.U]". */
function shortName(s: string): string {
  let i = s.length - 1;
  let brackets = 0;
  for (; i >= 0 && (s[i] !== '.' || brackets !== 0); i--) {
    if (s[i] === ']') brackets++;
    else if (s[i] === '[') brackets--;
  }
  return s.slice(i + 1);
}
