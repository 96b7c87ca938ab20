/**
 * What type inference reads of an analysed heap. The analysis layer's Heap implements it;
 * typing depends on this view, not on the Heap, so that the layer below never imports the
 * one above it.
 */
import type { ByteSource } from '../util/byteSource';
import type { DumpModel } from '../format/model';
import type { HeapGraph } from '../graph/graph';
import type { GoProgram } from '../program/goProgram';

export interface HeapView {
  readonly source: ByteSource;
  readonly model: DumpModel;
  /** The pointer graph, once the index phase has run. */
  readonly graph: HeapGraph | undefined;
  /** The program binary that wrote the dump, when one matched. */
  readonly program: GoProgram | undefined;
  /** Returns the memory of large arrays that just became garbage, where the host can. */
  readonly reclaim: (() => void) | undefined;
  readonly objectCount: number;
  /** Function-name prefixes of allocation helpers: sites are named after the first other frame. */
  readonly allocationHelpers: readonly string[];
  requireGraph(): HeapGraph;
  /** Size in bytes of object i. */
  size(i: number): number;
  /** Address of object i. */
  address(i: number): number;
  /** The object a pointer to a whole value designates (after a malloc header), or -1. */
  objectStartingAt(addr: number): number;
  /** Whether object i starts with a Go >= 1.22 malloc header (its type word). */
  hasMallocHeader(i: number): boolean;
  /** The function of a memory-profile frame, inlined callees named (a string id). */
  profileFunction(f: { func: number; file: number; line: number }): number;
  /** Index of the alloc sample of object i, or -1. */
  sampleOf(i: number): number;
}
