/**
 * One run of the whole analysis on a file, as the worker does it, printing phase times and
 * the peak RSS of this process as JSON. bench.ts runs it in a fresh child process per run.
 */
import { Heap } from '../../src/engine/analysis/heap';
import { objectsPage, sizeClasses } from '../../src/engine/analysis/objectQueries';
import { typeCoverage } from '../../src/engine/analysis/typeIndex';
import { FileByteSource } from '../../src/worker/fileByteSource';
import { collectGarbage } from '../../src/worker/reclaim';
import { ThreadedObjects } from '../../src/worker/threadedObjects';

const file = process.argv[2];
const times: Record<string, number> = {};
let t = performance.now();
const lap = (name: string) => {
  const now = performance.now();
  times[name] = (now - t) / 1000;
  t = now;
};
const source = new FileByteSource(file);
// As the worker reads a file: the second half of the objects on a helper thread.
const heap = Heap.read(source, '', { parallel: new ThreadedObjects(file) });
heap.reclaim = collectGarbage;
lap('read');
const graph = heap.index();
lap('index');
heap.dominate();
lap('dominators');
typeCoverage(heap);
lap('types');
sizeClasses(heap, { start: 0, end: 50, sort: { key: 'bytes', descending: true } });
objectsPage(heap, { start: 0, end: 100, sort: { key: 'retained', descending: true } });
lap('queries');
console.log(JSON.stringify({
  times,
  objects: heap.objectCount,
  edges: graph.edgeTarget.length,
  roots: graph.roots.count,
  maxRssBytes: process.resourceUsage().maxRSS * 1024,
}));
