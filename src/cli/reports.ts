/** The CLI's reports: each prints one command's answer for a terminal (or as JSON). */
import { allocationSitesPage } from '../engine/analysis/allocationSites';
import { goroutineGroupsPage } from '../engine/analysis/goroutineQueries';
import type { Heap } from '../engine/analysis/heap';
import { toJson } from '../engine/util/json';
import { objectsPage } from '../engine/analysis/objectQueries';
import { pathsToRoots } from '../engine/analysis/rootPaths';
import { overview } from '../engine/analysis/overview';
import { summarize } from '../engine/analysis/summary';
import { suspects } from '../engine/analysis/suspects';
import { goroutineLeaks } from '../engine/analysis/goroutineLeaks';
import { DiffRow } from '../engine/api';
import { heapService } from '../engine/service';
import { formatAddress, formatBytes, formatCount, formatPercent, frameText, phantomSlotsText, samplingText, stackWordText, summaryFrame } from '../engine/util/units';

type Out = (s: string) => void;

export function printSummary(heap: Heap, json: boolean, out: Out): void {
  if (json) {
    out(toJson(summarize(heap.model, { fileName: heap.fileName, graphStats: heap.graph?.stats, reachable: heap.graph ? (i) => heap.isReachable(i) === true : undefined })) + '\n');
    return;
  }
  const o = overview(heap);
  const lines = [
    `${heap.fileName}: Go heap dump written by ${o.goVersion} (${o.arch}, ${o.ptrSize * 8}-bit, ${o.ncpu} CPUs)`,
    `  heap          ${formatAddress(o.heapStart)} - ${formatAddress(o.heapEnd)}`,
    `  objects       ${formatCount(o.objectCount)} (${formatBytes(o.objectBytes)})`,
  ];
  if (o.phantomSlots.count) lines.push(`  phantom slots ${phantomSlotsText(o)}`);
  if (o.problem?.notRead.length) lines.push(`  not read      ${o.problem.notRead.join('; ')} (the dump is ${o.problem.truncated ? 'truncated' : 'damaged'})`);
  if (o.reachableCount !== null && o.reachableBytes !== null) {
    lines.push(`  reachable     ${formatCount(o.reachableCount)} (${formatBytes(o.reachableBytes)}); garbage ${formatCount(o.objectCount - o.reachableCount)} (${formatBytes(o.objectBytes - o.reachableBytes)})`);
    if (o.stackWordReachable?.count) lines.push(`  stack words   ${stackWordText(o.stackWordReachable)}`);
  }
  if (o.program) {
    const p = o.program;
    lines.push(`  program       ${p.file} (${p.goVersion}${p.mainPath ? `, ${p.mainPath}` : ''}; ${formatCount(p.functions)} functions, ${p.stripped ? 'stripped: globals unnamed' : `${formatCount(p.globals)} globals`})`);
    if (p.dwarfProblem) lines.push(`                objects are not typed from it: ${p.dwarfProblem}`);
  }
  lines.push(
    `  goroutines    ${formatCount(o.goroutineCount)} (${formatCount(o.frameCount)} frames)`,
    `  profile       ${formatCount(o.siteCount)} memory-profile buckets, ${formatCount(o.sampledObjects)} sampled objects${o.samplingRate ? `, ${samplingText(o.samplingRate)}` : ''}`,
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
      path.steps.forEach((step, k) => {
        if (path.elided && k === path.elided.after) out(`        ... ${formatCount(path.elided.count)} more steps\n`);
        out(`        -> ${formatAddress(step.object.address)} ${step.object.type.name}${step.offset !== undefined ? ` (field +${step.offset})` : ''}\n`);
      });
    }
  }
  if (o.samplingRate?.source === 'off') {
    // Its few sites are the runtime's start-up: listing them would name them as the culprits.
    out(`\nAllocation sites: none to show: ${samplingText(o.samplingRate)}.\n`);
    return;
  }
  const sites = allocationSitesPage(heap, { start: 0, end: n, sort: { key: 'retainedBytes', descending: true } }).rows;
  if (sites.length > 0 && o.sampledObjects > 0) {
    out(`\nAllocation sites whose sampled objects retain the most:\n`);
    for (const s of sites) {
      if (!s.retainedBytes) break;
      out(`  ${formatBytes(s.retainedBytes).padStart(10)} ${formatPercent(s.retainedBytes, total).padStart(6)}  ${formatCount(s.liveObjects)} objects  ${s.frames.length ? frameText(s.frames[s.userFrame]) : '?'}\n`);
      for (const f of s.frames.slice(s.userFrame + 1, s.userFrame + 4)) out(`        ${frameText(f)}\n`);
    }
  }
  const inuse = allocationSitesPage(heap, { start: 0, end: n, sort: { key: 'inuseBytes', descending: true } }).rows;
  if (inuse.length > 0) {
    out(`\nAllocation sites by in-use bytes (memory profile, as of the last GC):\n`);
    for (const s of inuse) {
      if (s.inuseBytes <= 0) break;
      out(`  ${formatBytes(s.inuseBytes).padStart(10)}  ${formatCount(s.inuseObjects)} objects  ${s.frames.length ? frameText(s.frames[s.userFrame]) : '?'}\n`);
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
  const { leaks } = goroutineLeaks(heap);
  const proven = leaks.filter((l) => l.proof === 'proven');
  if (proven.length) out(`\nLeaked: ${formatCount(proven.reduce((a, l) => a + l.count, 0))} goroutines blocked forever (goheap leaks says why)\n`);
}

export function printLeaks(heap: Heap, json: boolean, out: Out): void {
  const report = goroutineLeaks(heap);
  if (json) {
    out(toJson(report) + '\n');
    return;
  }
  const proven = report.leaks.filter((l) => l.proof === 'proven');
  if (proven.length === 0) out('No leaked goroutine: every blocked goroutine waits on something a live root can still reach.\n');
  for (const l of report.leaks) {
    const head = l.proof === 'proven' ? 'LEAKED' : 'CANNOT PROVE';
    out(`\n${head}: ${formatCount(l.count)} goroutine${l.count === 1 ? '' : 's'} [${l.waitReason}]${l.blockedFor ? ` blocked for ${l.blockedFor}` : ''}${l.pinnedBytes ? `, pinning ${formatBytes(l.pinnedBytes)}` : ''}\n`);
    if (l.blockedIn) out(`  blocked in  ${frameText(l.blockedIn)}\n`);
    if (l.createdBy) out(`  created by  ${frameText(l.createdBy)}\n`);
    if (l.object) out(`  waiting on  ${formatAddress(l.object.address)} ${l.object.type}, held only by ${l.object.holders}\n`);
    out(`  goroutines  ${l.goids.slice(0, 12).join(' ')}${l.count > 12 ? ' ...' : ''}\n`);
    if (l.proof !== 'proven') out(`  (${report.version} does not link sync waits to their objects: the lock its frames point at looks unreachable, which is not a proof)\n`);
  }
}

export function printDiff(older: Heap, newer: Heap, n: number, out: Out): void {
  const api = heapService(newer, () => older);
  const sum = api.diffSummary();
  const signed = (b: number) => `${b >= 0 ? '+' : '-'}${formatBytes(Math.abs(b))}`;
  const signedCount = (c: number) => `${c >= 0 ? '+' : '-'}${formatCount(Math.abs(c))}`;
  out(`${older.fileName} -> ${newer.fileName}${sum.sameProgram ? '' : ' (different Go version or architecture: groups may not match)'}\n`);
  out(`  objects     ${formatCount(sum.before.count)} -> ${formatCount(sum.after.count)} (${signedCount(sum.after.count - sum.before.count)}), ${formatBytes(sum.before.bytes)} -> ${formatBytes(sum.after.bytes)} (${signed(sum.after.bytes - sum.before.bytes)})\n`);
  out(`  survivors   ${formatCount(sum.survivors.count)} objects (${formatBytes(sum.survivors.bytes)}) of the newer dump were already in the older one\n`);
  out(`  goroutines  ${sum.goroutinesBefore} -> ${sum.goroutinesAfter}\n`);
  const grew = api.diffSuspects();
  if (grew.length) {
    out('\nWhat grew (leak suspects of the newer dump):\n');
    for (const g of grew.slice(0, n)) out(`  ${g.sentence}\n`);
  }
  const table = (title: string, rows: DiffRow[]) => {
    out(`\n${title}\n  ${'growth'.padStart(10)} ${'before'.padStart(10)} ${'after'.padStart(10)} ${'objects'.padStart(9)}  ${'new'.padStart(10)}  group\n`);
    for (const r of rows) {
      const d = r.after.bytes - r.before.bytes;
      if (d <= 0) break;
      out(`  ${signed(d).padStart(10)} ${formatBytes(r.before.bytes).padStart(10)} ${formatBytes(r.after.bytes).padStart(10)} ${signedCount(r.after.count - r.before.count).padStart(9)}  ${formatBytes(r.after.bytes - r.survivors.bytes).padStart(10)}  ${r.name}${r.source === 'site' || r.source === 'shape' ? '' : ` [${r.source}]`}\n`);
      for (const f of (r.frames ?? []).slice((r.userFrame ?? 0) + 1, (r.userFrame ?? 0) + 3)) out(`${' '.repeat(60)}${frameText(f)}\n`);
    }
  };
  const sort = { key: 'deltaBytes' as const, descending: true };
  table('Growth by type', api.diffTypes({ start: 0, end: n, sort }).rows);
  table('Growth by allocation site (memory profile, in-use bytes)', api.diffSites({ start: 0, end: n, sort }).rows);
  const gs = api.diffGoroutines({ start: 0, end: n }).rows.filter((g) => g.after !== g.before);
  if (gs.length) {
    out('\nGoroutine groups that changed\n');
    for (const g of gs) {
      const top = summaryFrame(g.frames);
      out(`  ${String(g.before).padStart(5)} -> ${String(g.after).padEnd(5)} [${g.waitReason || g.status}] ${top ? frameText(top) : ''}\n`);
    }
  }
}

/** The type histogram: coverage by kind of evidence, then the groups retaining the most. */
export function printTypes(heap: Heap, n: number, json: boolean, out: Out): void {
  const api = heapService(heap);
  const coverage = api.typeCoverage();
  const page = api.types({ start: 0, end: n, sort: { key: 'retained', descending: true } });
  if (json) {
    out(JSON.stringify({ coverage, total: page.total, types: page.rows }, null, 1) + '\n');
    return;
  }
  const objects = coverage.reduce((a, c) => a + c.objects, 0);
  const bytes = coverage.reduce((a, c) => a + c.bytes, 0);
  const shown = coverage.filter((c) => c.objects > 0).map((c) => `${c.category} ${formatPercent(c.objects, objects)} of objects (${formatPercent(c.bytes, bytes)} of bytes)`);
  out(`${heap.fileName}: ${formatCount(page.total)} type groups; ${shown.join(', ')}\n\n`);
  out(`  ${'retained'.padStart(10)} ${'bytes'.padStart(10)} ${'count'.padStart(9)}  evidence            type\n`);
  for (const r of page.rows) {
    const evidence = `${r.source}${r.confidence ? ` (${r.confidence})` : ''}`;
    out(`  ${(r.retained === null ? '-' : formatBytes(r.retained)).padStart(10)} ${formatBytes(r.bytes).padStart(10)} ${formatCount(r.count).padStart(9)}  ${evidence.padEnd(18)}  ${r.name}\n`);
  }
}

export function printSuspects(heap: Heap, n: number, json: boolean, out: Out): void {
  const report = suspects(heap, n);
  if (json) {
    out(toJson(report) + '\n');
    return;
  }
  if (report.suspects.length === 0) {
    out(`No leak suspect: nothing retains ${formatPercent(report.threshold, 1)} or more of the ${formatBytes(report.reachableBytes)} reachable.\n`);
    return;
  }
  out(`Leak suspects (each retains ${formatPercent(report.threshold, 1)} or more of the ${formatBytes(report.reachableBytes)} reachable):\n`);
  report.suspects.forEach((s, k) => {
    out(`\n${k + 1}. ${s.sentence}\n`);
    out(`   path: ${s.root.name}\n`);
    for (const hop of s.path) out(`         -> ${hop.count > 1 ? `${formatCount(hop.count)} x ` : ''}${hop.type}${hop.field ? ` .${hop.field.replace(/^\./, '')}` : ''}\n`);
    for (const f of s.allocatedAt) out(`   allocated: ${formatCount(f.count)} sampled in ${frameText(f)}\n`);
  });
}
