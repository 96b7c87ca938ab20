/**
 * The program binary: ELF, build info, line tables, type descriptors and globals, checked
 * against what the dump itself says (its frames name their functions; its type records name
 * their types) and against `go tool addr2line` of the Go release that built each binary.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { inflateSync } from 'zlib';
import { basename, join } from 'path';
import { MemoryByteSource } from '../../src/engine/format/byteSource';
import { BinaryError } from '../../src/engine/program/elf';
import { GoProgram } from '../../src/engine/program/goProgram';
import { Heap } from '../../src/engine/analysis/heap';
import { heapService } from '../../src/engine/service';
import { objectPointers } from '../../src/engine/analysis/objectQueries';
import { FileByteSource } from '../../src/worker/fileByteSource';
import { ProgramPair, dwarfTypingScore, goCommand, programPairs, strippedCopy } from '../support/binaries';
import { SAMPLES, hasSharedCorpus } from '../support/corpus';

const open = (path: string) => new GoProgram(new FileByteSource(path), path, (b) => inflateSync(b));
const read = (dump: string) => Heap.read(new FileByteSource(dump), basename(dump));

/** addr2line's answers (function, file:line) for PCs, in order. */
function addr2line(go: string, binary: string, pcs: number[]): [string, string][] {
  const r = spawnSync(go, ['tool', 'addr2line', binary], { input: pcs.map((p) => `0x${p.toString(16)}\n`).join(''), encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.strictEqual(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  return pcs.map((_, k) => [lines[2 * k], lines[2 * k + 1]]);
}

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
    assert.deepStrictEqual(fields.rows.map((f) => [f.name, f.type, f.offset]), [
      ['ID', 'string', 0], ['Customer', '*main.Customer', 16], ['Items', '[]main.LineItem', 24],
      ['Receipt', '[]uint8', 48], ['Notes', 'map[string]string', 72], ['Previous', '*main.Order', 80]]);
    // Values against the object's own words, read independently.
    const pointers = new Map(objectPointers(heap, index).map((p) => [p.offset, p]));
    const byName = new Map(fields.rows.map((f) => [f.name, f]));
    assert.match(byName.get('ID')?.value ?? '', /^"ord-\d+" \(\d+ bytes\)$/);
    for (const name of ['ID', 'Customer', 'Items', 'Receipt', 'Notes']) {
      const f = byName.get(name);
      assert.strictEqual(f?.target, pointers.get(f?.offset ?? -1)?.target, name);
    }
    const [, len, cap] = /^len (\d+), cap (\d+)$/.exec(byName.get('Receipt')?.value ?? '') ?? [];
    assert.ok(Number(len) > 0 && Number(len) <= Number(cap));
    assert.strictEqual(heap.typeOf(byName.get('Customer')?.target as number).name, 'main.Customer');
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

  it('reads a position-independent program at the address it was loaded (go build -buildmode=pie)', function () {
    const go = goCommand('1.19');
    if (!go) {
      console.log('      go not found: the PIE build is not checked (CI installs golang-go)');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'goheap-pie-'));
    const env = { ...process.env, GOFLAGS: '-buildvcs=false', GOPROXY: 'off', CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOCACHE: join(dir, 'cache') };
    const build = spawnSync(go, ['build', '-buildmode=pie', '-o', join(dir, 'orderservice'), '.'], { cwd: join(SAMPLES, 'orderservice'), env, encoding: 'utf8' });
    assert.strictEqual(build.status, 0, build.stderr);
    const run = spawnSync(join(dir, 'orderservice'), ['-requests', '400', '-after', join(dir, 'pie.heapdump')], { env: { ...env, GOMAXPROCS: '2' }, encoding: 'utf8', timeout: 60_000 });
    assert.strictEqual(run.status, 0, run.stderr);
    const heap = read(join(dir, 'pie.heapdump'));
    const program = open(join(dir, 'orderservice'));
    assert.strictEqual(program.elf.type, 3, 'a position-independent executable');
    const m = heap.attachProgram(program);
    assert.ok(m.ok, m.problems.join('; '));
    assert.notStrictEqual(m.slide, 0, 'loaded away from its link address');
    const { frames, strings } = heap.model;
    for (let f = 0; f < frames.count; f++) assert.strictEqual(program.funcNameAt(frames.pc[f]), strings.get(frames.name[f]));
    assert.ok(heap.model.types.every((t) => program.typeAt(t.addr)), 'type records resolve');
    assert.strictEqual(heap.globalName(program.globals().find((g) => g.name === 'main.History')?.addr ?? 0), 'main.History');
  });

  it('survives damaged binaries: a BinaryError or best-effort answers, never a crash', function () {
    const pair = pairs[0];
    const base = new Uint8Array(readFileSync(pair.binary));
    const elf = open(pair.binary).elf;
    const spots = [0, 0x3c, elf.sections.length ? 0x40 : 0, ...['.gopclntab', '.go.buildinfo', '.rodata', '.noptrdata', '.debug_info', '.debug_abbrev', '.symtab']
      .map((n) => elf.section(n)?.offset ?? 0)];
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    let rejected = 0;
    for (let k = 0; k < 200; k++) {
      const b = Uint8Array.from(base);
      for (let m = 0; m < 1 + rnd(8); m++) b[spots[rnd(spots.length)] + rnd(256)] = rnd(256);
      try {
        const p = new GoProgram(new MemoryByteSource(b), `damaged-${k}`, (z) => inflateSync(z));
        const text = p.module?.text ?? 0x401000;
        for (let pc = text; pc < text + 0x80000; pc += 0x1111) {
          p.frames(pc);
          p.funcNameAt(pc);
        }
        p.globals();
        p.typedGlobals();
        if (p.module) for (let a = p.module.types; a < p.module.types + 0x2000; a += 0x30) p.typeAt(a);
      } catch (e) {
        if (!(e instanceof BinaryError)) throw new Error(`mutation ${k}: ${(e as Error).message}`, { cause: e });
        rejected++;
      }
    }
    assert.ok(rejected < 200, 'most damage is survivable');
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
    for (const { score } of scores) {
      agree += score.agree;
      labelled += score.labelled;
    }
    console.log(`      ${agree} of ${labelled} objects with a type word typed the same way`);
    assert.ok(labelled >= 20 && agree / labelled >= 0.7, `${agree} / ${labelled}`);
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

    it('gives the file and line of go tool addr2line, inlined calls included', function () {
      const go = goCommand(pair.goVersion);
      if (!go) {
        console.log(`      Go ${pair.goVersion} not installed: addr2line not compared (.ci/run installs it)`);
        return;
      }
      const { frames } = read(pair.dumps[0]).model;
      const pcs = new Set<number>();
      for (let f = 0; f < frames.count; f++) pcs.add(frames.pc[f] - 1);
      for (let i = 0; i < program.lines.funcCount; i += 5) for (const d of [0, 9, 40]) pcs.add(program.lines.entry(i) + d);
      const list = [...pcs];
      const answers = addr2line(go, pair.binary, list);
      let compared = 0;
      let inlined = 0;
      list.forEach((pc, k) => {
        const [fn, fileLine] = answers[k];
        if (/:0$|^\?|^:/.test(fileLine)) return; // padding between functions
        const frames = program.frames(pc);
        assert.ok(frames.length > 0, `0x${pc.toString(16)}: ${fn} ${fileLine}`);
        assert.strictEqual(`${frames[0].file}:${frames[0].line}`, fileLine, `0x${pc.toString(16)} in ${fn}`);
        assert.strictEqual(frames[frames.length - 1].func, fn, `0x${pc.toString(16)}`);
        compared++;
        if (frames.length > 1) inlined++;
      });
      assert.ok(compared > 500, `${compared} PCs compared`);
      assert.ok(inlined > 10, `${inlined} PCs inside inlined calls`);
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

    it('keeps line tables and type names when stripped, and says the globals are gone', function () {
      const copy = strippedCopy(pair.binary);
      assert.ok(copy, 'strip (binutils) is installed');
      const stripped = open(copy);
      assert.strictEqual(stripped.stripped, true);
      assert.strictEqual(stripped.globals().length, 0);
      assert.match(stripped.describe().dwarfProblem ?? '', /no DWARF/);
      assert.strictEqual(program.describe().dwarfProblem, null);
      assert.ok(program.globals().length > 0);
      const heap = read(pair.dumps[0]);
      assert.ok(heap.attachProgram(stripped).ok);
      const { frames } = heap.model;
      for (let f = 0; f < frames.count; f++) assert.deepStrictEqual(stripped.frames(frames.pc[f] - 1), program.frames(frames.pc[f] - 1));
      for (const t of heap.model.types) assert.deepStrictEqual(stripped.typeAt(t.addr), program.typeAt(t.addr));
    });
  });
}
