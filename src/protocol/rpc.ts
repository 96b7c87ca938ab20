/**
 * The worker's API as request and response types, derived from the one interface HeapApi:
 * adding a query there adds it here, to the worker, the host relay and the webview client.
 */
import type { HeapApi } from '../engine/api';

export type * from '../engine/api';
export { PHASE_TITLES } from '../engine/api';

export type ApiMethod = keyof HeapApi;
export type ApiArgs<M extends ApiMethod> = Parameters<HeapApi[M]> extends [infer A] ? A : undefined;
export type ApiResult<M extends ApiMethod> = ReturnType<HeapApi[M]>;

/** Analysis phases, in order; each one adds answers the previous could not give. */
export type AnalysisStage = 'decoded' | 'indexed' | 'dominated';
export const STAGE_ORDER: readonly AnalysisStage[] = ['decoded', 'indexed', 'dominated'];

/** The stage a query needs before the worker can answer it (it waits until then). */
export const REQUIRED_STAGE: Record<ApiMethod, AnalysisStage> = {
  overview: 'decoded',
  goroutineGroups: 'decoded',
  goroutine: 'decoded',
  leaks: 'dominated',
  suspects: 'dominated',
  retainers: 'indexed',
  objects: 'indexed',
  object: 'indexed',
  objectContents: 'indexed',
  references: 'indexed',
  referrers: 'indexed',
  pathsToRoots: 'indexed',
  pathSteps: 'indexed',
  findAddress: 'indexed',
  sizeClasses: 'decoded',
  types: 'indexed',
  typeInstances: 'indexed',
  typeCoverage: 'indexed',
  rootLists: 'indexed',
  roots: 'indexed',
  allocationSites: 'indexed',
  flameGraph: 'indexed',
  flameSandwich: 'indexed',
  sampledObjects: 'indexed',
  dominatorChildren: 'dominated',
  dominatorRoot: 'dominated',
  diffSummary: 'indexed',
  diffTypes: 'indexed',
  diffSites: 'indexed',
  diffSuspects: 'dominated',
  diffGoroutines: 'indexed',
  pprof: 'dominated',
  lineStats: 'indexed',
};

/** A call of method M with its argument, as it crosses a channel. */
export interface Call<M extends ApiMethod = ApiMethod> {
  id: number;
  method: M;
  args: ApiArgs<M>;
}

/** The answer to call `id`: the result, or the error message of a failed call. */
export type Reply = { id: number; ok: unknown } | { id: number; err: string };
