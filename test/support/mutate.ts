/**
 * Seeded mutations of real dumps for fuzzing: truncations, bit flips, inflated lengths and
 * counts, inserted and deleted bytes. The same seed always gives the same file.
 */
export type Rand = () => number;

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function rng(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEADER_LENGTH = 16;

export function mutate(input: Uint8Array, rand: Rand): { bytes: Uint8Array; what: string } {
  const at = () => HEADER_LENGTH + Math.floor(rand() * (input.length - HEADER_LENGTH));
  const kind = Math.floor(rand() * 5);
  switch (kind) {
    case 0: {
      const cut = Math.floor(rand() * input.length);
      return { bytes: input.slice(0, cut), what: `truncated at ${cut}` };
    }
    case 1: {
      const out = input.slice();
      const flips = 1 + Math.floor(rand() * 8);
      for (let k = 0; k < flips; k++) out[at()] ^= 1 << Math.floor(rand() * 8);
      return { bytes: out, what: `${flips} bit flips` };
    }
    case 2: {
      // An inflated length or count: a maximal 10-byte varint in place of a byte.
      const p = at();
      const big = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
      const small = [0x80 | Math.floor(rand() * 128), 0x80 | Math.floor(rand() * 128), Math.floor(rand() * 64)];
      const v = rand() < 0.5 ? big : small;
      return { bytes: Uint8Array.from([...input.subarray(0, p), ...v, ...input.subarray(p + 1)]), what: `varint ${v.length} bytes at ${p}` };
    }
    case 3: {
      const p = at();
      const n = 1 + Math.floor(rand() * 16);
      const junk = Array.from({ length: n }, () => Math.floor(rand() * 256));
      return { bytes: Uint8Array.from([...input.subarray(0, p), ...junk, ...input.subarray(p)]), what: `${n} bytes inserted at ${p}` };
    }
    default: {
      const p = at();
      const n = 1 + Math.floor(rand() * 64);
      return { bytes: Uint8Array.from([...input.subarray(0, p), ...input.subarray(p + n)]), what: `${n} bytes deleted at ${p}` };
    }
  }
}
