/**
 * pprof export, read back: with `go tool pprof -top` where Go is installed (CI installs it),
 * and always by decoding the protocol buffer; totals checked against the reference decoder's
 * memory-profile records and against the dump.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { Profile } from 'pprof-format';
import { gunzipSync, gzipSync } from 'zlib';
import { Heap } from '../../src/engine/analysis/heap';
import { ProfileKind, SamplingRate, buildProfile, samplingRate } from '../../src/engine/analysis/pprof';
import { MemoryByteSource } from '../../src/engine/util/byteSource';
import { samplingText } from '../../src/engine/util/units';
import { DumpBuilder } from '../fixtures/dumpBuilder';
import { FileByteSource } from '../../src/worker/fileByteSource';
import { SAMPLES } from '../support/corpus';
import { tempDir } from '../support/tempDir';

const SAMPLE = join(SAMPLES, 'dumps', 'orders.heapdump');
const summary = JSON.parse(readFileSync(SAMPLE.replace('.heapdump', '.summary.json'), 'utf8'));
const hasGo = spawnSync('go', ['version']).status === 0;

function total(p: Profile, index: number): number {
  return p.sample.reduce((a, s) => a + Number(s.value[index]), 0);
}

/** The "of X total" figure of `go tool pprof -top`, in bytes or a count. */
function goTotal(file: string, sampleIndex: string): number {
  const r = spawnSync('go', ['tool', 'pprof', '-top', `-sample_index=${sampleIndex}`, file], { encoding: 'utf8' });
  assert.strictEqual(r.status, 0, r.stderr);
  const m = /of ([\d.]+)([kMG]?B)? total/.exec(r.stdout);
  assert.ok(m, r.stdout.slice(0, 500));
  const unit = { kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[m[2] as 'kB'] ?? 1;
  return Number(m[1]) * unit;
}

describe('pprof export', function () {
  let heap: Heap;
  const dir = tempDir('goheap-pprof-');
  const write = (kind: ProfileKind) => {
    const file = join(dir, `${kind}.pb.gz`);
    writeFileSync(file, gzipSync(buildProfile(heap, kind)));
    return { file, profile: Profile.decode(gunzipSync(readFileSync(file))) };
  };
  before(function () {
    heap = Heap.read(new FileByteSource(SAMPLE), 'orders.heapdump').analyse();
    if (!hasGo) console.log('    go not found: profiles checked by decoding them only (CI installs golang-go)');
  });

  it('memory: the four sample types of Go heap profiles, totals as in the records', function () {
    const { file, profile } = write('memory');
    const names = profile.sampleType.map((t) => profile.stringTable.strings[Number(t.type)]);
    assert.deepStrictEqual(names, ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space']);
    const mp = summary.memprof as { size: number; allocs: number; frees: number }[];
    const inuseBytes = mp.reduce((a, m) => a + (m.allocs - m.frees) * m.size, 0);
    const allocObjects = mp.reduce((a, m) => a + m.allocs, 0);
    assert.strictEqual(total(profile, 3), inuseBytes);
    assert.strictEqual(total(profile, 0), allocObjects);
    assert.strictEqual(Number(profile.period), 1, 'every object sampled: MemProfileRate = 1');
    const fn = profile.function.map((f) => profile.stringTable.strings[Number(f.name)]);
    assert.ok(fn.includes('main.newOrder'));
    if (hasGo) {
      // pprof prints three significant digits.
      assert.ok(Math.abs(goTotal(file, 'inuse_space') - inuseBytes) <= 0.005 * inuseBytes, 'go tool pprof agrees on in-use bytes');
      const top = spawnSync('go', ['tool', 'pprof', '-top', '-lines', file], { encoding: 'utf8' }).stdout;
      assert.match(top, /main\.newOrder .*orders\.go:\d+/, 'functions with file and line');
    }
  });

  it('retained: every reachable object once, under the stack of its nearest sampled dominator', function () {
    const { file, profile } = write('retained');
    assert.ok(profile.sample.length > 0);
    const reachable = heap.dominators?.retained[heap.dominators.root] ?? 0;
    const sum = total(profile, 0);
    // Never more than the heap; with every object sampled (MemProfileRate = 1), nearly all of it.
    assert.ok(sum <= reachable && sum > 0.95 * reachable, `${sum} of ${reachable}`);
    const names = (s: (typeof profile.sample)[number]) => s.locationId.map((id) => profile.stringTable.strings[Number(profile.function[Number(profile.location[Number(id) - 1].line[0].functionId) - 1].name)]);
    const biggest = profile.sample.reduce((a, s) => (Number(s.value[0]) > Number(a.value[0]) ? s : a));
    assert.strictEqual(names(biggest)[0], 'main.newOrder', 'the orders, allocated in newOrder, weigh the most');
    if (hasGo) assert.ok(Math.abs(goTotal(file, 'retained_space') - sum) <= 0.005 * sum);
  });

  it('memory: runtime frames hidden at the top, counts scaled by the sampling rate', function () {
    const profile = Profile.decode(buildProfile(heap, 'memory', { rate: 512 * 1024 }));
    const leaf = (s: (typeof profile.sample)[number]) => profile.stringTable.strings[Number(profile.function[Number(profile.location[Number(s.locationId[0]) - 1].line[0].functionId) - 1].name)];
    assert.ok(profile.sample.every((s) => !leaf(s).startsWith('runtime.') || s.locationId.every((id) => profile.stringTable.strings[Number(profile.function[Number(profile.location[Number(id) - 1].line[0].functionId) - 1].name)].startsWith('runtime.'))), 'a runtime frame on top only for stacks that are all runtime');
    assert.strictEqual(Number(profile.period), 512 * 1024);
    const raw = (summary.memprof as { size: number; allocs: number; frees: number }[]).reduce((a, m) => a + (m.allocs - m.frees) * m.size, 0);
    // runtime/pprof's scaleHeapSample: each record divided by 1 - exp(-size/rate) (> 1).
    assert.ok(total(profile, 3) > raw, 'scaled up');
  });

  it('references: every reachable object once, under its chain of dominators', function () {
    const { file, profile } = write('references');
    const reachable = heap.dominators?.retained[heap.dominators.root] ?? 0;
    assert.strictEqual(total(profile, 0), reachable, 'the samples add up to the reachable bytes');
    const leafNames = new Set(profile.sample.map((s) => profile.stringTable.strings[Number(profile.function[Number(profile.location[Number(s.locationId[0]) - 1].line[0].functionId) - 1].name)]));
    assert.ok(leafNames.size > 5);
    if (hasGo) assert.ok(Math.abs(goTotal(file, 'inuse_space') - reachable) <= 0.01 * 1024 * 1024);
  });
});

describe('a memory profile the program never recorded', function () {
  // Go's linker turns profiling off in a program that cannot read the profile: the dump then
  // holds the samples taken before the runtime started, however much the program allocated.
  const frames = [{ func: 'runtime.schedinit', file: 'proc.go', line: 1063 }];
  const dump = (totalAlloc: number, sampled: number) => {
    const b = new DumpBuilder({ memStats: { TotalAlloc: totalAlloc, HeapAlloc: 64 } });
    b.object(0xc000010000, 64).memProf(0x900000, 64, frames, sampled, 0);
    return Heap.read(new MemoryByteSource(b.build())).analyse();
  };

  it('says profiling was off, with what Go\'s default rate would have sampled, when it holds under 1% of that', function () {
    const rate = samplingRate(dump(1 << 30, 1)); // 2,048 samples expected at 512 KiB
    assert.deepStrictEqual(rate, { rate: 512 * 1024, source: 'off', sampled: 1, expected: 2048 });
    assert.match(samplingText(rate as SamplingRate), /memory profiling was off: 1 allocation sampled where Go's default rate would have sampled about 2,048/);
  });

  it('does not, for a profile sampled at a lower rate, or a program that allocated little', function () {
    assert.notStrictEqual(samplingRate(dump(1 << 30, 21))?.source, 'off');
    assert.notStrictEqual(samplingRate(dump(16 << 20, 0))?.source, 'off');
  });
});
