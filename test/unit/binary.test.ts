/**
 * The program binary: ELF, build info, line tables, type descriptors and globals, checked
 * against what the dump itself says (its frames name their functions; its type records name
 * their types); test/slow/binaryTools.test.ts checks it against the Go toolchain's own tools.
 */
import * as assert from 'assert';
import { inflateSync } from 'zlib';
import { basename, join } from 'path';
import { GoProgram } from '../../src/engine/program/goProgram';
import { Heap } from '../../src/engine/analysis/heap';
import { heapService } from '../../src/engine/service';
import { objectPointers } from '../../src/engine/analysis/objectQueries';
import { programBytes } from '../../src/engine/analysis/objectFields';
import { mapEntries } from '../../src/engine/analysis/mapEntries';
import { dwarfTypeOf, dwarfTypingOf } from '../../src/engine/typing/dwarfTyping';
import { FileByteSource } from '../../src/worker/fileByteSource';
import { RootKind } from '../../src/engine/format/model';
import { ProgramPair, dwarfTypingScore, programPairs } from '../support/binaries';
import { SAMPLES, hasSharedCorpus } from '../support/corpus';

const open = (path: string) => new GoProgram(new FileByteSource(path), path, (b) => inflateSync(b));
const read = (dump: string) => Heap.read(new FileByteSource(dump), basename(dump));

describe('program binary', function () {
  this.timeout(120_000);
  const pairs = programPairs();
  before(function () {
    if (!hasSharedCorpus) console.log('    ../shared/heapdumps not found: checking the samples\' binaries only');
  });

  it('finds binaries for Go 1.19 and Go 1.26', function () {
    assert.ok(pairs.some((p) => p.goVersion === '1.19') && pairs.some((p) => p.goVersion === '1.26'));
  });

  for (const pair of programPairs()) describeProgram(pair);

  it('shows the named fields of a typed object, values read from the dump', function () {
    const dump = join(SAMPLES, 'dumps', 'orders.heapdump');
    const heap = read(dump).analyse();
    const pair = pairs.find((p) => p.dumps.includes(dump)) as ProgramPair;
    assert.ok(heap.attachProgram(open(pair.binary)).ok);
    const api = heapService(heap);
    const types = api.types({ start: 0, end: 500, sort: { key: 'retained', descending: true } });
    const order = types.rows.find((r) => r.name === 'main.Order');
    assert.ok(order, types.rows.slice(0, 20).map((r) => r.name).join(', '));
    assert.strictEqual(order.source, 'dwarf');
    assert.ok(types.rows.some((r) => r.name === 'map[string]string (buckets)' && r.source === 'dwarf'));
    const index = api.typeInstances({ type: order.id, start: 0, end: 1 }).rows[0].index;
    const fields = api.object({ index }).fields;
    assert.ok(fields);
    assert.deepStrictEqual(fields.rows.filter((f) => !f.entry).map((f) => [f.name, f.type, f.offset]), [
      ['ID', 'string', 0], ['Customer', '*main.Customer', 16], ['Items', '[]main.LineItem', 24],
      ['Receipt', '[]uint8', 48], ['Notes', 'map[string]string', 72], ['Previous', '*main.Order', 80]]);
    // Values against the object's own words, read independently.
    const pointers = new Map(objectPointers(heap, index).map((p) => [p.offset, p]));
    const byName = new Map(fields.rows.filter((f) => !f.entry).map((f) => [f.name, f]));
    assert.match(byName.get('ID')?.value ?? '', /^"ord-\d+" \(\d+ bytes\)$/);
    for (const name of ['ID', 'Customer', 'Items', 'Receipt', 'Notes']) {
      const f = byName.get(name);
      assert.strictEqual(f?.target, pointers.get(f?.offset ?? -1)?.target, name);
    }
    // A []byte: its first bytes (as text or hex), then its length and capacity.
    const [, len, cap] = /^(?:"[^]*"|0x[0-9a-f]+)(?:\.\.\.)? \(len (\d+), cap (\d+)\)$/.exec(byName.get('Receipt')?.value ?? '') ?? [];
    assert.ok(Number(len) > 0 && Number(len) <= Number(cap));
    assert.strictEqual(heap.typeOf(byName.get('Customer')?.target as number).name, 'main.Customer');
  });

  for (const [dumpName, version] of [['orders.heapdump', '1.19'], ['orders-go1.26.heapdump', '1.26']]) {
    it(`shows a slice's elements and a map's entries as key -> value, every live slot found (Go ${version} ${version === '1.19' ? 'buckets' : 'swiss tables'})`, function () {
      const dump = join(SAMPLES, 'dumps', dumpName);
      const heap = read(dump).analyse();
      const pair = pairs.find((p) => p.dumps.includes(dump)) as ProgramPair;
      assert.ok(heap.attachProgram(open(pair.binary)).ok);
      const api = heapService(heap);
      const types = api.types({ start: 0, end: 500, sort: { key: 'retained', descending: true } });
      const typeId = (name: string) => {
        const t = types.rows.find((r) => r.name === name);
        assert.ok(t, `${name} not in ${types.rows.map((r) => r.name).join(', ')}`);
        return t.id;
      };
      // samples/orderservice gives order i Notes{"channel": "web", "region": {"eu", "us", "ap"}[i%3]}.
      const orders = api.typeInstances({ type: typeId('main.Order'), start: 0, end: 20 }).rows;
      assert.ok(orders.length >= 10);
      for (const o of orders) {
        const rows = api.object({ index: o.index }).fields?.rows ?? [];
        const id = Number(/"ord-(\d+)"/.exec(rows.find((r) => r.name === 'ID')?.value ?? '')?.[1]);
        assert.strictEqual(rows.find((r) => r.name === 'Notes')?.value, 'len 2');
        // Items: 1+i%4 LineItems {SKU-(i*7+k)%1000, k+1, 199*(k+1)}, read from the backing array.
        const items = Array.from({ length: 1 + (id % 4) }, (_, k) => [
          [`Items[${k}].SKU`, `"SKU-${String((id * 7 + k) % 1000).padStart(4, '0')}" (8 bytes)`],
          [`Items[${k}].Quantity`, String(k + 1)], [`Items[${k}].Cents`, String(199 * (k + 1))]]).flat();
        assert.deepStrictEqual(rows.filter((r) => r.entry && r.name.startsWith('Items')).map((r) => [r.name, r.value]), items);
        assert.deepStrictEqual(rows.filter((r) => r.entry && r.name.startsWith('Notes')).map((r) => [r.name, r.type, r.value]), [
          ['Notes["channel"]', 'string', '"web" (3 bytes)'],
          ['Notes["region"]', 'string', `"${['eu', 'us', 'ap'][id % 3]}" (2 bytes)`]]);
      }
      // OrderIndex.byID: its header's length is the number of live slots the reader finds,
      // across buckets, overflow chains and tables, and each key is its order's ID.
      const header = api.typeInstances({ type: typeId('map[string]*main.Order (map header)'), start: 0, end: 1 }).rows[0].index;
      const typing = dwarfTypingOf(heap);
      assert.ok(typing);
      const headerBytes = programBytes(heap)(heap.address(header), 48) as Uint8Array;
      const all = mapEntries(typing.view, dwarfTypeOf(typing, header), headerBytes, programBytes(heap), Infinity);
      assert.ok(all && !all.partial);
      assert.ok(all.count > 1000, `${all.count} orders`);
      assert.strictEqual(all.entries.length, all.count);
      const shown = api.object({ index: header }).fields?.rows.filter((r) => r.entry) ?? [];
      assert.strictEqual(shown.at(-1)?.value, `${all.count - (shown.length - 1)} more of ${all.count} entries`);
      for (const r of shown.slice(0, -1)) {
        const key = /^\["(ord-\d+)"\]$/.exec(r.name)?.[1];
        assert.ok(key && r.target !== undefined, r.name);
        const idOfTarget = api.object({ index: r.target }).fields?.rows.find((f) => f.name === 'ID')?.value;
        assert.strictEqual(idOfTarget, `"${key}" (${key.length} bytes)`);
      }
    });
  }

  it("types what only a goroutine's locals hold, from the frame's DWARF variables", function () {
    // samples/orderservice's ticker() keeps t := time.NewTicker(...) and done := make(chan
    // struct{}) in its frame and nowhere else: DWARF's location lists place them on its stack.
    const dump = join(SAMPLES, 'dumps', 'orders-go1.26.heapdump');
    const heap = read(dump).analyse();
    const pair = pairs.find((p) => p.dumps.includes(dump)) as ProgramPair;
    assert.ok(heap.attachProgram(open(pair.binary)).ok);
    const groups = heap.typeNamer.classify();
    const graph = heap.requireGraph();
    const heldByTicker = (o: number) => {
      for (let r = 0; r < graph.roots.count; r++) {
        if (graph.roots.target[r] !== o || graph.roots.kind[r] !== RootKind.Frame) continue;
        if (heap.model.strings.get(heap.model.frames.name[graph.roots.owner[r]]) === 'main.ticker') return true;
      }
      return false;
    };
    for (const want of ['time.Ticker', 'chan struct {} (channel)']) {
      const typed = [...Array(heap.objectCount).keys()].filter((i) => groups.describe(groups.groupOf[i]).name === want && groups.describe(groups.groupOf[i]).source === 'dwarf');
      assert.ok(typed.some(heldByTicker), `${want}: a DWARF-typed object held by main.ticker's frame (typed: ${typed.length})`);
    }
  });

  it("walks every bucket of a Go < 1.24 map's bucket array, the preallocated overflow buckets after the first 2^B included", function () {
    const dump = join(SAMPLES, 'dumps', 'orders.heapdump');
    const heap = read(dump).analyse();
    const pair = pairs.find((p) => p.dumps.includes(dump)) as ProgramPair;
    assert.ok(heap.attachProgram(open(pair.binary)).ok);
    const groups = heap.typeNamer.classify();
    const describe = (i: number) => groups.describe(groups.groupOf[i]);
    let targets = 0;
    for (let i = 0; i < heap.objectCount; i++) {
      if (describe(i).name !== 'map[string]*main.Order (buckets)') continue;
      for (const p of objectPointers(heap, i)) {
        if (p.target < 0) continue;
        targets++;
        // Keys are strings, values *main.Order: every object a bucket points to has its DWARF type.
        assert.strictEqual(describe(p.target).source, 'dwarf', `${describe(p.target).name} at +${p.offset} of bucket array ${i}`);
      }
    }
    assert.ok(targets > 1000, `pointers out of the index's buckets: ${targets}`);
  });

  it('rejects the binary of another program or Go release, saying why', function () {
    const heap = read(join(SAMPLES, 'dumps', 'orders.heapdump'));
    const other = pairs.find((p) => p.goVersion === '1.26') as ProgramPair;
    const m = heap.attachProgram(open(other.binary));
    assert.strictEqual(m.ok, false);
    assert.ok(m.problems.some((p) => /built with go1\.26.*written by go1\.19/.test(p)), m.problems.join('; '));
    assert.ok(m.problems.some((p) => /data segment is \d+ bytes, the dump's \d+/.test(p)), m.problems.join('; '));
    assert.strictEqual(heap.program, undefined, 'nothing from a mismatched binary is used');
  });

  it('rejects files that are not Go programs with the offset of the problem', function () {
    assert.throws(() => open(join(SAMPLES, 'dumps', 'orders.heapdump')), /not an ELF file.*byte offset 0/);
  });

  it('names globals in the roots and gives stack frames their lines', function () {
    const heap = read(join(SAMPLES, 'dumps', 'orders.heapdump')).analyse();
    const pair = pairs.find((p) => p.dumps.includes(join(SAMPLES, 'dumps', 'orders.heapdump'))) as ProgramPair;
    const api = heapService(heap);
    const without = api.roots({ kind: 'bss', start: 0, end: 50 }).rows.map((r) => r.detail);
    assert.ok(without.every((d) => /^bss\+0x/.test(d)));
    assert.ok(heap.attachProgram(open(pair.binary)).ok);
    const named = api.roots({ kind: 'bss', start: 0, end: 50 }).rows.map((r) => r.detail);
    assert.ok(named.some((d) => d.startsWith('main.History ')), named.join('\n'));
    assert.ok(named.some((d) => d.startsWith('main.OrderIndex')), named.join('\n'));
    for (let g = 0; g < heap.model.goroutines.count; g++) {
      const detail = api.goroutine({ index: g });
      for (const f of detail.frames) assert.ok(f.file && f.line && f.line > 0 && !f.approximate, `${f.function} has an exact line`);
      if (detail.goid !== 1) assert.ok(detail.createdBy.file && detail.createdBy.line, `goroutine ${detail.goid}: created by ${detail.createdBy.function}`);
    }
    const worker = api.goroutineGroups({ start: 0, end: 100 }).rows.find((r) => r.frames.some((f) => f.function === 'main.worker'));
    const frame = worker?.frames.find((f) => f.function === 'main.worker');
    // `for j := range jobs` in samples/orderservice/background.go.
    assert.deepStrictEqual([frame?.file?.endsWith('/background.go'), frame?.line], [true, 40]);
  });
});

describe('types from the program\'s DWARF', function () {
  this.timeout(120_000);
  const pairs = programPairs();
  const scores = pairs.flatMap((pair) => pair.dumps.map((dump) => ({ pair, dump, score: dwarfTypingScore(pair, dump) })));

  it('types most reachable bytes of every dump (the finalizer demo aside), from typed globals', function () {
    for (const { dump, score } of scores) {
      const share = score.typed / score.reachable;
      console.log(`      ${basename(dump).padEnd(24)} ${(100 * share).toFixed(1)}% of ${score.reachable} reachable bytes typed (${score.typedGlobals} typed globals)`);
      assert.ok(score.typedGlobals > 100, `${dump}: typed globals`);
      if (!/finalizers/.test(dump)) assert.ok(share > 0.9, `${dump}: ${(100 * share).toFixed(1)}% typed`);
    }
    const total = scores.reduce((a, s) => ({ typed: a.typed + s.score.typed, reachable: a.reachable + s.score.reachable }), { typed: 0, reachable: 0 });
    assert.ok(total.typed / total.reachable > 0.9, `all dumps: ${(100 * total.typed / total.reachable).toFixed(1)}%`);
  });

  it('agrees with the Go >= 1.22 type words it was not told about', function () {
    let agree = 0;
    let labelled = 0;
    for (const { dump, score } of scores) {
      agree += score.agree;
      labelled += score.labelled;
      // Every dump of Go >= 1.22 has mid-size pointerful objects, so type words to compare with.
      if (score.typeWords) assert.ok(score.labelled >= 5, `${basename(dump)}: ${score.labelled} objects with a type word compared`);
    }
    console.log(`      ${agree} of ${labelled} objects with a type word typed the same way`);
    assert.ok(labelled > 0 && agree / labelled >= 0.7, `${agree} / ${labelled}`);
  });
});

function describeProgram(pair: ProgramPair) {
  describe(`${basename(pair.binary)} (Go ${pair.goVersion})`, function () {
    const program = open(pair.binary);

    it('matches the dumps it wrote', function () {
      for (const dump of pair.dumps) {
        const heap = read(dump);
        const m = heap.attachProgram(program);
        assert.deepStrictEqual(m, { ok: true, slide: 0, problems: [] }, dump);
      }
    });

    it('names the function of every stack frame as the runtime did', function () {
      for (const dump of pair.dumps) {
        const { frames, strings } = read(dump).model;
        for (let f = 0; f < frames.count; f++) {
          const name = strings.get(frames.name[f]);
          assert.strictEqual(program.funcNameAt(frames.entryPc[f]), name, `entry of ${name}`);
          assert.strictEqual(program.funcNameAt(frames.pc[f]), name, `pc 0x${frames.pc[f].toString(16)} of ${name}`);
        }
      }
    });

    it('reads the type descriptor of every type record, repairing cut names', function () {
      for (const dump of pair.dumps) {
        for (const t of read(dump).model.types) {
          const mine = program.typeAt(t.addr);
          assert.ok(mine, `type record ${t.name} at 0x${t.addr.toString(16)}`);
          assert.strictEqual(mine.size, t.size, mine.name);
          if (t.name.endsWith('.') || t.name === '') {
            // The runtime cut the name to the package path; the descriptor has all of it.
            assert.ok(mine.name.replace(/^[*[\]]+/, '').startsWith(t.name), `${t.name} -> ${mine.name}`);
          } else {
            assert.strictEqual(mine.name, t.name);
          }
        }
      }
    });

    it('resolves every type link and every type word of the dump', function () {
      const md = program.module;
      assert.ok(md, 'module data found');
      const links = program.elf.readVirtual(md.typelinks.addr, md.typelinks.length * 4) as Uint8Array;
      const v = new DataView(links.buffer, links.byteOffset, links.byteLength);
      for (let k = 0; k < md.typelinks.length; k++) {
        const t = program.typeAt(md.types + v.getInt32(k * 4, true));
        assert.ok(t && t.name.length > 0 && !t.kind.startsWith('kind'), `type link ${k}`);
      }
      for (const dump of pair.dumps) {
        const { typeWordAddr } = read(dump).model.objects;
        for (const a of typeWordAddr) assert.ok(program.typeAt(a), `type word 0x${a.toString(16)}`);
      }
    });

  });
}
