/** Interned strings: each distinct string read from a dump is stored once and named by an id. */
export class StringTable {
  private readonly ids = new Map<string, number>();
  readonly values: string[] = [];

  intern(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(s);
      this.ids.set(s, id);
    }
    return id;
  }

  get(id: number): string {
    return this.values[id];
  }

  /** The id of `s` if it was interned. */
  find(s: string): number | undefined {
    return this.ids.get(s);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a Go string. Go strings are usually UTF-8 but need not be; like the reference decoder,
 * fall back to Latin-1 so the text stays lossless and printable.
 */
export function decodeGoString(bytes: Uint8Array): string {
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return bytes.length < 64 ? String.fromCharCode(...bytes) : utf8.decode(bytes);
  try {
    return utf8.decode(bytes);
  } catch {
    let s = '';
    for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return s;
  }
}
