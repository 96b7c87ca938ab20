/**
 * Which frame of an allocation stack names the allocation: the first one outside the runtime
 * and the standard library's allocation helpers. A map insert allocates in
 * runtime.mapassign_faststr and a string in fmt.Sprintf, but the place a developer fixes is
 * the caller's line, so sites, type names by site, diffs and suspects are named after it.
 */

/**
 * Function-name prefixes of frames that allocate on someone else's behalf (the default list;
 * the `goHeapDump.allocationHelpers` setting and `goheap --helpers` replace it).
 */
export const DEFAULT_ALLOCATION_HELPERS: readonly string[] = [
  'runtime.', 'internal/', 'reflect.', 'sync.', 'unique.', 'weak.',
  'strings.', 'bytes.', 'strconv.', 'fmt.', 'errors.', 'unicode/', 'slices.', 'maps.', 'sort.',
  'container/', 'encoding/', 'bufio.', 'io.', 'math/big.', 'context.', 'time.', 'regexp.',
  'compress/', 'hash/', 'text/template.', 'html/template.',
];

/** Index of the frame that names an allocation (0 when every frame is a helper). */
export function firstUserFrame(functions: readonly string[], helpers: readonly string[] = DEFAULT_ALLOCATION_HELPERS): number {
  const isHelper = (f: string) => helpers.some((p) => f.startsWith(p));
  const k = functions.findIndex((f) => !isHelper(f));
  if (k >= 0) return k;
  // All helpers (a stack inside the standard library): the first frame outside the runtime.
  const outside = functions.findIndex((f) => !f.startsWith('runtime.') && !f.startsWith('internal/runtime/'));
  return outside >= 0 ? outside : 0;
}
