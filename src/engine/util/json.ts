/**
 * JSON text with exact 64-bit integers: bigint values are written as plain JSON numbers
 * (JSON.stringify refuses them, and a double would round LastGC and similar counters).
 */
export function toJson(value: unknown, indent = 1): string {
  return write(value, indent, '');
}

function write(value: unknown, indent: number, pad: string): string {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const inner = pad + ' '.repeat(indent);
  const nl = indent > 0 ? '\n' : '';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    // Arrays of scalars stay on one line; arrays of records get a line per record.
    if (value.every((v) => v === null || typeof v !== 'object')) return `[${value.map((v) => write(v, 0, '')).join(',')}]`;
    return `[${nl}${value.map((v) => inner + write(v, 0, '')).join(`,${nl}`)}${nl}${pad}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  if (indent === 0) return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${write(v, 0, '')}`).join(',')}}`;
  return `{${nl}${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${write(v, indent, inner)}`).join(`,${nl}`)}${nl}${pad}}`;
}

/** Lower-case hexadecimal with 0x, as Python's hex() writes it. */
export function hex(v: number | bigint): string {
  return '0x' + v.toString(16);
}
