/**
 * npm run bench -- --types [FILE...]: the type-inference report. For every dump of the
 * shared corpus (all Go versions), the samples, and any FILE: the share of objects and bytes
 * typed exactly, inferred, by allocation site, by shape only. For the Go >= 1.22 dumps:
 * precision and recall of each evidence source against the hidden type words.
 */
import { relative } from 'path';
import { Heap } from '../../src/engine/analysis/heap';
import { typeCoverage } from '../../src/engine/analysis/typeIndex';
import { hasAllocationHeaders } from '../../src/engine/format/format';
import { FileByteSource } from '../../src/worker/fileByteSource';
import { REPO, SAMPLES, SHARED_CORPUS, findDumps } from '../support/corpus';
import { precision, recall, totals, typePrecision } from '../support/typePrecision';
import { dwarfTypingScore, programPairs } from '../support/binaries';

const pct = (x: number) => (Number.isNaN(x) ? '   -  ' : `${(100 * x).toFixed(1).padStart(5)}%`);

export function typeReport(extra: string[]): void {
  const dumps = [...findDumps(SHARED_CORPUS), ...findDumps(SAMPLES), ...extra];
  console.log('Type coverage (objects / bytes): exact, inferred, by site, shape only');
  const scored = [];
  for (const path of dumps) {
    const source = new FileByteSource(path);
    const t0 = performance.now();
    const heap = Heap.read(source);
    heap.index();
    const cov = typeCoverage(heap);
    const ms = performance.now() - t0;
    const objects = cov.reduce((a, c) => a + c.objects, 0);
    const bytes = cov.reduce((a, c) => a + c.bytes, 0);
    const cells = cov.map((c) => `${pct(c.objects / objects)} /${pct(c.bytes / bytes)}`).join('  ');
    console.log(`  ${relative(REPO, path).padEnd(58)} ${heap.model.params.buildVersion.padEnd(10)} ${cells}  (${(ms / 1000).toFixed(1)} s)`);
    const modern = hasAllocationHeaders(heap.model.params.buildVersion);
    source.close();
    if (modern) scored.push(typePrecision(path));
  }
  console.log('\nWith the program binary: reachable bytes typed from DWARF (walk not told the type words)');
  let typed = 0;
  let reachable = 0;
  for (const pair of programPairs()) {
    for (const dump of pair.dumps) {
      const s = dwarfTypingScore(pair, dump);
      typed += s.typed;
      reachable += s.reachable;
      console.log(`  ${relative(REPO, dump).padEnd(58)} Go ${pair.goVersion}  ${pct(s.typed / s.reachable)} of ${s.reachable} bytes; type words agreeing ${s.agree}/${s.labelled}`);
    }
  }
  console.log(`  all: ${pct(typed / reachable)} of ${reachable} reachable bytes`);
  console.log(`\nPrecision and recall against the exact type words, hidden (Go >= 1.22 dumps: ${scored.length}):`);
  console.log('  source            precision  recall   (objects with a known type: labelled / total)');
  for (const s of totals(scored)) {
    console.log(`  ${s.source.padEnd(16)}  ${pct(precision(s))}   ${pct(recall(s))}   (${s.labelled} / ${s.truth})`);
  }
}
