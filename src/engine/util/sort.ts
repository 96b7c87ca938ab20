/**
 * Sorting millions of rows without comparators: a stable LSD radix sort on 16-bit digits of
 * non-negative integer keys below 2^64 (exact below 2^53), returning a permutation.
 */

/** Indices 0..n-1 ordered by ascending key (ties keep index order). */
export function sortedPermutation(key: (i: number) => number, n: number): Uint32Array {
  let max = 0;
  for (let i = 0; i < n; i++) {
    const k = key(i);
    if (k > max) max = k;
  }
  // 16-bit digits of the key, least significant first, read from the key on each pass
  // (no per-object copies of the key: two work arrays in all).
  const digits = Math.max(1, Math.ceil(Math.log2(max + 1) / 16));
  let perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  let tmp = new Uint32Array(n);
  const count = new Uint32Array(65537);
  for (let d = 0; d < digits; d++) {
    const div = 2 ** (16 * d);
    const digit = (i: number) => Math.floor(key(i) / div) % 65536;
    count.fill(0);
    for (let i = 0; i < n; i++) count[digit(i) + 1]++;
    for (let k = 0; k < 65536; k++) count[k + 1] += count[k];
    for (let i = 0; i < n; i++) {
      const p = perm[i];
      tmp[count[digit(p)]++] = p;
    }
    [perm, tmp] = [tmp, perm];
  }
  return perm;
}

/** Rows start..end-1 of a sorted permutation, reading it backwards when descending. */
export function pageOf(perm: Uint32Array, start: number, end: number, descending: boolean): number[] {
  const n = perm.length;
  const out: number[] = [];
  for (let k = Math.max(0, start); k < Math.min(end, n); k++) out.push(descending ? perm[n - 1 - k] : perm[k]);
  return out;
}

/**
 * pageOf(sortedPermutation(key, n), 0, count, descending) without sorting every index: a
 * bounded heap keeps the best `count` seen so far (for the first page of a table of
 * millions, a pass over the keys instead of a radix sort of them all). Indices for which
 * `skip` says so are left out.
 */
export function firstInOrder(key: (i: number) => number, n: number, count: number, descending: boolean, skip?: (i: number) => boolean): number[] {
  // Whether index a (key ka) comes before index b (key kb): the permutation is stable, and a
  // descending page reads it backwards, so ties go by index in the same direction as keys.
  const before = descending
    ? (ka: number, a: number, kb: number, b: number) => ka > kb || (ka === kb && a > b)
    : (ka: number, a: number, kb: number, b: number) => ka < kb || (ka === kb && a < b);
  // A binary heap with the last of the kept indices on top.
  const idx: number[] = [];
  const keys: number[] = [];
  const swap = (x: number, y: number) => {
    [idx[x], idx[y]] = [idx[y], idx[x]];
    [keys[x], keys[y]] = [keys[y], keys[x]];
  };
  const later = (x: number, y: number) => before(keys[y], idx[y], keys[x], idx[x]);
  for (let i = 0; i < n && count > 0; i++) {
    if (skip?.(i)) continue;
    const k = key(i);
    let at: number;
    if (idx.length < count) {
      at = idx.push(i) - 1;
      keys.push(k);
      while (at > 0 && later(at, (at - 1) >> 1)) {
        swap(at, (at - 1) >> 1);
        at = (at - 1) >> 1;
      }
      continue;
    }
    if (!before(k, i, keys[0], idx[0])) continue;
    idx[0] = i;
    keys[0] = k;
    for (at = 0; ;) {
      const l = 2 * at + 1;
      const r = l + 1;
      let top = at;
      if (l < idx.length && later(l, top)) top = l;
      if (r < idx.length && later(r, top)) top = r;
      if (top === at) break;
      swap(at, top);
      at = top;
    }
  }
  const order = idx.map((_, k) => k).sort((x, y) => (before(keys[x], idx[x], keys[y], idx[y]) ? -1 : 1));
  return order.map((k) => idx[k]);
}
