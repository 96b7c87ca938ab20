/**
 * Per-object ids kept small: two bytes an object while there are fewer than 0xffff distinct
 * ids (0xffff then means none), four otherwise (-1 means none). A heap of 22 million objects
 * saves 45 MB per array kept for the life of the dump.
 */
export type Ids = Uint16Array | Int32Array;

const NONE16 = 0xffff;

/** The ids of `ids` (-1: none) in the smallest array that holds ids below `count`. */
export function compactIds(ids: Int32Array, count: number): Ids {
  if (count >= NONE16) return ids;
  const out = new Uint16Array(ids.length);
  for (let i = 0; i < ids.length; i++) out[i] = ids[i] < 0 ? NONE16 : ids[i];
  return out;
}

/** The value that means "none" in `ids` (for loops that read the array directly). */
export function noId(ids: Ids): number {
  return ids instanceof Uint16Array ? NONE16 : -1;
}

/** Id i of `ids`, or -1 for none. */
export function idAt(ids: Ids, i: number): number {
  const v = ids[i];
  return v === noId(ids) ? -1 : v;
}
