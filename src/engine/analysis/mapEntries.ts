/**
 * The entries of a Go map, read from the dump through the program's DWARF: where each live
 * key and value lies, for the inspector to print them as `key -> value`.
 *
 * Go < 1.24 (`hash<K,V>`): 2^B buckets of 8 slots and their overflow chains, plus the old
 * buckets while the map grows; a slot is live when its tophash is at least minTopHash (5):
 * 0-1 are empty, 2-4 mark entries already evacuated to the new buckets.
 * Go >= 1.24 swiss maps (`map<K,V>`): one group for a small map (dirLen 0), else a directory
 * of dirLen table pointers (tables repeat there) whose groups are lengthMask+1 long; a slot is
 * live when its control byte's top bit is clear (0x80 empty, 0xfe deleted).
 */
import type { TypeView } from '../typing/dwarfTyping';

/** Bytes at a running-program address, as many as exist up to n (heap, globals or the binary). */
export type BytesAt = (addr: number, n: number) => Uint8Array | undefined;

export interface MapEntry {
  /** The bucket or group holding the entry, read from the dump. */
  bytes: Uint8Array;
  /** Its address in the program. */
  addr: number;
  keyOffset: number;
  valueOffset: number;
}

export interface MapEntries {
  /** The map's length as its header says. */
  count: number;
  keyType: number;
  valueType: number;
  entries: MapEntry[];
  /** Stopped at the limit or at a bound on buckets read, before every entry was found. */
  partial: boolean;
}

const MIN_TOP_HASH = 5;
const SLOTS = 8;
/** Buckets or groups read for one map at most: the inspector shows a few hundred entries. */
const MAX_BLOCKS = 1 << 14;
const SAME_SIZE_GROW = 8;

/** True when `typeOff` is a map header type the reader knows (`hash<K,V>` or `map<K,V>`). */
export function isMapHeader(tv: TypeView, typeOff: number): boolean {
  const name = tv.underlying(typeOff)?.name ?? '';
  return name.startsWith('hash<') || name.startsWith('map<');
}

/** The header type a Go map value (a pointer to its header) points to, if it is a map. */
export function mapHeaderOf(tv: TypeView, typeOff: number): number | undefined {
  const target = tv.pointee(typeOff);
  return target !== undefined && isMapHeader(tv, target) ? target : undefined;
}

/** Up to `limit` entries of the map whose header (of DWARF type `headerType`) is `header`. */
export function mapEntries(tv: TypeView, headerType: number, header: Uint8Array, bytesAt: BytesAt, limit: number): MapEntries | undefined {
  const t = tv.underlying(headerType);
  if (!t || header.length < t.size) return undefined;
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const member = (name: string) => t.members?.find((m) => m.name === name);
  const word = (off: number) => Number(view.getBigUint64(off, true));
  const out: MapEntry[] = [];
  let blocks = 0;
  let partial = false;
  /** Reads the block at addr and takes its live slots; false once the limit or the bound is hit. */
  const block = (addr: number, size: number, live: (b: Uint8Array, slot: number) => boolean, at: (slot: number) => [number, number]): Uint8Array | undefined => {
    if (++blocks > MAX_BLOCKS) {
      partial = true;
      return undefined;
    }
    const b = bytesAt(addr, size);
    if (!b || b.length < size) return undefined;
    for (let s = 0; s < SLOTS; s++) {
      if (!live(b, s)) continue;
      if (out.length >= limit) {
        partial = true;
        return undefined;
      }
      const [keyOffset, valueOffset] = at(s);
      out.push({ bytes: b, addr, keyOffset, valueOffset });
    }
    return b;
  };

  if (t.name.startsWith('hash<')) {
    const bucketType = tv.pointee(member('buckets')?.type);
    const bucket = bucketType === undefined ? undefined : tv.underlying(bucketType);
    const keys = bucket?.members?.find((m) => m.name === 'keys');
    const values = bucket?.members?.find((m) => m.name === 'values');
    const overflow = bucket?.members?.find((m) => m.name === 'overflow');
    const keyType = keys && tv.underlying(keys.type)?.target;
    const valueType = values && tv.underlying(values.type)?.target;
    if (!bucket || !keys || !values || !overflow || keyType === undefined || valueType === undefined) return undefined;
    const ks = tv.sizeOf(keyType);
    const vs = tv.sizeOf(valueType);
    const count = word(member('count')?.offset ?? 0);
    const b = view.getUint8(member('B')?.offset ?? 9);
    const flags = view.getUint8(member('flags')?.offset ?? 8);
    const arrays: [number, number][] = [[word(member('buckets')?.offset ?? 16), 2 ** b]];
    const old = word(member('oldbuckets')?.offset ?? 24);
    if (old) arrays.push([old, flags & SAME_SIZE_GROW ? 2 ** b : 2 ** Math.max(0, b - 1)]);
    const live = (bytes: Uint8Array, s: number) => bytes[s] >= MIN_TOP_HASH;
    const at = (s: number): [number, number] => [keys.offset + s * ks, values.offset + s * vs];
    walk: for (const [base, n] of arrays) {
      if (!base || b >= 32) continue;
      for (let i = 0; i < n; i++) {
        // Each bucket and its overflow chain; a chain longer than the bound is hostile.
        for (let addr = base + i * bucket.size, guard = 0; addr && guard < MAX_BLOCKS; guard++) {
          const bytes = block(addr, bucket.size, live, at);
          if (!bytes) {
            if (partial) break walk;
            break;
          }
          addr = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(overflow.offset, true));
        }
      }
    }
    return { count, keyType, valueType, entries: out, partial };
  }

  if (t.name.startsWith('map<')) {
    const dir = member('dirPtr');
    const tableType = tv.pointee(tv.pointee(dir?.type));
    const table = tableType === undefined ? undefined : tv.underlying(tableType);
    const groups = table?.members?.find((m) => m.name === 'groups');
    const groupType = tv.pointee(groups && tv.underlying(groups.type)?.members?.find((m) => m.name === 'data')?.type);
    const group = groupType === undefined ? undefined : tv.underlying(groupType);
    const ctrl = group?.members?.find((m) => m.name === 'ctrl');
    const slots = group?.members?.find((m) => m.name === 'slots');
    const slotType = slots && tv.underlying(slots.type)?.target;
    const slot = slotType === undefined ? undefined : tv.underlying(slotType);
    const key = slot?.members?.find((m) => m.name === 'key');
    const elem = slot?.members?.find((m) => m.name === 'elem');
    if (!dir || !table || !groups || !group || !ctrl || !slots || !slot || !key || !elem) return undefined;
    const count = word(member('used')?.offset ?? 0);
    const dirPtr = word(dir.offset);
    const dirLen = word(member('dirLen')?.offset ?? 24);
    const live = (bytes: Uint8Array, s: number) => (bytes[ctrl.offset + s] & 0x80) === 0;
    const at = (s: number): [number, number] => [slots.offset + s * slot.size + key.offset, slots.offset + s * slot.size + elem.offset];
    const result = () => ({ count, keyType: key.type, valueType: elem.type, entries: out, partial });
    if (!dirPtr) return result();
    if (dirLen === 0) {
      block(dirPtr, group.size, live, at);
      return result();
    }
    const directory = dirLen <= MAX_BLOCKS ? bytesAt(dirPtr, dirLen * 8) : undefined;
    if (!directory) return { ...result(), partial: true };
    const dv = new DataView(directory.buffer, directory.byteOffset, directory.byteLength);
    const seen = new Set<number>();
    walk: for (let d = 0; d + 8 <= directory.length; d += 8) {
      const tableAddr = Number(dv.getBigUint64(d, true));
      if (!tableAddr || seen.has(tableAddr)) continue;
      seen.add(tableAddr);
      const tb = bytesAt(tableAddr, table.size);
      if (!tb || tb.length < table.size) continue;
      const tv2 = new DataView(tb.buffer, tb.byteOffset, tb.byteLength);
      const data = Number(tv2.getBigUint64(groups.offset, true));
      const n = Number(tv2.getBigUint64(groups.offset + 8, true)) + 1;
      for (let g = 0; g < n && data; g++) {
        block(data + g * group.size, group.size, live, at);
        if (partial) break walk;
      }
    }
    return result();
  }
  return undefined;
}
