/**
 * The little of DWARF (versions 4 and 5, as the Go linker writes them) the viewer needs:
 * the program's global variables with their addresses and types, and the types: names,
 * sizes, struct members, pointer and element types, Go's kind and the runtime type
 * descriptor each corresponds to (DW_AT_go_runtime_type, an offset from the module's types).
 *
 * A unit is a header and a tree of entries; each entry is an abbreviation code (tag,
 * children flag and attribute forms from .debug_abbrev) followed by its attribute values.
 */

const DW_TAG_variable = 0x34;
const DW_AT_name = 0x03;
const DW_AT_location = 0x02;
const DW_AT_type = 0x49;
const DW_AT_byte_size = 0x0b;
const DW_AT_upper_bound = 0x2f;
const DW_AT_count = 0x37;
const DW_AT_data_member_location = 0x38;
const DW_AT_go_kind = 0x2900;
const DW_AT_go_key = 0x2901;
const DW_AT_go_elem = 0x2902;
const DW_AT_go_runtime_type = 0x2904;
const DW_OP_addr = 0x03;
const DW_TAG_subprogram = 0x2e;
const DW_TAG_formal_parameter = 0x05;
/** Go >= 1.23: a closure's captured variable, at this offset of the closure's object. */
const DW_AT_go_closure_offset = 0x2907;

interface AttrSpec {
  name: number;
  form: number;
  /** DW_FORM_implicit_const's value, stored in the abbreviation. */
  implicit?: number;
}

interface Abbrev {
  tag: number;
  children: boolean;
  attrs: AttrSpec[];
}

interface Unit {
  /** Offset of the unit header in .debug_info, and of its first entry. */
  start: number;
  firstEntry: number;
  end: number;
  version: number;
  abbrevs: Map<number, Abbrev>;
}

/** A type entry, as much of it as the heap typing needs (offsets are .debug_info offsets). */
export interface DType {
  off: number;
  tag: number;
  name: string;
  size: number;
  /** Go's reflect.Kind (DW_AT_go_kind), or -1. */
  kind: number;
  /** DW_AT_type: a pointer's target, a typedef's underlying type, an array's element. */
  target?: number;
  /** Go's element and key types (slices, maps, channels). */
  goElem?: number;
  goKey?: number;
  /** Array length. */
  count?: number;
  members?: { name: string; offset: number; type: number }[];
  /** Offset of the runtime type descriptor from the module's types. */
  runtimeType?: number;
}

export const TAG = { array: 0x01, member: 0x0d, pointer: 0x0f, struct: 0x13, subroutine: 0x15, typedef: 0x16, subrange: 0x21, base: 0x24 } as const;

export interface DwarfGlobal {
  name: string;
  /** Link-time address. */
  addr: number;
  /** Its type entry's .debug_info offset. */
  type: number | undefined;
}

type Value = number | string | Uint8Array | undefined;

/**
 * A local variable or argument of a function, where it lives on the stack: as an offset from
 * the frame's CFA (the caller's stack pointer before the call), over the pc ranges where it
 * lives there (link-time addresses), or always (`always`, a single location expression).
 */
export interface FrameVar {
  name: string;
  type: number;
  always?: number;
  ranges: { lo: number; hi: number; cfaOffset: number }[];
}

/** Location lists and the address table, for frame variables (all optional). */
export interface DwarfLocations {
  loc?: Uint8Array;
  loclists?: Uint8Array;
  addr?: Uint8Array;
}

const DW_TAG_compile_unit = 0x11;
const DW_AT_low_pc = 0x11;
const DW_AT_abstract_origin = 0x31;
const DW_AT_addr_base = 0x73;
const DW_OP_fbreg = 0x91;
const DW_OP_call_frame_cfa = 0x9c;
const DW_OP_piece = 0x93;

/**
 * A location expression's CFA offset when the whole value sits on the stack in one piece or
 * in contiguous pieces (Go's frame base is DW_OP_call_frame_cfa); undefined for registers,
 * split or computed locations.
 */
export function stackOffset(expr: Uint8Array): number | undefined {
  const c = new Leb(expr, 0);
  let first: number | undefined;
  let next: number | undefined;
  while (c.pos < expr.length) {
    const op = expr[c.pos++];
    let at: number;
    if (op === DW_OP_fbreg) at = c.s();
    else if (op === DW_OP_call_frame_cfa && c.pos === expr.length) at = 0;
    else return undefined;
    if (next !== undefined && at !== next) return undefined;
    first ??= at;
    if (c.pos === expr.length) return first;
    if (expr[c.pos++] !== DW_OP_piece) return undefined;
    next = at + c.u();
  }
  return first;
}

/** What one read of .debug_info collects (see Dwarf.scan). */
interface Scan {
  types: Map<number, DType>;
  globals: DwarfGlobal[];
  frameVars: Map<string, FrameVar[]>;
  closureVars: Map<string, CapturedVar[]>;
  /** Why frame variables could not be read (the rest was). */
  frameProblem: Error | undefined;
}

/** A variable a closure captured: where it sits in the closure object, and its type. */
export interface CapturedVar {
  name: string;
  offset: number;
  type: number;
}

export class Dwarf {
  private readonly info: DataView;
  private readonly units: Unit[] = [];
  private readonly abbrevTables = new Map<number, Map<number, Abbrev>>();
  private readonly utf8 = new TextDecoder();

  constructor(private readonly infoBytes: Uint8Array, private readonly abbrevBytes: Uint8Array, private readonly locations: DwarfLocations = {}) {
    this.info = new DataView(infoBytes.buffer, infoBytes.byteOffset, infoBytes.byteLength);
    for (let off = 0; off + 11 <= infoBytes.length;) {
      const length = this.info.getUint32(off, true);
      if (length === 0xffffffff) throw new Error('64-bit DWARF is not supported');
      const end = off + 4 + length;
      const version = this.info.getUint16(off + 4, true);
      let abbrevOff: number;
      let first: number;
      if (version >= 5) {
        // unit_type u8, address_size u8, debug_abbrev_offset u32
        abbrevOff = this.info.getUint32(off + 8, true);
        first = off + 12;
      } else {
        abbrevOff = this.info.getUint32(off + 6, true);
        first = off + 11;
      }
      this.units.push({ start: off, firstEntry: first, end, version, abbrevs: this.abbrevTable(abbrevOff) });
      off = end;
    }
  }

  /** Global variables (unit-level DW_TAG_variable with a DW_OP_addr location). */
  globals(): DwarfGlobal[] {
    return this.scan().globals;
  }

  /**
   * The captured variables of each function literal, by function name (Go >= 1.23 writes
   * their offsets in the closure object; older compilers write none).
   */
  closureVars(): Map<string, CapturedVar[]> {
    return this.scan().closureVars;
  }

  /**
   * The stack-resident variables and arguments of each function with code, by function name,
   * inlined callees' included (they share the frame). Variables in registers at every pc, and
   * those with split locations, are left out.
   */
  frameVariables(): Map<string, FrameVar[]> {
    const s = this.scan();
    if (s.frameProblem) throw s.frameProblem;
    return s.frameVars;
  }

  /** Every type entry, by .debug_info offset (read once, on first use). */
  types(): Map<number, DType> {
    return this.scan().types;
  }

  private scanned: Scan | undefined;

  /**
   * Reads .debug_info once for everything the viewer asks of it: types, globals, frame
   * variables and closures' captured variables (each entry decoded once, not once per
   * question: a real program's DWARF holds millions of entries).
   */
  private scan(): Scan {
    if (this.scanned) return this.scanned;
    const out: Scan = { types: new Map(), globals: [], frameVars: new Map(), closureVars: new Map(), frameProblem: undefined };
    const table = out.types;
    const TYPE_TAGS = new Set<number>([TAG.array, TAG.pointer, TAG.struct, TAG.subroutine, TAG.typedef, TAG.base]);
    const push = <T>(map: Map<string, T[]>, key: string, value: T) => {
      const list = map.get(key);
      if (list) list.push(value);
      else map.set(key, [value]);
    };
    for (const u of this.units) {
      const cu = { base: 0, addrBase: 8 };
      // By depth: the type entry (for members and subranges), the function with code whose
      // frame holds the variables, and the function (literal or not) whose closure captured them.
      const parents: (DType | undefined)[] = [];
      const frameFns: (string | undefined)[] = [];
      const closureFns: (string | undefined)[] = [];
      for (let off = u.firstEntry; off < u.end;) {
        const depth = parents.length;
        const e = this.readEntry(u, off);
        const at = off;
        off = e.next;
        if (!e.abbrev) {
          parents.pop();
          frameFns.pop();
          closureFns.pop();
          continue;
        }
        const tag = e.abbrev.tag;
        const a = e.attrs;
        const num = (k: number) => { const v = a.get(k); return typeof v === 'number' ? v : undefined; };
        let entry: DType | undefined;
        let frameFn = frameFns[depth - 1];
        let closureFn = closureFns[depth - 1];
        if (TYPE_TAGS.has(tag)) {
          const name = a.get(DW_AT_name);
          entry = {
            off: at, tag, name: typeof name === 'string' ? name : '', size: num(DW_AT_byte_size) ?? 0, kind: num(DW_AT_go_kind) ?? -1,
            target: num(DW_AT_type), goElem: num(DW_AT_go_elem), goKey: num(DW_AT_go_key), runtimeType: num(DW_AT_go_runtime_type) || undefined,
          };
          if (tag === TAG.struct) entry.members = [];
          table.set(at, entry);
        } else if (tag === TAG.member) {
          const parent = parents[depth - 1];
          const name = a.get(DW_AT_name);
          const type = num(DW_AT_type);
          const offset = num(DW_AT_data_member_location) ?? 0;
          if (parent?.members && type !== undefined) parent.members.push({ name: typeof name === 'string' ? name : '', offset, type });
        } else if (tag === TAG.subrange) {
          const parent = parents[depth - 1];
          const count = num(DW_AT_count) ?? (num(DW_AT_upper_bound) !== undefined ? (num(DW_AT_upper_bound) as number) + 1 : undefined);
          if (parent && parent.tag === TAG.array) parent.count = count;
        } else if (tag === DW_TAG_compile_unit) {
          const low = a.get(DW_AT_low_pc);
          if (typeof low === 'number' && e.abbrev.attrs.find((x) => x.name === DW_AT_low_pc)?.form === 0x01) cu.base = low;
          const ab = a.get(DW_AT_addr_base);
          if (typeof ab === 'number') cu.addrBase = ab;
        } else if (tag === DW_TAG_subprogram) {
          const name = a.get(DW_AT_name);
          // A function with code (low_pc); an abstract one (inlined elsewhere) has no frame of its own.
          frameFn = typeof name === 'string' && a.has(DW_AT_low_pc) ? name : undefined;
          closureFn = typeof name === 'string' ? name : closureFn;
        } else if (tag === DW_TAG_variable || tag === DW_TAG_formal_parameter) {
          if (depth === 1 && tag === DW_TAG_variable) this.addGlobal(a, out.globals);
          if (closureFn !== undefined) {
            const captured = this.capturedVar(a);
            if (captured) push(out.closureVars, closureFn, captured);
          }
          if (frameFn !== undefined && !out.frameProblem) {
            try {
              const v = this.frameVar(u, a, cu.base, cu.addrBase);
              if (v) push(out.frameVars, frameFn, v);
            } catch (err) {
              // Frame variables this reader does not follow: none, and nothing else lost.
              out.frameProblem = err as Error;
              out.frameVars.clear();
            }
          }
        }
        if (e.abbrev.children) {
          parents.push(entry);
          frameFns.push(frameFn);
          closureFns.push(closureFn);
        }
      }
    }
    this.scanned = out;
    return out;
  }

  private addGlobal(a: Map<number, Value>, out: DwarfGlobal[]): void {
    const loc = a.get(DW_AT_location);
    const name = a.get(DW_AT_name);
    const type = a.get(DW_AT_type);
    if (loc instanceof Uint8Array && loc.length === 9 && loc[0] === DW_OP_addr && typeof name === 'string') {
      const addr = Number(new DataView(loc.buffer, loc.byteOffset + 1, 8).getBigUint64(0, true));
      out.push({ name, addr, type: typeof type === 'number' ? type : undefined });
    }
  }

  private capturedVar(a: Map<number, Value>): CapturedVar | undefined {
    const at = a.get(DW_AT_go_closure_offset);
    const type = a.get(DW_AT_type);
    const name = a.get(DW_AT_name);
    if (typeof at !== 'number' || at <= 0 || typeof type !== 'number') return undefined;
    return { name: typeof name === 'string' ? name : '', offset: at, type };
  }

  private frameVar(u: Unit, attrs: Map<number, Value>, base: number, addrBase: number): FrameVar | undefined {
    let name = attrs.get(DW_AT_name);
    let type = attrs.get(DW_AT_type);
    const origin = attrs.get(DW_AT_abstract_origin);
    if ((typeof type !== 'number' || typeof name !== 'string') && typeof origin === 'number' && origin >= u.start && origin < u.end) {
      const o = this.readEntry(u, origin).attrs;
      name = typeof name === 'string' ? name : o.get(DW_AT_name);
      type = typeof type === 'number' ? type : o.get(DW_AT_type);
    }
    const loc = attrs.get(DW_AT_location);
    if (typeof type !== 'number' || loc === undefined) return undefined;
    const v: FrameVar = { name: typeof name === 'string' ? name : '', type, ranges: [] };
    if (loc instanceof Uint8Array) {
      v.always = loc.length ? stackOffset(loc) : undefined;
      return v.always === undefined ? undefined : v;
    }
    if (typeof loc !== 'number') return undefined;
    const add = (lo: number, hi: number, expr: Uint8Array) => {
      const at = stackOffset(expr);
      if (at !== undefined && hi > lo) v.ranges.push({ lo, hi, cfaOffset: at });
    };
    if (u.version >= 5) this.locList5(loc, base, addrBase, add);
    else this.locList4(loc, base, add);
    return v.ranges.length ? v : undefined;
  }

  /** DWARF 4 .debug_loc: (begin, end) offsets from the base address, then a 2-byte length and the expression. */
  private locList4(off: number, base: number, add: (lo: number, hi: number, expr: Uint8Array) => void): void {
    const b = this.locations.loc;
    if (!b) return;
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let p = off; p + 16 <= b.length;) {
      const a = v.getBigUint64(p, true);
      const e = v.getBigUint64(p + 8, true);
      p += 16;
      if (a === 0n && e === 0n) return;
      if (a === 0xffffffffffffffffn) {
        base = Number(e);
        continue;
      }
      const len = v.getUint16(p, true);
      add(base + Number(a), base + Number(e), b.subarray(p + 2, p + 2 + len));
      p += 2 + len;
    }
  }

  /** DWARF 5 .debug_loclists: DW_LLE_* entries, addresses through .debug_addr. */
  private locList5(off: number, base: number, addrBase: number, add: (lo: number, hi: number, expr: Uint8Array) => void): void {
    const b = this.locations.loclists;
    if (!b) return;
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const a = this.locations.addr;
    const addrx = (i: number) => (a && addrBase + i * 8 + 8 <= a.length ? Number(new DataView(a.buffer, a.byteOffset, a.byteLength).getBigUint64(addrBase + i * 8, true)) : undefined);
    const c = new Leb(b, off);
    const expr = () => {
      const n = c.u();
      c.pos += n;
      return b.subarray(c.pos - n, c.pos);
    };
    const u64 = () => {
      c.pos += 8;
      return Number(v.getBigUint64(c.pos - 8, true));
    };
    while (c.pos < b.length) {
      switch (b[c.pos++]) {
        case 0x00: return; // end_of_list
        case 0x01: base = addrx(c.u()) ?? base; break; // base_addressx
        case 0x02: { const lo = addrx(c.u()); const hi = addrx(c.u()); const x = expr(); if (lo !== undefined && hi !== undefined) add(lo, hi, x); break; } // startx_endx
        case 0x03: { const lo = addrx(c.u()); const n = c.u(); const x = expr(); if (lo !== undefined) add(lo, lo + n, x); break; } // startx_length
        case 0x04: { const lo = c.u(); const hi = c.u(); add(base + lo, base + hi, expr()); break; } // offset_pair
        case 0x05: expr(); break; // default_location
        case 0x06: base = u64(); break; // base_address
        case 0x07: { const lo = u64(); const hi = u64(); add(lo, hi, expr()); break; } // start_end
        case 0x08: { const lo = u64(); const n = c.u(); add(lo, lo + n, expr()); break; } // start_length
        default: return;
      }
    }
  }

  private abbrevTable(offset: number): Map<number, Abbrev> {
    let table = this.abbrevTables.get(offset);
    if (table) return table;
    table = new Map();
    const b = this.abbrevBytes;
    const c = new Leb(b, offset);
    for (;;) {
      const code = c.u();
      if (code === 0 || c.pos >= b.length) break;
      const tag = c.u();
      const children = b[c.pos++] === 1;
      const attrs: AttrSpec[] = [];
      for (;;) {
        const name = c.u();
        const form = c.u();
        if (name === 0 && form === 0) break;
        attrs.push(form === 0x21 ? { name, form, implicit: c.s() } : { name, form });
      }
      table.set(code, { tag, children, attrs });
    }
    this.abbrevTables.set(offset, table);
    return table;
  }

  /** The entry at `off`: its abbreviation (undefined for a null entry) and attribute values. */
  private readEntry(u: Unit, off: number): { abbrev: Abbrev | undefined; attrs: Map<number, Value>; next: number } {
    const c = new Leb(this.infoBytes, off);
    const code = c.u();
    const attrs = new Map<number, Value>();
    if (code === 0) return { abbrev: undefined, attrs, next: c.pos };
    const abbrev = u.abbrevs.get(code);
    if (!abbrev) throw new Error(`DWARF: unknown abbreviation ${code} at .debug_info+0x${off.toString(16)}`);
    for (const spec of abbrev.attrs) attrs.set(spec.name, this.attrValue(c, u, spec.form, spec));
    return { abbrev, attrs, next: c.pos };
  }

  /** Reads one attribute value of the given form at c (a method, not a closure per entry: millions of entries). */
  private attrValue(c: Leb, u: Unit, form: number, spec: AttrSpec): Value {
    const b = this.infoBytes;
    const v = this.info;
    switch (form) {
      case 0x01: c.pos += 8; return Number(v.getBigUint64(c.pos - 8, true)); // addr
      case 0x03: return c.block(v.getUint16((c.pos += 2) - 2, true)); // block2
      case 0x04: return c.block(v.getUint32((c.pos += 4) - 4, true)); // block4
      case 0x05: c.pos += 2; return v.getUint16(c.pos - 2, true); // data2
      case 0x06: c.pos += 4; return v.getUint32(c.pos - 4, true); // data4
      case 0x07: c.pos += 8; return Number(v.getBigUint64(c.pos - 8, true)); // data8
      case 0x08: { // string
        const s = c.pos;
        while (c.pos < b.length && b[c.pos] !== 0) c.pos++;
        c.pos++;
        return this.utf8.decode(b.subarray(s, c.pos - 1));
      }
      case 0x09: case 0x18: return c.block(c.u()); // block, exprloc
      case 0x0a: return c.block(b[c.pos++]); // block1
      case 0x0b: case 0x0c: case 0x11: return b[c.pos++]; // data1, flag, ref1
      case 0x0d: return c.s(); // sdata
      case 0x0f: return c.u(); // udata
      case 0x0e: case 0x10: case 0x17: case 0x1f: c.pos += 4; return v.getUint32(c.pos - 4, true); // strp, ref_addr, sec_offset, line_strp
      case 0x12: c.pos += 2; return u.start + v.getUint16(c.pos - 2, true); // ref2
      case 0x13: c.pos += 4; return u.start + v.getUint32(c.pos - 4, true); // ref4
      case 0x14: c.pos += 8; return u.start + Number(v.getBigUint64(c.pos - 8, true)); // ref8
      case 0x15: return u.start + c.u(); // ref_udata
      case 0x16: return this.attrValue(c, u, c.u(), spec); // indirect
      case 0x19: return 1; // flag_present
      case 0x1a: case 0x1b: case 0x22: case 0x23: return c.u(); // strx, addrx, loclistx, rnglistx
      case 0x1c: case 0x1d: c.pos += 4; return v.getUint32(c.pos - 4, true); // ref_sup4, strp_sup
      case 0x1e: c.pos += 16; return undefined; // data16
      case 0x20: c.pos += 8; return undefined; // ref_sig8
      case 0x21: return spec.implicit; // implicit_const
      case 0x25: case 0x29: return b[c.pos++]; // strx1, addrx1
      case 0x26: case 0x2a: c.pos += 2; return v.getUint16(c.pos - 2, true); // strx2, addrx2
      case 0x27: case 0x2b: c.pos += 3; return b[c.pos - 3] | (b[c.pos - 2] << 8) | (b[c.pos - 1] << 16); // strx3, addrx3
      case 0x28: case 0x2c: c.pos += 4; return v.getUint32(c.pos - 4, true); // strx4, addrx4
      default: throw new Error(`DWARF: unsupported form 0x${form.toString(16)} at .debug_info+0x${c.pos.toString(16)}`);
    }
  }
}

/** Reads LEB128 numbers (DWARF's variable-length integers) from `b`, advancing `pos`. */
class Leb {
  constructor(private readonly b: Uint8Array, public pos: number) {}

  /** The next n bytes. */
  block(n: number): Uint8Array {
    this.pos += n;
    return this.b.subarray(this.pos - n, this.pos);
  }

  u(): number {
    let x = 0;
    for (let shift = 0; ; shift += 7) {
      const c = this.b[this.pos++] ?? 0;
      x += (c & 0x7f) * 2 ** shift;
      if (c < 0x80) return x;
    }
  }

  s(): number {
    let x = 0;
    let shift = 0;
    let c: number;
    do {
      c = this.b[this.pos++] ?? 0;
      x += (c & 0x7f) * 2 ** shift;
      shift += 7;
    } while (c >= 0x80);
    return c & 0x40 ? x - 2 ** shift : x;
  }
}
