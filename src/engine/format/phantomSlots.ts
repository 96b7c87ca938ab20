/**
 * Phantom slots: records that WriteHeapDump writes as objects but that are not objects.
 *
 * The writer walks every slot of a small-object span, `spanBytes / size` of them, and dumps
 * each one not marked free. Since Go 1.22 the last bytes of a span can be reserved (the span
 * holds fewer objects, `nelems`, than slots), and the slots over the reservation are never
 * marked free, so they are dumped whatever they hold:
 *   - Go >= 1.22: pointerful spans of objects <= 512 B keep their heap bits in the last
 *     spanBytes/64 bytes (128 B of a one-page span);
 *   - Green Tea GC (default from Go 1.26): every span of objects 16-512 B also reserves 128 B
 *     at its end for inline mark bits, pointerful or not.
 * A slot is a phantom when it reaches into the reservation (`nelems = (spanBytes - reserved) /
 * size`). Spans of objects <= 512 B are one 8 KiB page in every Go release, so a slot's span
 * is its page. Whether a span is pointerful is read from its other records (an object of a
 * pointerful span lists its pointer fields); a span whose only records lie in the reservation
 * is taken as pointerful when all of the reserved slots are there.
 *
 * The invariant, on every dump we hold (Go 1.19-1.26, real programs included): records minus
 * phantom slots == MemStats.HeapObjects.
 */
import { parseGoVersion } from './format';
import { ObjectTable, objectAddress, objectSize } from './model';

const PAGE = 8192;
/** Objects up to this size keep their heap bits in the span (heapBitsInSpan). */
const HEAP_BITS_IN_SPAN_MAX = 512;
/** Bytes of a one-page span's heap bits: spanBytes / ptrSize / 8 with 8-byte words. */
const HEAP_BITS_BYTES = PAGE / 64;
/** Bytes of Green Tea's inline mark bits (spanInlineMarkBits), in spans of 16-512 B objects. */
const INLINE_MARK_BYTES = 128;

export interface PhantomSlots {
  /** Bit i set: object record i is a phantom slot. */
  bits: Uint8Array;
  count: number;
  bytes: number;
}

/** What a runtime of this build version reserves at the end of its small-object spans. */
export function spanReservations(buildVersion: string): { heapBits: boolean; inlineMarks: boolean } {
  const v = parseGoVersion(buildVersion);
  // An unrecognised version string comes from a development build: assume a modern runtime.
  const minor = v === undefined ? Infinity : v[0] > 1 ? Infinity : v[1];
  const experiments = /-X:([\w,]+)/.exec(buildVersion)?.[1].split(',') ?? [];
  const greenTea = experiments.includes('greenteagc') || (minor >= 26 && !experiments.includes('nogreenteagc'));
  return { heapBits: minor >= 22, inlineMarks: greenTea };
}

/** Whether bit i of a bitset is set. */
export function isPhantom(p: PhantomSlots | undefined, i: number): boolean {
  return p !== undefined && (p.bits[i >>> 3] & (1 << (i & 7))) !== 0;
}

/**
 * Finds the phantom slots among the object records, or undefined when the runtime writes none.
 * A span whose only records lie where the heap bits of a pointerful span would be cannot tell
 * by itself whether those records are its heap bits or objects of a span without pointers;
 * they are taken as heap bits, and where that leaves fewer objects than the dump's
 * MemStats.HeapObjects (`heapObjects`), such spans are taken as spans without pointers, in
 * address order, until the counts agree.
 */
export function findPhantomSlots(objects: ObjectTable, buildVersion: string, heapObjects?: number): PhantomSlots | undefined {
  const { heapBits, inlineMarks } = spanReservations(buildVersion);
  if (!heapBits && !inlineMarks) return undefined;
  const n = objects.count;
  const bits = new Uint8Array((n + 7) >>> 3);
  let count = 0;
  let bytes = 0;
  const { layoutHash } = objects;
  /** Records taken as heap bits of a span that had no other record to tell, span by span. */
  const undecided: number[][] = [];
  let i = 0;
  while (i < n) {
    const size = objectSize(objects, i);
    const addr = objectAddress(objects, i);
    if (size > HEAP_BITS_IN_SPAN_MAX || size === 0) {
      i++;
      continue;
    }
    // The span: the records of this size in this page, which the writer dumps one after another.
    const page = Math.floor(addr / PAGE) * PAGE;
    let end = i + 1;
    while (end < n && objectSize(objects, end) === size && Math.floor(objectAddress(objects, end) / PAGE) * PAGE === page) end++;
    // Always reserved (inline mark bits), and reserved only if the span is pointerful (heap bits).
    const always = inlineMarks && size >= 16 ? INLINE_MARK_BYTES : 0;
    const ifPointerful = heapBits ? HEAP_BITS_BYTES : 0;
    const firstMaybe = Math.floor((PAGE - always - ifPointerful) / size); // first slot that may be reserved
    const firstSure = Math.floor((PAGE - always) / size); // first slot that is reserved in any span
    let pointerful = false;
    let outside = false;
    let maybePresent = 0;
    for (let k = i; k < end; k++) {
      const slot = (objectAddress(objects, k) - page) / size;
      if (slot < firstMaybe) {
        outside = true;
        if (layoutHash[k] !== 0) pointerful = true;
      } else if (slot < firstSure) maybePresent++;
    }
    // No record outside the reservations to tell: the reserved slots come all together.
    if (!outside) pointerful = maybePresent === firstSure - firstMaybe && maybePresent > 0;
    const firstPhantom = pointerful ? firstMaybe : firstSure;
    const guessed: number[] = [];
    for (let k = i; k < end; k++) {
      const slot = (objectAddress(objects, k) - page) / size;
      if (slot >= firstPhantom) {
        bits[k >>> 3] |= 1 << (k & 7);
        count++;
        bytes += size;
        if (!outside && slot < firstSure) guessed.push(k);
      }
    }
    if (guessed.length) undecided.push(guessed);
    i = end;
  }
  // Settle the guesses against the runtime's own count of objects.
  let missing = heapObjects === undefined ? 0 : heapObjects - (n - count);
  for (const span of undecided) {
    if (missing < span.length) continue;
    for (const k of span) {
      bits[k >>> 3] &= ~(1 << (k & 7));
      count--;
      bytes -= objectSize(objects, k);
    }
    missing -= span.length;
  }
  return count ? { bits, count, bytes } : undefined;
}
