/**
 * The program binary against the tools of the Go toolchain and binutils: a position-independent
 * build of the sample, `go tool addr2line` of the Go release that built each binary, stripped
 * copies, and damaged copies. Slow (builds and runs programs): npm run test:slow.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { readFileSync } from 'fs';
import { inflateSync } from 'zlib';
import { basename, join } from 'path';
import { MemoryByteSource } from '../../src/engine/util/byteSource';
import { BinaryError } from '../../src/engine/program/elf';
import { GoProgram } from '../../src/engine/program/goProgram';
import { Heap } from '../../src/engine/analysis/heap';
import { FileByteSource } from '../../src/worker/fileByteSource';
import { goCommand, programPairs, strippedCopy } from '../support/binaries';
import { SAMPLES } from '../support/corpus';
import { tempDir } from '../support/tempDir';

const open = (path: string) => new GoProgram(new FileByteSource(path), path, (b) => inflateSync(b));
const read = (dump: string) => Heap.read(new FileByteSource(dump), basename(dump));

/** addr2line's answers (function, file:line) for PCs, in order. */
function addr2line(go: string, binary: string, pcs: number[]): [string, string][] {
  const r = spawnSync(go, ['tool', 'addr2line', binary], { input: pcs.map((p) => `0x${p.toString(16)}\n`).join(''), encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.strictEqual(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  return pcs.map((_, k) => [lines[2 * k], lines[2 * k + 1]]);
}

describe('program binary against the toolchain', function () {
  this.timeout(180_000);
  const pairs = programPairs();

  it('reads a position-independent program at the address it was loaded (go build -buildmode=pie)', function () {
    const go = goCommand('1.19');
    if (!go) {
      console.log('      go not found: the PIE build is not checked (CI installs golang-go)');
      return;
    }
    const dir = tempDir('goheap-pie-');
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


  it('a frame interrupted by preemption or a signal is at its own pc (Go\'s unwinder rule), the others at their call', function () {
    let checked = 0;
    for (const pair of pairs) {
      const go = goCommand(pair.goVersion);
      if (!go) continue;
      for (const dump of pair.dumps) {
        const heap = read(dump);
        if (!heap.attachProgram(open(pair.binary)).ok) continue;
        const f = heap.model.frames;
        for (let k = 1; k < f.count; k++) {
          const callee = heap.model.strings.get(f.name[k - 1]);
          if (f.depth[k] === 0 || !/^runtime\.(asyncPreempt|sigpanic)$/.test(callee)) continue;
          const [[, exact]] = addr2line(go, pair.binary, [f.pc[k]]);
          const ours = heap.frameSources(k).at(-1);
          assert.strictEqual(`${ours?.file}:${ours?.line}`, exact, `${heap.model.strings.get(f.name[k])} below ${callee}`);
          checked++;
        }
      }
    }
    if (checked === 0) console.log('      no interrupted frame in these dumps (or no Go toolchain): nothing to compare');
  });

  for (const pair of pairs) {
    describe(`${basename(pair.binary)} (Go ${pair.goVersion})`, function () {
      const program = open(pair.binary);

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
});
