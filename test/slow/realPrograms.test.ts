/**
 * Real open-source programs (test/bench/realprogs: an HTTP service over gin, ristretto, bbolt
 * and more; an embedded etcd 3.4 server), built from Debian's golang-*-dev sources with every
 * Go found, each writing a heap dump under a real workload. What the viewer says of them is
 * checked against the runtime's own figures and the binary's own types:
 *   - the objects (records minus phantom slots) are MemStats.HeapObjects, their bytes HeapAlloc;
 *   - with the binary, at least 90% of the object bytes carry a Go type name;
 *   - every object with a Go >= 1.22 type word is named after that word's type.
 * Without Go or those Debian packages the programs cannot be built here, and this says so.
 */
import * as assert from 'assert';
import { join } from 'path';
import { Heap } from '../../src/engine/analysis/heap';
import { FileByteSource } from '../../src/worker/fileByteSource';
import { nameReport } from '../bench/names';
import { ensureRealDump, realTargets } from '../bench/realprogs/realprogs';
import { REPO } from '../support/corpus';

describe('real programs', function () {
  this.timeout(900_000);
  const targets = realTargets(join(REPO, 'bench-data'));
  const buildable = targets.filter((t) => !t.missing);

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
    });
  }
});
