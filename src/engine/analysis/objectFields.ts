/**
 * The fields of an object whose DWARF type is known: name, offset, type and value as Go
 * would print it (numbers, bools, a string's first bytes, a slice's length and capacity, an
 * interface's dynamic type, a map's entries as `m["key"]` rows), pointers with the object they
 * point into.
 */
import { FieldRow } from '../api';
import { readAt } from '../util/byteSource';
import { DType, TAG } from '../program/dwarf';
import { dwarfTypeOf, dwarfTypingOf } from '../typing/dwarfTyping';
import type { Heap } from './heap';
import { readObjectRecord } from '../format/objectRecords';
import { BytesAt, MapEntries, isMapHeader, mapEntries, mapHeaderOf } from './mapEntries';

const MAX_ROWS = 300;
const MAX_ELEMENTS = 64;
const MAX_DEPTH = 5;
const STRING_PREVIEW = 64;
/** A long string's text the inspector shows on "more". */
const STRING_MORE = 4096;
/** Entries (elements) shown under a map (slice) field, and for a map header opened itself. */
const INLINE_ENTRIES = 8;
const HEADER_ENTRIES = 256;
const KIND_INTERFACE = 20;
const KIND_SLICE = 23;
const KIND_STRING = 24;

/**
 * The fields of object `index`, or undefined when its DWARF type is unknown. `withEntries` (the
 * inspector) adds maps' entries, slices' elements and long strings' "more"; a label needs none.
 */
export function objectFields(heap: Heap, index: number, withEntries = true): { fields: FieldRow[]; truncated: boolean } | undefined {
  const typing = dwarfTypingOf(heap);
  const type = typing ? dwarfTypeOf(typing, index) : -1;
  if (!typing || type < 0) return undefined;
  const tv = typing.view;
  const start = typing.valueOffset[index];
  const size = heap.size(index);
  const rec = readObjectRecord(heap.model, heap.source, index);
  const self = memOf(readAt(heap.source, rec.contentsOffset, Math.min(rec.size, 1 << 16)));
  const little = !heap.model.params.bigEndian;
  const word = (m: Mem, off: number): number | undefined => (off + 8 <= m.bytes.length ? Number(m.view.getBigUint64(off, little)) : undefined);
  const rows: FieldRow[] = [];
  let truncated = false;

  const targetOf = (w: number | undefined): number | undefined => {
    if (!w) return undefined;
    const o = heap.requireGraph().index.find(w);
    return o >= 0 ? o : undefined;
  };

  const bytesAt = programBytes(heap);

  const stringAt = (m: Mem, off: number): { text: string; len: number; ptr: number } | undefined => {
    const ptr = word(m, off);
    const len = word(m, off + 8) ?? 0;
    if (!ptr || len === 0) return { text: '""', len: 0, ptr: 0 };
    const text = bytesAt(ptr, Math.min(len, STRING_PREVIEW));
    return text ? { text: JSON.stringify(new TextDecoder().decode(text)) + (len > STRING_PREVIEW ? '...' : ''), len, ptr } : undefined;
  };

  const value = (m: Mem, off: number, typeOff: number): Pick<FieldRow, 'value' | 'target' | 'more'> => {
    const u = tv.underlying(typeOff);
    if (!u) return {};
    const w = word(m, off);
    if (u.tag === TAG.pointer) return w === undefined ? {} : { value: w ? `0x${w.toString(16)}` : 'nil', target: targetOf(w) };
    if (u.tag === TAG.struct && u.kind === KIND_SLICE) {
      const len = word(m, off + 8) ?? 0;
      const sizes = w ? `len ${len}, cap ${word(m, off + 16)}` : 'nil';
      // A []byte also shows its first bytes: as text when they are text, else in hex.
      const bytesType = /^\[\](uint8|byte)$/.test(tv.nameOf(typeOff));
      const head = bytesType && w && len > 0 ? bytesAt(w, Math.min(len, STRING_PREVIEW)) : undefined;
      return { value: head ? `${bytePreview(head)}${len > head.length ? '...' : ''} (${sizes})` : sizes, target: targetOf(w) };
    }
    if (u.tag === TAG.struct && u.kind === KIND_STRING) {
      const s = stringAt(m, off);
      if (s?.len === 0) return { value: '""' };
      // A long string's first STRING_MORE bytes too, for the inspector's "more".
      const full = withEntries && s && s.len > STRING_PREVIEW ? bytesAt(s.ptr, Math.min(s.len, STRING_MORE)) : undefined;
      const more = full ? JSON.stringify(new TextDecoder().decode(full)) + (s && s.len > full.length ? '...' : '') : undefined;
      return { value: `${s?.text ?? '?'} (${word(m, off + 8)} bytes)`, target: targetOf(w), ...(more ? { more } : {}) };
    }
    if (u.tag === TAG.struct && u.kind === KIND_INTERFACE) {
      if (!w) return { value: 'nil' };
      const eface = u.members?.[0]?.name === '_type';
      const dyn = eface ? w : heap.model.itabs.find((i) => i.addr === w)?.type ?? word8(bytesAt(w + 8, 8), little);
      const name = dyn === undefined ? undefined : heap.program?.typeAt(dyn)?.name;
      return { value: name ?? `(${eface ? 'type' : 'itab'} 0x${w.toString(16)})`, target: targetOf(word(m, off + 8)) };
    }
    if (u.tag === TAG.base && u.size <= 8 && off + u.size <= m.bytes.length) return { value: baseValue(m.view, off, u.name, u.kind, u.size, little) };
    return {};
  };

  /** A map key as Go's index expression writes it: "channel" quoted, numbers, addresses. */
  const keyText = (m: Mem, off: number, typeOff: number): { text: string; order: bigint | string } => {
    const u = tv.underlying(typeOff);
    if (u?.tag === TAG.struct && u.kind === KIND_STRING) {
      const s = stringAt(m, off);
      return { text: s?.text ?? '?', order: s?.text ?? '' };
    }
    if (u?.tag === TAG.pointer) {
      const w = word(m, off) ?? 0;
      return { text: w ? `0x${w.toString(16)}` : 'nil', order: BigInt(w) };
    }
    const v = value(m, off, typeOff).value;
    if (u?.tag === TAG.base && v !== undefined && /^-?\d+$/.test(v)) return { text: v, order: BigInt(v) };
    return { text: v ?? `${tv.nameOf(typeOff)}{...}`, order: v ?? '' };
  };

  /** Rows for a map's entries, `path[key]` with the value's rows, sorted by key as fmt prints maps when all are shown. */
  const entries = (map: MapEntries, path: string, depth: number, at: number): void => {
    const shown = map.entries.map((e) => ({ e, key: keyText(memOf(e.bytes), e.keyOffset, map.keyType) }));
    if (!map.partial) shown.sort((a, b) => (a.key.order < b.key.order ? -1 : a.key.order > b.key.order ? 1 : 0));
    for (const { e, key } of shown) emitElsewhere(memOf(e.bytes), e.valueOffset, map.valueType, `${path}[${key.text}]`, depth, at);
    if (map.partial || map.count > shown.length) {
      rows.push({ offset: at, size: 0, name: `${path}[...]`, type: '', value: `${Math.max(0, map.count - shown.length)} more of ${map.count} entries`, entry: true });
    }
  };

  /** A value read from outside the object (a map entry, a slice element): its rows carry the field's offset `at`. */
  const emitElsewhere = (m: Mem, off: number, typeOff: number, path: string, depth: number, at: number): void => {
    const before = rows.length;
    emit(m, off, typeOff, path, depth);
    for (let k = before; k < rows.length; k++) rows[k] = { ...rows[k], offset: at, entry: true };
  };

  const emit = (m: Mem, off: number, typeOff: number, path: string, depth: number): void => {
    if (rows.length >= MAX_ROWS) {
      truncated = true;
      return;
    }
    const header = mapHeaderOf(tv, typeOff);
    if (header !== undefined) {
      // A map: its length, then its first entries beneath it.
      const w = word(m, off);
      const hb = w ? bytesAt(w, tv.sizeOf(header)) : undefined;
      const map = hb && withEntries && depth < MAX_DEPTH ? mapEntries(tv, header, hb, bytesAt, INLINE_ENTRIES) : undefined;
      rows.push({ offset: off, size: 8, name: path || '(value)', type: tv.nameOf(typeOff), value: !w ? 'nil' : map ? `len ${map.count}` : `0x${w.toString(16)}`, target: targetOf(w) });
      if (map) entries(map, path, depth + 1, off);
      return;
    }
    const u = tv.underlying(typeOff);
    const plainStruct = u?.tag === TAG.struct && u.kind !== KIND_SLICE && u.kind !== KIND_STRING && u.kind !== KIND_INTERFACE;
    if (plainStruct && tv.nameOf(typeOff) === 'time.Time' && off + 24 <= m.bytes.length) {
      // A time as Go prints it, not its three words (wall, ext, loc).
      const loc = word(m, off + 16) ?? 0;
      const locName = loc ? goString(bytesAt, bytesAt(loc, 16), little) : undefined;
      const shown = formatGoTime(m.view.getBigUint64(off, little), m.view.getBigInt64(off + 8, little));
      rows.push({ offset: off, size: 24, name: path || '(value)', type: 'time.Time', value: `${shown}${locName ? ` (location ${locName})` : ''}`, target: targetOf(loc) });
      return;
    }
    if (plainStruct && depth < MAX_DEPTH && u.members?.length) {
      for (const mm of u.members) emit(m, off + mm.offset, mm.type, path ? `${path}.${mm.name}` : mm.name, depth + 1);
      return;
    }
    if (u?.tag === TAG.array && u.target !== undefined && (u.count ?? 0) <= 8 && depth < MAX_DEPTH && tv.underlying(u.target)?.tag === TAG.struct) {
      const es = tv.sizeOf(u.target);
      for (let k = 0; k < (u.count ?? 0); k++) emit(m, off + k * es, u.target, `${path}[${k}]`, depth + 1);
      return;
    }
    rows.push({ offset: off, size: tv.sizeOf(typeOff), name: path || '(value)', type: tv.nameOf(typeOff), ...value(m, off, typeOff) });
    if (u?.tag === TAG.struct && u.kind === KIND_SLICE && withEntries && depth < MAX_DEPTH) elements(m, off, u, path, depth + 1, off);
  };

  /** A slice's first elements beneath it (not a []byte's: its value shows them), read from its backing array. */
  const elements = (m: Mem, off: number, slice: DType, path: string, depth: number, at: number): void => {
    const elem = tv.pointee(slice.members?.find((x) => x.name === 'array')?.type);
    const ptr = word(m, off);
    const len = word(m, off + 8) ?? 0;
    if (elem === undefined || !ptr || len <= 0 || /^(uint8|byte)$/.test(tv.nameOf(elem))) return;
    const es = tv.sizeOf(elem);
    const n = Math.min(len, INLINE_ENTRIES);
    const bytes = es > 0 ? bytesAt(ptr, n * es) : undefined;
    if (!bytes) return;
    const shown = Math.floor(bytes.length / es);
    const mem = memOf(bytes);
    for (let k = 0; k < shown; k++) emitElsewhere(mem, k * es, elem, `${path}[${k}]`, depth, at);
    if (len > shown) rows.push({ offset: at, size: 0, name: `${path}[${shown}:]`, type: '', value: `${len - shown} more of ${len} elements`, target: targetOf(ptr), entry: true });
  };

  const es = tv.sizeOf(type);
  const count = es > 0 ? Math.floor((size - start) / es) : 1;
  if (count > 1) {
    for (let k = 0; k < Math.min(count, MAX_ELEMENTS); k++) emit(self, start + k * es, type, `[${k}]`, 0);
    truncated ||= count > MAX_ELEMENTS;
  } else {
    emit(self, start, type, '', 0);
    // A map header: its entries after its own fields.
    const map = withEntries && isMapHeader(tv, type) ? mapEntries(tv, type, self.bytes.subarray(start), bytesAt, HEADER_ENTRIES) : undefined;
    if (map) entries(map, '', 0, start);
  }
  return { fields: rows, truncated };
}

/** Up to n bytes at a running-program address: a heap object, a global, or the binary's read-only data. */
export function programBytes(heap: Heap): BytesAt {
  const graph = heap.requireGraph();
  return (addr, n) => {
    const o = graph.index.find(addr);
    if (o >= 0) {
      const r = readObjectRecord(heap.model, heap.source, o);
      const at = addr - heap.address(o);
      return readAt(heap.source, r.contentsOffset + at, Math.max(0, Math.min(n, r.size - at)));
    }
    for (const s of [...heap.model.data, ...heap.model.bss]) {
      if (addr >= s.addr && addr < s.addr + s.size) return readAt(heap.source, s.contentsOffset + addr - s.addr, Math.min(n, s.addr + s.size - addr));
    }
    const p = heap.program;
    return p?.elf.readVirtual(addr - p.slide, n);
  };
}

interface Mem {
  bytes: Uint8Array;
  view: DataView;
}

function memOf(bytes: Uint8Array): Mem {
  return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

/** The seconds from year 1 to 1885 (wall clock's epoch with a monotonic reading) and to 1970. */
const WALL_TO_INTERNAL = 59453308800n;
const UNIX_TO_INTERNAL = 62135596800n;

/**
 * A time.Time's wall and ext words as `t.UTC().Format("2006-01-02 15:04:05.999999999 UTC")`
 * prints them: with a monotonic reading (wall's top bit) wall holds 33 bits of seconds since
 * 1885 and ext the monotonic clock; without, ext holds the seconds since year 1.
 */
export function formatGoTime(wall: bigint, ext: bigint): string {
  const nsec = Number(wall & ((1n << 30n) - 1n));
  const sec = wall >> 63n ? WALL_TO_INTERNAL + (((wall << 1n) & ((1n << 64n) - 1n)) >> 31n) : ext;
  const unix = sec - UNIX_TO_INTERNAL;
  const ms = Number(unix) * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return `time.Time{wall: ${wall}, ext: ${ext}}`;
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  const fraction = nsec ? `.${String(nsec).padStart(9, '0').replace(/0+$/, '')}` : '';
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction} UTC`;
}

/** Bytes as a quoted string when they are printable UTF-8 text, else as hex. */
export function bytePreview(b: Uint8Array): string {
  const text = b.every((c) => c >= 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) && b.some((c) => c < 0x7f);
  const decoded = text ? new TextDecoder('utf-8', { fatal: false }).decode(b) : '';
  if (text && !decoded.includes('\ufffd')) return JSON.stringify(decoded);
  return `0x${Array.from(b, (c) => c.toString(16).padStart(2, '0')).join('')}`;
}

/** A Go string header's text (pointer, length), read through `bytesAt`. */
function goString(bytesAt: (addr: number, n: number) => Uint8Array | undefined, header: Uint8Array | undefined, little: boolean): string | undefined {
  if (!header || header.length < 16) return undefined;
  const v = new DataView(header.buffer, header.byteOffset, 16);
  const ptr = Number(v.getBigUint64(0, little));
  const len = Number(v.getBigUint64(8, little));
  const text = ptr && len > 0 && len <= 256 ? bytesAt(ptr, len) : undefined;
  return text && JSON.stringify(new TextDecoder().decode(text));
}

function word8(b: Uint8Array | undefined, little: boolean): number | undefined {
  return b && b.length === 8 ? Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, little)) : undefined;
}

/** A Go base type's value, as fmt prints it: by its reflect.Kind, which named types (`time.Duration`, `mvcc.WatchID`) share with their underlying type, else by its name. */
function baseValue(v: DataView, off: number, name: string, kind: number, size: number, little: boolean): string | undefined {
  const k = kind >= KIND_BOOL && kind <= KIND_FLOAT64 ? kind : BASE_KINDS[name] ?? -1;
  if (k === KIND_BOOL) return v.getUint8(off) ? 'true' : 'false';
  if (k === KIND_FLOAT64 && size === 8) return String(v.getFloat64(off, little));
  if (k === KIND_FLOAT32 && size === 4) return String(v.getFloat32(off, little));
  const signed = k >= KIND_INT && k <= KIND_INT64;
  const unsigned = k >= KIND_UINT && k <= KIND_UINTPTR;
  if (!signed && !unsigned) return undefined;
  switch (size) {
    case 1: return String(signed ? v.getInt8(off) : v.getUint8(off));
    case 2: return String(signed ? v.getInt16(off, little) : v.getUint16(off, little));
    case 4: return String(signed ? v.getInt32(off, little) : v.getUint32(off, little));
    case 8: return String(signed ? v.getBigInt64(off, little) : v.getBigUint64(off, little));
    default: return undefined;
  }
}

/** reflect.Kind values of Go's basic types. */
const KIND_BOOL = 1;
const KIND_INT = 2;
const KIND_INT64 = 6;
const KIND_UINT = 7;
const KIND_UINTPTR = 12;
const KIND_FLOAT32 = 13;
const KIND_FLOAT64 = 14;
const BASE_KINDS: Record<string, number> = {
  bool: 1, int: 2, int8: 3, int16: 4, int32: 5, rune: 5, int64: 6,
  uint: 7, uint8: 8, byte: 8, uint16: 9, uint32: 10, uint64: 11, uintptr: 12, float32: 13, float64: 14,
};
