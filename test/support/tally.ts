/**
 * The counts of one stage of `npm test`, appended as JSON lines to the file GOHEAP_TALLY
 * names: test/run.ts sums them into the last "N passed, N failed" line.
 */
import { appendFileSync, existsSync, readFileSync } from 'fs';

export interface Tally {
  stage: string;
  passed: number;
  failed: number;
  skipped: number;
}

/** Appends the counts of a finished mocha run to the GOHEAP_TALLY file, if there is one. */
export function writeTally(stats: { passes: number; failures: number; pending: number }): void {
  const file = process.env.GOHEAP_TALLY;
  if (!file) return;
  const tally: Tally = { stage: process.env.GOHEAP_STAGE ?? 'mocha', passed: stats.passes, failed: stats.failures, skipped: stats.pending };
  appendFileSync(file, JSON.stringify(tally) + '\n');
}

export function readTallies(file: string): Tally[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Tally);
}
