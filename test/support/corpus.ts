/** Where the test dumps are: the shared corpus beside the repo (when present) and our samples. */
import { existsSync, readdirSync, statSync } from 'fs';
import { join, resolve } from 'path';

export const REPO = resolve(__dirname, '..', '..');
/**
 * The shared corpus beside the repository, when there is one. GOHEAP_HIDE_SHARED=1 points
 * this nowhere, so the tests run as on a plain clone (.ci/run does that once): nothing can
 * come to depend on the shared corpus unnoticed.
 */
export const SHARED_HEAPDUMPS = resolve(REPO, '..', process.env.GOHEAP_HIDE_SHARED ? 'shared-hidden-by-GOHEAP_HIDE_SHARED' : 'shared', 'heapdumps');
export const SHARED_CORPUS = join(SHARED_HEAPDUMPS, 'corpus');
export const SAMPLES = join(REPO, 'samples');

export const hasSharedCorpus = existsSync(SHARED_CORPUS);

/** Every *.heapdump under dir (recursively), skipping the malformed set. */
export function findDumps(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'corrupt') out.push(...findDumps(p));
    } else if (name.endsWith('.heapdump')) {
      out.push(p);
    }
  }
  return out;
}

/** Dumps that have a reference-decoder summary next to them. */
export function dumpsWithSummaries(): string[] {
  return [...findDumps(SHARED_CORPUS), ...findDumps(SAMPLES)].filter((p) => existsSync(p.replace(/\.heapdump$/, '.summary.json')));
}

/** Parses JSON, keeping integers of 16+ digits exact (as strings) so they compare digit for digit. */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"$2"'));
}
