/**
 * Real open-source programs (test/bench/realprogs: an HTTP service over gin, ristretto, bbolt
 * and more; an embedded etcd 3.4 server), built from Debian's golang-*-dev sources with every
 * Go found, each writing a heap dump under a real workload. What the viewer says of them is
 * checked against the runtime's own figures and the binary's own types:
 *   - the objects (records minus phantom slots) are MemStats.HeapObjects, their bytes HeapAlloc;
 *   - with the binary, at least 90% of the object bytes carry a Go type name;
 *   - every object with a Go >= 1.22 type word is named after that word's type;
 *   - every typed map's live slots are as many as its header's length;
 *   - the exported memory profile, read by `go tool pprof`, totals 0.5-1.5x HeapAlloc in use
 *     (scaled by the sampling rate estimated from the dump) and has user code on its flat top.
 * Without Go or those Debian packages the programs cannot be built here, and this says so.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { gzipSync, inflateSync } from 'zlib';
import { SamplingRate, buildProfile, samplingRate } from '../../src/engine/analysis/pprof';
import { samplingText } from '../../src/engine/util/units';
import { tempDir } from '../support/tempDir';
import { Heap } from '../../src/engine/analysis/heap';
import { FileByteSource } from '../../src/worker/fileByteSource';
import { GoProgram } from '../../src/engine/program/goProgram';
import { objectFields, programBytes } from '../../src/engine/analysis/objectFields';
import { isMapHeader, mapEntries } from '../../src/engine/analysis/mapEntries';
import { dwarfTypeOf, dwarfTypingOf } from '../../src/engine/typing/dwarfTyping';
import { suspects } from '../../src/engine/analysis/suspects';
import { nameReport } from '../bench/names';
import { REAL_MEMPROFILE_RATE, ensureRealDump, realTargets } from '../bench/realprogs/realprogs';
import { REPO } from '../support/corpus';

/** Allocator frames runtime/pprof leaves out of heap profiles (an allocation's leading runtime frames). */
const ALLOCATOR = /^(runtime\.(mallocgc\w*|newobject|newarray|makeslice\w*|growslice|makemap\w*|mapassign\w*|makeBucketArray|hashGrow|rawstring\w*|rawbyteslice|rawruneslice|concatstring\w*|slicebytetostring|stringtoslice\w*|convT\w*)|internal\/runtime\/maps\..*)$/;

describe('real programs', function () {
  this.timeout(900_000);
  const targets = realTargets(join(REPO, 'bench-data'));
  const buildable = targets.filter((t) => !t.missing);
  const dir = tempDir('goheap-real-');

  it('has real programs to check, or says why not', function () {
    if (targets.length === 0) console.log('    no Go toolchain found: the real programs are not built (apt-get install golang-go)');
    for (const t of targets.filter((x) => x.missing)) console.log(`    ${t.program} (${t.goVersion}) not checked: ${t.missing}`);
    assert.ok(buildable.every((t) => t.file.endsWith('.heapdump')));
  });

  for (const t of buildable) {
    describe(`${t.program} (${t.goVersion})`, function () {
      before(function () {
        ensureRealDump(t);
      });

      it('counts the objects and bytes the runtime counts', function () {
        const heap = Heap.read(new FileByteSource(t.file));
        const stats = heap.model.memStats;
        assert.ok(stats, 'the dump has its MemStats');
        const phantoms = heap.model.objects.phantoms ?? { count: 0, bytes: 0 };
        let bytes = 0;
        for (let i = 0; i < heap.objectCount; i++) bytes += heap.size(i);
        assert.strictEqual(heap.objectCount - phantoms.count, Number(stats.fields.HeapObjects));
        assert.strictEqual(bytes - phantoms.bytes, Number(stats.fields.HeapAlloc));
      });

      it('names at least 90% of the object bytes with the binary, each type word\'s object after its type', function () {
        const r = nameReport(t.file, t.binary);
        assert.ok(r.namedShare >= 0.9, `${(100 * r.namedShare).toFixed(1)}% named; biggest unnamed: ${r.unnamed.map(([b, k]) => `${b} B ${k}`).join('; ')}`);
        assert.strictEqual(r.disagreeing, 0, r.examples.join('; '));
        console.log(`      ${(100 * r.namedShare).toFixed(1)}% of ${(r.bytes / 1e6).toFixed(1)} MB named${r.typeWords ? `, ${r.typeWords} type words agree` : ''}`);
      });

      it('types no object as bigger than it is, and sync.Map\'s trie (Go >= 1.24) as entries and indirects', function () {
        const heap = Heap.read(new FileByteSource(t.file)).analyse();
        assert.ok(heap.attachProgram(new GoProgram(new FileByteSource(t.binary), t.binary, (b) => inflateSync(b))).ok);
        const typing = dwarfTypingOf(heap);
        assert.ok(typing);
        const tooBig: string[] = [];
        const trie = { entry: 0, indirect: 0 };
        for (let i = 0; i < heap.objectCount; i++) {
          const type = dwarfTypeOf(typing, i);
          if (type < 0) continue;
          const size = typing.view.sizeOf(type);
          if (typing.valueOffset[i] + size > heap.size(i)) tooBig.push(`${typing.view.nameOf(type)} (${size} B) in ${heap.size(i)} B`);
          const name = typing.view.nameOf(type);
          // A trie node pointer (atomic.Pointer[node]) leads to either: told apart by size.
          if (name.startsWith('internal/sync.entry[')) trie.entry++;
          if (name.startsWith('internal/sync.indirect[')) trie.indirect++;
        }
        assert.deepStrictEqual(tooBig.slice(0, 5), []);
        if (Number(/^go1\.(\d+)/.exec(t.goVersion)?.[1]) >= 24) assert.ok(trie.entry > 0 && trie.indirect > 0, JSON.stringify(trie));
        console.log(`      sync.Map's trie: ${trie.entry} entries, ${trie.indirect} indirects`);
      });

      it("names a map's directory and groups (Go >= 1.24) or buckets by layout without the binary as the binary types them", function () {
        const swiss = Number(/^go1\.(\d+)/.exec(t.goVersion)?.[1]) >= 24;
        const parts = swiss ? ['directory', 'groups'] : ['buckets'];
        const bare = Heap.read(new FileByteSource(t.file)).analyse();
        const part = new Map<number, string>();
        for (let i = 0; i < bare.objectCount; i++) {
          const m = /\((directory|groups|buckets), by layout\)$/.exec(bare.typeOf(i).name);
          if (m) part.set(i, m[1]);
        }
        const heap = Heap.read(new FileByteSource(t.file)).analyse();
        assert.ok(heap.attachProgram(new GoProgram(new FileByteSource(t.binary), t.binary, (b) => inflateSync(b))).ok);
        const typing = dwarfTypingOf(heap);
        assert.ok(typing);
        const tally = new Map(parts.map((p) => [p, { agree: 0, other: [] as string[] }]));
        for (const [i, p] of part) {
          const e = tally.get(p);
          assert.ok(e, `${bare.typeOf(i).name} in a Go ${t.goVersion} dump`);
          if (dwarfTypeOf(typing, i) < 0) continue;
          const name = heap.typeOf(i).name;
          if (name.endsWith(`(${p})`)) e.agree++;
          else e.other.push(name);
        }
        for (const [p, { agree, other }] of tally) {
          assert.ok(agree > 0, `no map ${p} named by layout`);
          assert.ok(agree >= 0.95 * (agree + other.length), `${p}: ${agree} agree, ${other.length} do not: ${other.slice(0, 5).join('; ')}`);
        }
        console.log(`      by layout, as the binary says: ${[...tally].map(([p, { agree, other }]) => `${agree} of ${agree + other.length} ${p}`).join(', ')}`);
      });

      // The go-metrics meters of every session the service dropped: as many as it says it served and did not keep.
      if (t.program === 'sessions') it('finds the meters go-metrics kept of every session dropped, with and without the binary, and where they were allocated', function () {
        const [served, kept] = readFileSync(`${t.file}.sessions`, 'utf8').trim().split(' ').map(Number);
        const leaked = served - kept;
        const bare = Heap.read(new FileByteSource(t.file)).analyse();
        const typed = Heap.read(new FileByteSource(t.file)).analyse();
        assert.ok(typed.attachProgram(new GoProgram(new FileByteSource(t.binary), t.binary, (b) => inflateSync(b))).ok);
        const SITE = 'github.com/rcrowley/go-metrics.newStandardMeter';
        const withBinary = suspects(typed).suspects.find((s) => s.name === 'github.com/rcrowley/go-metrics.StandardMeter');
        assert.ok(withBinary, suspects(typed).suspects.map((s) => s.sentence).join('\n'));
        // Each dropped session's meter is held by the map alone, but one that a stale stack word
        // also points to is not below it (measured: one, from words of runtime.bgsweep's,
        // bgscavenge's and runfinq's frames outside their pointer maps, in a Go 1.19 run).
        assert.ok(withBinary.count <= leaked && withBinary.count >= 0.999 * leaked, `${withBinary.count} of ${leaked}: ${withBinary.sentence}`);
        assert.strictEqual(withBinary.holder, 'github.com/rcrowley/go-metrics.arbiter.meters', withBinary.sentence);
        assert.strictEqual(withBinary.allocatedAt[0]?.function, SITE, withBinary.sentence);
        // Without it the meters are a shape the pointers to them name "likely", in a map a bss word holds.
        const without = suspects(bare).suspects.find((s) => s.allocatedAt[0]?.function === SITE);
        assert.ok(without, suspects(bare).suspects.map((s) => s.sentence).join('\n'));
        assert.ok(Math.abs(without.count - leaked) <= 0.01 * leaked, `${without.count} of ${leaked}: ${without.sentence}`);
        assert.strictEqual(without.accumulation?.container, 'map', without.sentence);
        console.log(`      ${served} sessions served, ${kept} kept: ${withBinary.count} meters leaked (${without.count} without the binary)`);
      });

      it("finds as many entries in every typed map as its header's length says", function () {
        const heap = Heap.read(new FileByteSource(t.file)).analyse();
        assert.ok(heap.attachProgram(new GoProgram(new FileByteSource(t.binary), t.binary, (b) => inflateSync(b))).ok);
        const typing = dwarfTypingOf(heap);
        assert.ok(typing);
        const bytesAt = programBytes(heap);
        let maps = 0;
        let entries = 0;
        for (let i = 0; i < heap.objectCount; i++) {
          const type = dwarfTypeOf(typing, i);
          if (type < 0 || !isMapHeader(typing.view, type)) continue;
          const header = bytesAt(heap.address(i) + typing.valueOffset[i], typing.view.sizeOf(type)) as Uint8Array;
          const m = mapEntries(typing.view, type, header, bytesAt, Infinity);
          assert.ok(m && !m.partial, `map header ${i} (${typing.view.nameOf(type)}) unreadable`);
          assert.strictEqual(m.entries.length, m.count, `map header ${i} (${typing.view.nameOf(type)})`);
          maps++;
          entries += m.count;
        }
        // Enough maps to mean something (the smallest program, sessions, has 34).
        assert.ok(maps >= 20, `${maps} maps`);
        // Long strings: the inspector's "more" continues the value's first bytes.
        let long = 0;
        for (let i = 0; i < heap.objectCount && long < 50; i++) {
          if (dwarfTypeOf(typing, i) < 0) continue;
          for (const f of objectFields(heap, i)?.fields ?? []) {
            if (!f.more) continue;
            long++;
            const head = /^("(?:[^"\\]|\\.)*")\.\.\. \((\d+) bytes\)$/.exec(f.value ?? '');
            assert.ok(head, `${f.name}: ${f.value}`);
            assert.ok(f.more.startsWith(head[1].slice(0, -1)), `${f.name}: "more" ${f.more.slice(0, 80)} does not continue ${head[1]}`);
            assert.ok(f.more.length > head[1].length);
          }
        }
        assert.ok(long > 0, 'no long string found');
        if (t.program === 'kvstore') {
          // etcd numbers watches from 0 in each watch stream (a named int64, mvcc.WatchID):
          // every watcher's key is below the stream's nextID.
          let streams = 0;
          for (let i = 0; i < heap.objectCount; i++) {
            if (dwarfTypeOf(typing, i) < 0 || typing.view.nameOf(dwarfTypeOf(typing, i)) !== 'go.etcd.io/etcd/mvcc.watchStream') continue;
            const rows = objectFields(heap, i)?.fields ?? [];
            const nextText = rows.find((r) => r.name === 'nextID')?.value ?? '';
            assert.match(nextText, /^\d+$/);
            const next = Number(nextText);
            const ids = rows.filter((r) => r.entry && r.name.startsWith('watchers[')).map((r) => Number(/^watchers\[(\d+)\]$/.exec(r.name)?.[1]));
            assert.ok(Number.isInteger(next) && ids.every((id) => Number.isInteger(id) && id < next), `nextID ${next}, watchers ${ids.join(' ')}`);
            streams++;
          }
          assert.ok(streams > 0, 'no mvcc.watchStream typed');
        }
        console.log(`      ${maps} maps, ${entries} entries, each map's length found; ${long} long strings continued`);
      });

      // What runtime.MemProfileRate was when the program wrote its dump, where it says (metrics).
      const rateFile = `${t.file}.memprofilerate`;
      const ranWith = () => (existsSync(rateFile) ? Number(readFileSync(rateFile, 'utf8')) : REAL_MEMPROFILE_RATE);

      it('says memory profiling was off exactly when the runtime had it off', function () {
        const heap = Heap.read(new FileByteSource(t.file));
        const rate = samplingRate(heap);
        if (ranWith() === 0) {
          assert.strictEqual(rate?.source, 'off', JSON.stringify(rate));
          assert.match(samplingText(rate as SamplingRate), /^memory profiling was off: /);
        } else {
          assert.notStrictEqual(rate?.source, 'off', JSON.stringify(rate));
        }
      });

      it('exports a memory profile go tool pprof reads: in use 0.5-1.5x HeapAlloc, user code on the flat top (or says why it is empty)', function () {
        const heap = Heap.read(new FileByteSource(t.file));
        const file = join(dir, `${t.program}-${t.goVersion}.pb.gz`);
        if (ranWith() === 0) {
          writeFileSync(file, gzipSync(buildProfile(heap, 'memory')));
          const comments = spawnSync(t.go, ['tool', 'pprof', '-comments', file], { encoding: 'utf8' });
          assert.strictEqual(comments.status, 0, comments.stderr);
          assert.match(comments.stdout, /memory profiling was off/);
          return;
        }
        // The rate the program ran with, as a user passes it (`goheap pprof --rate`): the
        // in-use total is then the profile's, not fitted to HeapAlloc.
        writeFileSync(file, gzipSync(buildProfile(heap, 'memory', { rate: REAL_MEMPROFILE_RATE })));
        const top = spawnSync(t.go, ['tool', 'pprof', '-top', '-sample_index=inuse_space', file], { encoding: 'utf8' });
        assert.strictEqual(top.status, 0, top.stderr);
        const m = /of ([\d.]+)([kMG]?B) total/.exec(top.stdout);
        assert.ok(m, top.stdout.slice(0, 500));
        const inuse = Number(m[1]) * ({ kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[m[2] as 'kB'] ?? 1);
        const heapAlloc = Number(heap.model.memStats?.fields.HeapAlloc);
        assert.ok(inuse >= 0.5 * heapAlloc && inuse <= 1.5 * heapAlloc, `in use ${inuse} vs HeapAlloc ${heapAlloc}`);
        // The first row under the header: flat, flat%, sum%, cum, cum%, function. Never the
        // allocator (runtime/pprof drops its frames); a runtime function only where the runtime
        // itself allocated (runtime.malg: goroutines), as runtime/pprof shows it too.
        const first = top.stdout.split('\n').find((l) => /^\s*[\d.]+[kMG]?B\s/.test(l));
        assert.ok(first && !ALLOCATOR.test(first.trim().split(/\s+/).pop() ?? ''), `flat top: ${first}`);
        console.log(`      pprof: ${(inuse / 1e6).toFixed(1)} MB in use (HeapAlloc ${(heapAlloc / 1e6).toFixed(1)} MB); top: ${first?.trim().split(/\s+/).pop()}`);
      });
    });
  }
});
