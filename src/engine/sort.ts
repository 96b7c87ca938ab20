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
