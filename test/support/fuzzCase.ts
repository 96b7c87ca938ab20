/**
 * One fuzz case: a mutated or hostile dump must give a model (complete or partial) or a
 * DumpError, and every analysis and query on a model must answer: no other exception, no
 * hang (the caller times the case), and answers that cross a thread (structured clone).
 */
import { MemoryByteSource } from '../../src/engine/util/byteSource';
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
  const ask = <T>(answer: T): T => structuredClone(answer);
  ask(api.overview());
  const top = ask(api.objects({ start: 0, end: 3, sort: { key: 'retained', descending: true } }));
  for (const row of top.rows) {
    ask(api.object({ index: row.index }));
    const paths = ask(api.pathsToRoots({ index: row.index, maxPaths: 2 }));
    paths.forEach((p, path) => {
      if (p.elided) ask(api.pathSteps({ index: row.index, maxPaths: 2, path, start: p.elided.after, end: p.elided.after + 50 }));
    });
    ask(api.referrers({ index: row.index, start: 0, end: 5 }));
    ask(api.references({ index: row.index, start: 0, end: 5 }));
    ask(api.objectContents({ index: row.index, offset: 0, length: 256 }));
    ask(api.retainers({ of: { object: row.index }, path: [] }));
  }
  const types = ask(api.types({ start: 0, end: 5, sort: { key: 'retained', descending: true } }));
  for (const t of types.rows.slice(0, 2)) ask(api.typeInstances({ type: t.id, start: 0, end: 5 }));
  const groups = ask(api.goroutineGroups({ start: 0, end: 50 }));
  if (groups.total > 0) ask(api.goroutine({ index: 0 }));
  ask(api.allocationSites({ start: 0, end: 20, sort: { key: 'inuseBytes', descending: true } }));
  const flame = ask(api.flameGraph({ metric: 'allocBytes' }));
  if (flame.length > 1) ask(api.flameSandwich({ metric: 'allocBytes', function: flame[flame.length - 1].name }));
  ask(api.dominatorChildren({ node: api.dominatorRoot().node, start: 0, end: 20 }));
  ask(api.rootLists());
  ask(api.suspects());
  ask(api.leaks());
  ask(api.lineStats());
  api.pprof({ kind: 'memory' });
  return heap.model.error ? 'partial' : 'model';
}
