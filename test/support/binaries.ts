/**
 * Program binaries and the dumps they wrote: ours in samples/bin, and the shared corpus's
 * (corpus/bin for Go 1.19, corpus/versions/go1.26/bin) when it is beside the repo. The
 * binaries are stored gzipped; they are unpacked once per run into a temporary folder.
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { basename, join } from 'path';
import { gunzipSync, inflateSync } from 'zlib';
import { typeHeapFromDwarf } from '../../src/engine/typing/dwarfTyping';
import { idAt } from '../../src/engine/util/ids';
import { GoProgram } from '../../src/engine/program/goProgram';
import { Heap } from '../../src/engine/analysis/heap';
import { FileByteSource } from '../../src/worker/fileByteSource';
import { SAMPLES, SHARED_CORPUS } from './corpus';
import { tempDir } from './tempDir';

export interface ProgramPair {
  /** Unpacked binary. */
  binary: string;
  dumps: string[];
  goVersion: '1.19' | '1.26';
}

let dir: string | undefined;

function unpack(gz: string, name: string): string {
  dir ??= tempDir('goheap-bin-');
  const out = join(dir, name);
  if (!existsSync(out)) writeFileSync(out, gunzipSync(readFileSync(gz)), { mode: 0o755 });
  return out;
}

/**
 * The sample program, unpacked beside its gzipped copy as samples/bin/orderservice (ignored
 * by git): where "Heap Dump: Choose Program Binary..." and the discovery next to the dumps
 * find it.
 */
export function unpackSampleProgram(): string {
  const out = join(SAMPLES, 'bin', 'orderservice');
  if (!existsSync(out)) writeFileSync(out, gunzipSync(readFileSync(join(SAMPLES, 'bin', 'orderservice-go1.19.gz'))), { mode: 0o755 });
  return out;
}

export function programPairs(): ProgramPair[] {
  const pairs: ProgramPair[] = [
    { binary: unpack(join(SAMPLES, 'bin', 'orderservice-go1.19.gz'), 'orderservice-go1.19'), goVersion: '1.19',
      dumps: ['orders.heapdump', 'orders-before.heapdump'].map((d) => join(SAMPLES, 'dumps', d)) },
    { binary: unpack(join(SAMPLES, 'bin', 'orderservice-go1.26.gz'), 'orderservice-go1.26'), goVersion: '1.26',
      dumps: [join(SAMPLES, 'dumps', 'orders-go1.26.heapdump')] },
  ];
  const shared = (binDir: string, dumpDir: string, goVersion: ProgramPair['goVersion']) => {
    const folder = join(SHARED_CORPUS, binDir);
    if (!existsSync(folder)) return;
    for (const gz of ['finalizers', 'goroutines', 'kitchensink', 'leak-trimpath', 'leak', 'panicdump']) {
      const file = join(folder, `${gz}.gz`);
      if (!existsSync(file)) continue;
      const names = gz === 'leak' ? ['leak-before', 'leak-after'] : [gz];
      const dumps = names.map((n) => join(SHARED_CORPUS, dumpDir, `${n}.heapdump`)).filter(existsSync);
      if (dumps.length) pairs.push({ binary: unpack(file, `${basename(binDir)}-${goVersion}-${gz}`), dumps, goVersion });
    }
  };
  shared('bin', '.', '1.19');
  shared(join('versions', 'go1.26', 'bin'), join('versions', 'go1.26'), '1.26');
  return pairs;
}

/** A copy of `binary` with its symbol table and DWARF removed by `strip`, or undefined without strip. */
export function strippedCopy(binary: string): string | undefined {
  const out = `${binary}-stripped`;
  if (existsSync(out)) return out;
  mkdirSync(dir as string, { recursive: true });
  const r = spawnSync('strip', ['-o', out, binary]);
  return r.status === 0 ? out : undefined;
}

/** The `go` command of a Go release, whose `go tool addr2line` reads that release's binaries. */
export function goCommand(version: ProgramPair['goVersion']): string | undefined {
  const candidates = version === '1.19' ? ['/usr/lib/go-1.19/bin/go', 'go'] : [`/usr/local/go-${version}/bin/go`];
  for (const go of candidates) {
    const r = spawnSync(go, ['version'], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.includes(`go${version}`)) return go;
  }
  return undefined;
}

/** Reachable bytes and objects the DWARF walk typed, and its agreement with the type words it did not start from. */
export function dwarfTypingScore(pair: ProgramPair, dump: string) {
  const source = new FileByteSource(dump);
  const heap = Heap.read(source, basename(dump)).analyse();
  const program = new GoProgram(new FileByteSource(pair.binary), pair.binary, (b) => inflateSync(b));
  const match = heap.attachProgram(program);
  if (!match.ok) throw new Error(`${pair.binary} did not write ${dump}: ${match.problems.join('; ')}`);
  const typing = typeHeapFromDwarf(heap, program, { seedTypeWords: false });
  if (!typing) throw new Error(`${pair.binary}: ${program.dwarfProblem}`);
  const idom = heap.requireDominators().idom;
  let reachable = 0;
  let typed = 0;
  for (let i = 0; i < heap.objectCount; i++) {
    if (idom[i] < 0) continue;
    reachable += heap.size(i);
    if (idAt(typing.labelOf, i) >= 0) typed += heap.size(i);
  }
  // The runtime names an array's element type in its type word, and a map's groups "map.group[K]V".
  const norm = (s: string) => s.replace(/ \(backing array\)$/, '').replace(/^\[\d*\]/, '').replace(/^chan (.*) \(buffer\)$/, '$1')
    .replace(/^map\.group\[(.*)$/, 'map[$1 (groups)');
  const { typeWordObject, typeWordAddr } = heap.model.objects;
  let agree = 0;
  let labelled = 0;
  for (let k = 0; k < typeWordObject.length; k++) {
    const l = idAt(typing.labelOf, typeWordObject[k]);
    if (l < 0) continue;
    labelled++;
    if (norm(typing.labels[l]) === norm(program.typeAt(typeWordAddr[k])?.name ?? '?')) agree++;
  }
  source.close();
  return { reachable, typed, agree, labelled, typedGlobals: typing.typedGlobals, typeWords: typeWordObject.length };
}
