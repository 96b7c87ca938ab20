/**
 * Sorting millions of rows without comparators: a stable LSD radix sort on 16-bit digits of
 * non-negative integer keys below 2^64 (exact below 2^53), returning a permutation.
 */

/** Indices 0..n-1 ordered by ascending key (ties keep index order). */
export function sortedPermutation(key: (i: number) => number, n: number): Uint32Array {
  const lo = new Uint32Array(n);
  const hi = new Uint32Array(n);
  let maxHi = 0;
  let maxLo = 0;
  for (let i = 0; i < n; i++) {
    const k = key(i);
    const h = Math.floor(k / 4294967296);
    hi[i] = h;
    lo[i] = k - h * 4294967296;
    if (h > maxHi) maxHi = h;
    if (lo[i] > maxLo) maxLo = lo[i];
  }
  let perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  let tmp = new Uint32Array(n);
  const count = new Uint32Array(65537);
  const passes: [Uint32Array, number][] = [];
  if (maxHi > 0) {
    passes.push([lo, 0], [lo, 16], [hi, 0]);
    if (maxHi > 0xffff) passes.push([hi, 16]);
  } else {
    passes.push([lo, 0]);
    if (maxLo > 0xffff) passes.push([lo, 16]);
  }
  for (const [word, shift] of passes) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[((word[i] >>> shift) & 0xffff) + 1]++;
    for (let d = 0; d < 65536; d++) count[d + 1] += count[d];
    for (let i = 0; i < n; i++) {
      const p = perm[i];
      tmp[count[(word[p] >>> shift) & 0xffff]++] = p;
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
