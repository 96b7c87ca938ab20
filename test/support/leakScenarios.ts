/**
 * What each leak program of samples/leaks holds, from its source (not from the viewer): the
 * type that leaks, what holds it, where it was allocated; and the goroutines that block
 * forever. Shared by the unit test (on the committed dumps) and the slow test (on fresh runs).
 */
import * as assert from 'assert';
import { inflateSync } from 'zlib';
import { basename } from 'path';
import { Heap } from '../../src/engine/analysis/heap';
import { heapService } from '../../src/engine/service';
import { GoProgram } from '../../src/engine/program/goProgram';
import { openMaybeGzipped } from '../../src/worker/fileByteSource';
import type { LeakReport, SuspectReport } from '../../src/engine/api';

export interface Expected {
  /** The first suspect's accumulated type (or the type its objects hold), with the binary. */
  type?: RegExp;
  /** The holder, as a developer names it. */
  holder?: RegExp;
  container?: 'map' | 'slice' | 'channel' | 'list' | 'object';
  /** Where the leaking objects were allocated (function of the user frame). */
  allocatedIn?: string;
}

export const SCENARIOS: Record<string, Expected> = {
  cache: { type: /^main\.CachedReport$/, holder: /^main\.reportCache\.byID$/, container: 'map', allocatedIn: 'main.buildReport' },
  subslice: { type: /^\[\]uint8 \(backing array\)$/, holder: /^main\.recentHeaders$/, container: 'slice', allocatedIn: 'main.readMessage' },
  timers: { type: /main\.RequestState/, holder: /^runtime\.allp$/, allocatedIn: 'main.startRequest' },
  listeners: { type: /main\.openSession\.func1 \(closure\)/, holder: /^main\.bus\.listeners$/, container: 'slice', allocatedIn: 'main.openSession' },
  chain: { type: /^main\.Entry$/, holder: /^main\.history$/, container: 'list', allocatedIn: 'main.record' },
  chan: {},
  mutex: {},
  healthy: {},
};

export function analyse(dump: string, binary?: string): Heap {
  const heap = Heap.read(openMaybeGzipped(dump), basename(dump)).analyse();
  if (binary) {
    const m = heap.attachProgram(new GoProgram(openMaybeGzipped(binary), binary, (b) => inflateSync(b)));
    assert.ok(m.ok, m.problems.join('; '));
  }
  return heap;
}

/** The first three suspects name the leaking type and its holder (the held-out check's rule). */
export function checkSuspects(report: SuspectReport, want: Expected, label: string): void {
  if (!want.type) return;
  const top = report.suspects.slice(0, 3);
  const hit = top.find((s) => want.type?.test(s.name) || (s.holding && want.type?.test(s.holding.type)));
  assert.ok(hit, `${label}: no suspect of ${want.type} in the first three:\n${top.map((s) => s.sentence).join('\n')}`);
  // And it is the first one: the leak outranks the decoys.
  assert.strictEqual(report.suspects[0], hit, `${label}: the first suspect is not the leak: ${report.suspects[0]?.sentence}`);
  if (want.holder) assert.match(hit.holder, want.holder, `${label}: ${hit.sentence}`);
  if (want.container) assert.strictEqual(hit.accumulation?.container, want.container, `${label}: ${hit.sentence}`);
  if (want.allocatedIn) assert.strictEqual(hit.allocatedAt[0]?.function, want.allocatedIn, `${label}: ${hit.sentence}`);
  assert.match(hit.sentence, /^[\d,]+ .+ \(\d+\.\d% of the reachable heap, .+\) (is|are) held by .+/);
  assert.ok(hit.share > 0.5 && hit.share <= 1, `${label}: share ${hit.share}`);
}

/** Goroutine ids the runtime's goroutineleak profile (debug=2) lists as leaked. */
export function runtimeLeaked(profile: string): number[] {
  return [...profile.matchAll(/^goroutine (\d+) \[[^\]]*\(leaked\)\]/gm)].map((m) => Number(m[1])).sort((a, b) => a - b);
}

export function provenGoids(report: LeakReport): number[] {
  return report.leaks.filter((l) => l.proof === 'proven').flatMap((l) => l.goids).sort((a, b) => a - b);
}

export function suspectsAndLeaks(heap: Heap): { suspects: SuspectReport; leaks: LeakReport } {
  const api = heapService(heap);
  return { suspects: api.suspects(), leaks: api.leaks() };
}
