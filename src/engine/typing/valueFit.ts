/**
 * Whether a heap object can hold a value of a given type: the value fits the object's size
 * class and, where the program binary gives the type's pointer mask, the object's pointer
 * words are exactly the mask's. Typing asks this before it trusts evidence that may be stale
 * or coincidental: an interface pair read from a stack frame (whose type word is in no pointer
 * map), or a type-looking word beside a pointer in an untyped object. A name that fails it
 * could not be the object's type, so it is not given.
 */
import type { HeapView } from './heapView';
import { TYPE_WORD_MAX_SIZE } from '../format/format';

/** Large objects (above the biggest size class) are rounded up to whole 8 KiB pages. */
const PAGE = 8192;

/** The decoder's layout hash of a list of pointer offsets (FNV-1a over the offsets). */
export function layoutHashOf(offsets: number[]): number {
  let h = 0x811c9dc5;
  for (const off of offsets) h = Math.imul(h ^ off, 16777619);
  return offsets.length === 0 ? 0 : (h >>> 0) || 1;
}

/**
 * Whether object o can be one value of `size` bytes whose pointer words are at
 * `pointerOffsets` (undefined: layout unknown, size alone decides).
 */
export function holdsValue(heap: HeapView, o: number, size: number, pointerOffsets: readonly number[] | undefined): boolean {
  const header = heap.hasMallocHeader(o) ? heap.model.params.ptrSize : 0;
  const room = heap.size(o) - header;
  if (size === 0 || size > room) return false;
  // Size classes waste at most an eighth of the slot past 64 bytes, and less than 16 bytes below.
  const slack = size > TYPE_WORD_MAX_SIZE ? PAGE - 1 : Math.max(16, Math.ceil(size / 4));
  if (room - size > slack) return false;
  if (pointerOffsets === undefined) return true;
  return heap.model.objects.layoutHash[o] === shiftedLayoutHash(pointerOffsets, header);
}

/** layoutHashOf the offsets moved by `shift` bytes, once per list and shift (asked per object). */
const shiftedHashes = new WeakMap<readonly number[], Map<number, number>>();

function shiftedLayoutHash(offsets: readonly number[], shift: number): number {
  let byShift = shiftedHashes.get(offsets);
  if (!byShift) shiftedHashes.set(offsets, (byShift = new Map()));
  let hash = byShift.get(shift);
  if (hash === undefined) byShift.set(shift, (hash = layoutHashOf(offsets.map((off) => off + shift))));
  return hash;
}

/**
 * Whether object o can be what an interface holding the runtime type at `typeAddr` points at:
 * a copy of the value for indirect types, the pointee for pointer types. Map, channel, func
 * and one-pointer struct values point at runtime structures, not checked here.
 */
export function holdsInterfaceValue(heap: HeapView, o: number, typeAddr: number, recordSize: number | undefined): boolean {
  const program = heap.program;
  const t = program?.typeAt(typeAddr);
  if (!program || !t) return recordSize === undefined || recordSize === 8 || holdsValue(heap, o, recordSize, undefined);
  if (t.kind === 'ptr') {
    const elem = t.elem === undefined ? undefined : program.typeAt(t.elem);
    return elem === undefined || holdsValue(heap, o, elem.size, program.pointerOffsets(elem.addr));
  }
  const direct = t.kind === 'map' || t.kind === 'chan' || t.kind === 'func' || t.kind === 'unsafe.Pointer' || (t.size === 8 && t.ptrdata === 8);
  return direct || holdsValue(heap, o, t.size, program.pointerOffsets(t.addr));
}
