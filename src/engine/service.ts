/** HeapApi served from an analysed Heap: the one object the worker (and tests) call. */
import { HeapApi } from './api';
import { allocationSitesPage, flameGraph, flameSandwich, lineStats, sampledObjectsPage } from './analysis/allocationSites';
import { diffGoroutinePage, diffPage, diffTables, growthSuspects } from './analysis/diff';
import { goroutineDetail, goroutineGroupsPage } from './analysis/goroutineQueries';
import { goroutineLeaks } from './analysis/goroutineLeaks';
import type { Heap } from './analysis/heap';
import {
  dominatorChildrenPage, dominatorNodeRow, findAddress, objectContents, objectDetail, objectsPage,
  references, referrers, sizeClasses,
} from './analysis/objectQueries';
import { overview } from './analysis/overview';
import { pathSteps, pathsToRoots } from './analysis/rootPaths';
import { suspects } from './analysis/suspects';
import { retainerLevel } from './analysis/retainers';
import { buildProfile } from './analysis/pprof';
import { rootLists, rootsPage } from './analysis/rootQueries';
import { typeCoverage, typeInstancesPage, typesPage } from './analysis/typeIndex';

/** The API over `heap`; `baseline` gives the older dump to compare with, when one is loaded. */
export function heapService(heap: Heap, baseline: () => Heap | undefined = () => undefined): HeapApi {
  const diff = () => {
    const older = baseline();
    if (!older) throw new Error('No older dump is loaded to compare with.');
    return diffTables(older, heap);
  };
  return {
    overview: () => overview(heap),
    objects: (a) => objectsPage(heap, a),
    object: (a) => objectDetail(heap, a.index),
    objectContents: (a) => objectContents(heap, a.index, a.offset, a.length),
    references: (a) => references(heap, a.index, a),
    referrers: (a) => referrers(heap, a.index, a),
    pathsToRoots: (a) => pathsToRoots(heap, a.index, Math.max(1, Math.min(a.maxPaths, 20)), { excludeStacks: a.excludeStacks, ignore: a.ignore }),
    pathSteps: (a) => pathSteps(heap, a.index, Math.max(1, Math.min(a.maxPaths, 20)), { excludeStacks: a.excludeStacks, ignore: a.ignore }, a.path, a),
    findAddress: (a) => findAddress(heap, a.address),
    dominatorChildren: (a) => dominatorChildrenPage(heap, a.node, a),
    dominatorRoot: () => dominatorNodeRow(heap, heap.requireDominators().root),
    sizeClasses: (a) => sizeClasses(heap, a),
    types: (a) => typesPage(heap, a),
    typeInstances: (a) => typeInstancesPage(heap, a.type, a),
    typeCoverage: () => typeCoverage(heap),
    rootLists: () => rootLists(heap),
    roots: (a) => rootsPage(heap, a.kind, a),
    goroutineGroups: (a) => goroutineGroupsPage(heap, a, a.filter),
    goroutine: (a) => goroutineDetail(heap, a.index),
    leaks: () => goroutineLeaks(heap),
    suspects: () => suspects(heap),
    retainers: (a) => retainerLevel(heap, a),
    allocationSites: (a) => allocationSitesPage(heap, a),
    flameGraph: (a) => flameGraph(heap, a.metric),
    flameSandwich: (a) => flameSandwich(heap, a.metric, a.function),
    sampledObjects: (a) => sampledObjectsPage(heap, a.site, a),
    diffSummary: () => diff().summary,
    diffTypes: (a) => diffPage(diff().types, a),
    diffSites: (a) => diffPage(diff().sites, a),
    diffSuspects: () => {
      const older = baseline();
      if (!older) throw new Error('No older dump is loaded to compare with.');
      return growthSuspects(older, heap);
    },
    diffGoroutines: (a) => diffGoroutinePage(diff().goroutines, a),
    lineStats: () => lineStats(heap),
    pprof: (a) => {
      const bytes = buildProfile(heap, a.kind, { rate: a.rate });
      return { bytes: bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer as ArrayBuffer : bytes.slice().buffer };
    },
  };
}
