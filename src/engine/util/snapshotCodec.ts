/**
 * A file format for plain data holding typed arrays: a JSON header (the data, each typed
 * array replaced by a reference) followed by the arrays' bytes, each 8-byte aligned. Writing
 * copies nothing (the caller writes the arrays' own bytes); reading allocates each array once
 * and fills it from the file. What it stores: objects, arrays, strings, finite and non-finite
 * numbers, booleans, null, bigints, Maps and typed arrays; undefined object fields are left
 * out. The file is the analysis cache's (see analysis/snapshot.ts): read back on the machine
 * that wrote it, and still checked (bounds, types) so that a damaged file is an error, not a
 * crash.
 */

import { ByteSource, readAt, readInto } from './byteSource';

const MAGIC = 'GOHEAPC1';
const ALIGN = 8;
const DAMAGED = 'the analysis cache file is damaged: ';

const ARRAY_TYPES = {
  Uint8Array, Int8Array, Uint16Array, Int16Array, Uint32Array, Int32Array, Float64Array, Float32Array,
} as const;
type ArrayTypeName = keyof typeof ARRAY_TYPES;
export type TypedArray = InstanceType<(typeof ARRAY_TYPES)[ArrayTypeName]>;

interface ArrayEntry {
  type: ArrayTypeName;
  /** From the first aligned byte after the JSON. */
  offset: number;
  length: number;
}

/** The pieces of a snapshot file, in order: write them one after another. */
export interface PackedSnapshot {
  parts: Uint8Array[];
  size: number;
}

/** n rounded up to the alignment; arithmetic, not bitwise: offsets pass 2^31 in snapshots of big dumps. */
export const padTo = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

function typeName(a: ArrayBufferView): ArrayTypeName | undefined {
  for (const name of Object.keys(ARRAY_TYPES) as ArrayTypeName[]) if (a instanceof ARRAY_TYPES[name]) return name;
  return undefined;
}

/**
 * Lays out `value` as a snapshot file (no bytes copied but the header's). `meta`, plain JSON,
 * says what it was made from: readers check it before they read the arrays.
 */
export function packSnapshot(meta: unknown, value: unknown): PackedSnapshot {
  const arrays: TypedArray[] = [];
  const json = JSON.stringify(value, function (this: unknown, _key, v: unknown) {
    if (typeof v === 'bigint') return { $b: v.toString() };
    if (typeof v === 'number' && !Number.isFinite(v)) return { $n: String(v) };
    if (v instanceof Map) return { $m: [...v.entries()] };
    if (ArrayBuffer.isView(v)) {
      if (!typeName(v)) throw new Error(`packSnapshot: ${v.constructor.name} is not stored`);
      arrays.push(v as TypedArray);
      return { $a: arrays.length - 1 };
    }
    return v;
  });
  const entries: ArrayEntry[] = [];
  let at = 0;
  for (const a of arrays) {
    entries.push({ type: typeName(a) as ArrayTypeName, offset: at, length: a.length });
    at = padTo(at + a.byteLength);
  }
  const header = new TextEncoder().encode(JSON.stringify({ meta, arrays: entries }));
  const body = new TextEncoder().encode(json);
  const dataStart = padTo(MAGIC.length + 8 + header.length + body.length);
  const head = new Uint8Array(dataStart);
  head.set(new TextEncoder().encode(MAGIC));
  const view = new DataView(head.buffer);
  view.setUint32(MAGIC.length, header.length, true);
  head.set(header, MAGIC.length + 4);
  view.setUint32(MAGIC.length + 4 + header.length, body.length, true);
  head.set(body, MAGIC.length + 8 + header.length);
  const parts: Uint8Array[] = [head];
  let size = dataStart;
  for (let k = 0; k < arrays.length; k++) {
    const a = arrays[k];
    if (dataStart + entries[k].offset > size) {
      parts.push(new Uint8Array(dataStart + entries[k].offset - size));
      size = dataStart + entries[k].offset;
    }
    parts.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    size += a.byteLength;
  }
  return { parts, size };
}

/**
 * Reads a snapshot file back if `accept` takes its meta (else undefined, having read only its
 * header); throws on a file that is not one, or is damaged.
 */
export function unpackSnapshot(source: ByteSource, accept: (meta: unknown) => boolean): unknown {
  const fail = (what: string): never => {
    throw new Error(`${DAMAGED}${what}`);
  };
  const magic = new TextDecoder().decode(readAt(source, 0, MAGIC.length));
  if (magic !== MAGIC) fail('not a snapshot file');
  const u32 = (at: number): number => {
    const b = readAt(source, at, 4);
    if (b.length < 4) fail(`truncated at byte ${at}`);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  };
  const headerLength = u32(MAGIC.length);
  const bodyAt = MAGIC.length + 8 + headerLength;
  if (bodyAt > source.size) fail('header runs past the end');
  const bodyLength = u32(MAGIC.length + 4 + headerLength);
  if (bodyAt + bodyLength > source.size) fail('data runs past the end');
  const parse = (at: number, length: number, reviver: (v: unknown) => unknown = revive): unknown => {
    try {
      return JSON.parse(new TextDecoder().decode(readAt(source, at, length)), (_key, v: unknown) => reviver(v));
    } catch (e) {
      if ((e as Error).message.startsWith(DAMAGED)) throw e;
      return fail(`unreadable header (${(e as Error).message})`);
    }
  };
  const { meta, arrays } = parse(MAGIC.length + 4, headerLength) as { meta: unknown; arrays: ArrayEntry[] };
  if (!accept(meta)) return undefined;
  if (!Array.isArray(arrays)) fail('no array table');
  const dataStart = padTo(bodyAt + bodyLength);
  const loaded: TypedArray[] = arrays.map((e, k) => {
    const Type = Object.hasOwn(ARRAY_TYPES, e.type) ? ARRAY_TYPES[e.type] : undefined;
    if (!Type || !Number.isSafeInteger(e.length) || e.length < 0) return fail(`array ${k} has no valid type or length`);
    const bytes = e.length * Type.BYTES_PER_ELEMENT;
    const at = dataStart + e.offset;
    if (!Number.isSafeInteger(e.offset) || e.offset < 0 || at + bytes > source.size) return fail(`array ${k} runs past the end`);
    const a = new Type(e.length);
    if (readInto(source, new Uint8Array(a.buffer), at).length !== bytes) fail(`array ${k} is short`);
    return a;
  });
  return parse(bodyAt, bodyLength, (v) => {
    if (v && typeof v === 'object' && '$a' in v) return loaded[(v as { $a: number }).$a] ?? fail('reference to a missing array');
    return revive(v);
  });
}

function revive(v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  if ('$b' in v) return BigInt((v as { $b: string }).$b);
  if ('$n' in v) return Number((v as { $n: string }).$n);
  if ('$m' in v) return new Map((v as { $m: [unknown, unknown][] }).$m);
  return v;
}
