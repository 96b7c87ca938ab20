/**
 * One fuzz case: a mutated dump must give a model (complete or partial) or a DumpError,
 * and the analyses and queries on a model must not throw.
 */
import { MemoryByteSource } from '../../src/engine/format/byteSource';
import { DumpError } from '../../src/engine/format/errors';
import { Heap } from '../../src/engine/analysis/heap';
import { heapService } from '../../src/engine/service';

export type Outcome = 'model' | 'partial' | 'error';

export function runCase(bytes: Uint8Array): Outcome {
  let heap: Heap;
  try {
    heap = Heap.read(new MemoryByteSource(bytes));
  } catch (e) {
    if (e instanceof DumpError) return 'error';
    throw e;
  }
  heap.analyse();
  const api = heapService(heap);
  api.overview();
  const top = api.objects({ start: 0, end: 3, sort: { key: 'retained', descending: true } });
  for (const row of top.rows) {
    api.object({ index: row.index });
    api.pathsToRoots({ index: row.index, maxPaths: 2 });
    api.referrers({ index: row.index, start: 0, end: 5 });
    api.references({ index: row.index, start: 0, end: 5 });
  }
  api.goroutineGroups({ start: 0, end: 50 });
  api.allocationSites({ start: 0, end: 20, sort: { key: 'inuseBytes', descending: true } });
  api.flameGraph({ metric: 'allocBytes' });
  api.dominatorChildren({ node: api.dominatorRoot().node, start: 0, end: 20 });
  return heap.model.error ? 'partial' : 'model';
}
