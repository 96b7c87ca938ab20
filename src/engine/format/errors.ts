/**
 * The one error type of the engine for malformed input: it says where (byte offset),
 * in which record, and what was expected there.
 */
export class DumpError extends Error {
  constructor(
    /** Byte offset in the file where the problem was found. */
    readonly offset: number,
    /** What was wrong, e.g. "length 640 runs past end of file (31 bytes left)". */
    readonly detail: string,
    /** Kind of the record being read ("object", "goroutine", ...), or undefined outside a record. */
    readonly recordKind?: string,
    /** Offset of the start of that record. */
    readonly recordOffset?: number,
  ) {
    super(formatDumpError(offset, detail, recordKind, recordOffset));
    this.name = 'DumpError';
  }

  /** Whether the file simply ends too early (a crash while writing, a partial copy). */
  get truncated(): boolean {
    return /truncated|past end of file|unexpected end of file/.test(this.detail);
  }
}

function formatDumpError(offset: number, detail: string, kind?: string, recordOffset?: number): string {
  const where = kind === undefined ? '' : ` in ${kind} record at offset ${recordOffset}`;
  return `error at offset ${offset}${where}: ${detail}`;
}
