/** Messages between the extension host and the analysis worker (worker_threads). */
import type { Overview, Phase, ProgramInfo } from './rpc';
import type { AnalysisStage, Call, Reply } from './rpc';

export type { Phase };

/** What the dump is read from: a local path (streamed by the worker) or its bytes. */
export type DumpSource = { path: string; name: string } | { bytes: ArrayBuffer; name: string };

/** Settings that shape the analysis (from the extension's configuration). */
export interface AnalysisOptions {
  /** Function-name prefixes of allocation helpers: sites are named after the first other frame. */
  allocationHelpers?: string[];
  /** Memory the analysis may add to the process, in MB (goHeapDump.workerMemoryLimitMb). */
  memoryLimitMb?: number;
  /** The analysis cache (goHeapDump.analysisCache.*): where, and how much; absent: off. */
  cache?: { dir: string; maxBytes: number; minDumpBytes: number };
  /**
   * The program binary the host will attach (a `program` message follows): with an analysis
   * read from the cache, the worker attaches it first, so that the types cached for it are
   * read and nothing is classified without it.
   */
  program?: string;
}

export type ToWorker =
  /** Start reading and analysing a dump. Sent once, first. */
  | { type: 'open'; source: DumpSource; options?: AnalysisOptions }
  /** A query; answered by a `reply`. */
  | ({ type: 'call' } & Call)
  /**
   * Read another dump of the same program to compare with; answered by a `reply` with its
   * name and whether it is in fact the newer one (then compare the other way round).
   */
  | { type: 'baseline'; id: number; source: DumpSource }
  /**
   * Check whether a program binary wrote this dump and, if `attach` and it did, take names,
   * lines and types from it from now on; answered by a `reply` with a ProgramCheck.
   */
  | { type: 'program'; id: number; source: DumpSource; attach: boolean };

export type FromWorker =
  /** Progress within a phase (fraction 0..1 where it is known). */
  | { type: 'progress'; phase: Phase; fraction: number | undefined }
  /** A stage completed; the overview now includes what it added. */
  | { type: 'stage'; stage: AnalysisStage; overview: Overview }
  /** The file cannot be read as a heap dump at all (bad header, damaged params). */
  /** The analysis stopped: the file is not a readable dump, or (`stopped`) it ran out of its budget. */
  | { type: 'failed'; message: string; offset: number | undefined; stopped?: boolean }
  | ({ type: 'reply' } & Reply)
  /**
   * The analysis cache was used, written, or could not be (for the log): the heap's snapshot,
   * or the types' with `program` (the binary's real path; absent: none).
   */
  | { type: 'cache'; event: 'restored' | 'saved' | 'failed'; part: 'heap' | 'types'; program?: string; detail: string };

/** The answer to a `program` message. */
export interface ProgramCheck {
  /** The binary wrote the dump. */
  ok: boolean;
  /** Why not, or why it cannot be read. */
  problems: string[];
  /** What it is, when it could be read. */
  program: ProgramInfo | null;
}

/** The answer to a `baseline` message. */
export interface BaselineLoaded {
  name: string;
  newerThanThis: boolean;
}
