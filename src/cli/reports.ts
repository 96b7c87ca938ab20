/** The CLI's reports: each prints one command's answer for a terminal (or as JSON). */
import { allocationSitesPage } from '../engine/allocationSites';
import { goroutineGroupsPage } from '../engine/goroutineQueries';
import type { Heap } from '../engine/heap';
import { toJson } from '../engine/json';
import { objectsPage, pathsToRoots } from '../engine/objectQueries';
import { overview } from '../engine/overview';
import { summarize } from '../engine/summary';
import { formatAddress, formatBytes, formatCount, formatPercent, frameText } from '../engine/units';

type Out = (s: string) => void;

export function printSummary(heap: Heap, json: boolean, out: Out): void {
  if (json) {
    out(toJson(summarize(heap.model, { fileName: heap.fileName, graphStats: heap.graph?.stats, dominators: heap.dominators })) + '\n');
    return;
  }
  const o = overview(heap);
  const lines = [
    `${heap.fileName}: Go heap dump written by ${o.goVersion} (${o.arch}, ${o.ptrSize * 8}-bit, ${o.ncpu} CPUs)`,
    `  heap          ${formatAddress(o.heapStart)} - ${formatAddress(o.heapEnd)}`,
    `  objects       ${formatCount(o.objectCount)} (${formatBytes(o.objectBytes)})`,
  ];
  if (o.reachableCount !== null && o.reachableBytes !== null) {
    lines.push(`  reachable     ${formatCount(o.reachableCount)} (${formatBytes(o.reachableBytes)}); garbage ${formatCount(o.objectCount - o.reachableCount)} (${formatBytes(o.objectBytes - o.reachableBytes)})`);
  }
  lines.push(
    `  goroutines    ${formatCount(o.goroutineCount)} (${formatCount(o.frameCount)} frames)`,
    `  profile       ${formatCount(o.siteCount)} memory-profile buckets, ${formatCount(o.sampledObjects)} sampled objects`,
  );
  const ms = new Map(o.memStats.map((m) => [m.name, m]));
  for (const name of ['HeapAlloc', 'HeapSys', 'HeapObjects', 'NumGC']) {
    const m = ms.get(name);
    if (m) lines.push(`  ${name.padEnd(13)} ${m.unit === 'bytes' ? formatBytes(Number(m.value)) : formatCount(Number(m.value))}`);
  }
  out(lines.join('\n') + '\n');
}

export function printTop(heap: Heap, n: number, out: Out): void {
  const o = overview(heap);
  const total = o.reachableBytes ?? o.objectBytes;
  out(`Objects that retain the most (of ${formatBytes(total)} reachable):\n`);
  for (const row of objectsPage(heap, { start: 0, end: n, sort: { key: 'retained', descending: true } }).rows) {
    out(`  ${formatBytes(row.retained ?? 0).padStart(10)} ${formatPercent(row.retained ?? 0, total).padStart(6)}  ${formatAddress(row.address)}  ${formatBytes(row.size)}  ${row.type.name}\n`);
    const [path] = pathsToRoots(heap, row.index, 1);
    if (path) {
      out(`      root: ${path.root.kind}: ${path.root.description}\n`);
      for (const step of path.steps) {
        out(`        -> ${formatAddress(step.object.address)} ${step.object.type.name}${step.offset !== undefined ? ` (field +${step.offset})` : ''}\n`);
      }
    }
  }
  const sites = allocationSitesPage(heap, { start: 0, end: n, sort: { key: 'retainedBytes', descending: true } }).rows;
  if (sites.length > 0 && o.sampledObjects > 0) {
    out(`\nAllocation sites whose sampled objects retain the most:\n`);
    for (const s of sites) {
      if (!s.retainedBytes) break;
      out(`  ${formatBytes(s.retainedBytes).padStart(10)} ${formatPercent(s.retainedBytes, total).padStart(6)}  ${formatCount(s.liveObjects)} objects  ${s.frames.length ? frameText(s.frames[0]) : '?'}\n`);
      for (const f of s.frames.slice(1, 4)) out(`        ${frameText(f)}\n`);
    }
  }
  const inuse = allocationSitesPage(heap, { start: 0, end: n, sort: { key: 'inuseBytes', descending: true } }).rows;
  if (inuse.length > 0) {
    out(`\nAllocation sites by in-use bytes (memory profile, as of the last GC):\n`);
    for (const s of inuse) {
      if (s.inuseBytes <= 0) break;
      out(`  ${formatBytes(s.inuseBytes).padStart(10)}  ${formatCount(s.inuseObjects)} objects  ${s.frames.length ? frameText(s.frames[0]) : '?'}\n`);
    }
  }
}

export function printGoroutines(heap: Heap, out: Out): void {
  const page = goroutineGroupsPage(heap, { start: 0, end: Number.MAX_SAFE_INTEGER });
  out(`${formatCount(heap.model.goroutines.count)} goroutines in ${page.total} groups of identical stacks:\n`);
  for (const g of page.rows) {
    const why = g.waitReason ? `${g.status}, ${g.waitReason}` : g.status;
    const ids = g.goids.slice(0, 8).join(' ') + (g.count > 8 ? ' ...' : '');
    out(`\n${String(g.count).padStart(6)}: [${why}]${g.isSystem ? ' (system)' : ''}${g.retained ? ` retains ${formatBytes(g.retained)}` : ''}  goroutines ${ids}\n`);
    for (const f of g.frames) out(`        ${frameText(f)}\n`);
    if (g.createdBy) out(`        created by ${frameText(g.createdBy)}\n`);
  }
}
