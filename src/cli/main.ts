/**
 * goheap: the command-line front end on the same engine as the extension.
 *
 * Exit codes: 0 complete; 1 the file cannot be read as a heap dump; 2 usage;
 * 3 a truncated or damaged dump of which a part was read (partial output plus the error).
 */
import { writeFileSync } from 'fs';
import { totalmem } from 'os';
import { basename } from 'path';
import { gzipSync, inflateSync } from 'zlib';
import { buildProfile } from '../engine/analysis/pprof';
import { MemoryByteSource } from '../engine/util/byteSource';
import { DumpError } from '../engine/format/errors';
import { BinaryError } from '../engine/program/elf';
import { GoProgram } from '../engine/program/goProgram';
import { outOfMemoryMessage, residentBudget, setMemoryCheck } from '../engine/util/memory';
import { Heap, PHASE_TITLES, Phase } from '../engine/analysis/heap';
import { FileByteSource, openMaybeGzipped } from '../worker/fileByteSource';
import { collectGarbage } from '../worker/reclaim';
import { ThreadedObjects } from '../worker/threadedObjects';
import { version } from '../../package.json';
import { runMcp } from './mcp';
import { CachedDump } from './cliCache';
import { printDiff, printGoroutines, printLeaks, printSummary, printSuspects, printTop, printTypes } from './reports';

const USAGE = `usage: goheap <command> [options] FILE

Reads heap dumps written by Go's runtime/debug.WriteHeapDump (FILE may be gzipped).

commands:
  summary [--json] FILE     what the dump holds; --json uses the reference decoder's keys
  top [--n N] FILE          the objects and allocation sites that retain the most,
                            each with a shortest path to a GC root
  types [--json] [--n N] FILE
                            the type histogram (the N groups retaining the most, default 30)
                            and how much of the heap each kind of evidence types
  suspects [--json] [--n N] FILE
                            leak suspects: what holds most of the reachable heap, where it
                            accumulates, the path from its root, where it was allocated
  leaks [--json] FILE       leaked goroutines: blocked on a channel or lock that nothing but
                            blocked goroutines can reach (Go 1.26's goroutineleak criterion)
  goroutines FILE           goroutines grouped by identical stack, with counts
  mcp                       serve the answers to coding agents: an MCP server on stdio
                            (tools summary, suspects, leaks, types, object, paths,
                            goroutines, sites, diff; each takes the dump's path)
  diff [--n N] OLD NEW      what grew from the older dump to the newer one: by type,
                            by allocation site, by goroutine group; survivors vs new objects
  pprof [--kind K] [--rate N] -o OUT FILE
                            a pprof profile (gzipped) for go tool pprof; K is memory (the
                            memory profile, default), retained (bytes the sampled objects of
                            each allocation stack retain) or references (dominator chains);
                            N is runtime.MemProfileRate (default: estimated, as the dump
                            does not record it)

options of every command:
  --helpers P1,P2,...       function-name prefixes of allocation helpers (default: the
                            runtime, fmt, strings, bytes, encoding/..., see the README):
                            allocation sites are named after the first other frame
  --binary PROGRAM          the Go program (ELF, or an ELF gzipped) that wrote the dump:
                            exact function names, file:line for every frame, named globals,
                            full type names. A binary that did not write the dump is
                            reported and not used.
  --no-cache                neither read nor write the analysis cache (below)

environment:
  GOHEAP_MEMORY_LIMIT_MB    memory the analysis may use (default: 90% of this machine's)
  GOHEAP_CACHE_DIR          the analysis cache: the analysis of a dump of 32 MB or more is
                            kept there (about 0.6x its size), and the next command on the
                            same unchanged file reads it instead of analysing again
                            (default: $XDG_CACHE_HOME/goheap or ~/.cache/goheap; "off": none)
  GOHEAP_CACHE_MAX_MB       the cache's budget, least recently used first out (default 4096)

exit status: 0 ok, 1 not a readable heap dump (or program binary), 2 usage, 3 damaged or
truncated dump (what could be read is printed, then the error), 4 the analysis would need
more memory than GOHEAP_MEMORY_LIMIT_MB allows`;

export const EXIT = { ok: 0, unreadable: 1, usage: 2, damaged: 3, memory: 4 } as const;

class UsageError extends Error {}

interface Options {
  command: string;
  file: string;
  /** The older dump, for diff. */
  older: string;
  /** pprof: which profile, and where to write it. */
  kind: 'memory' | 'retained' | 'references';
  output: string;
  json: boolean;
  n: number;
  /** Whether --n was given (commands differ in their default). */
  explicitN: boolean;
  /** The program binary, if given. */
  binary: string;
  /** Allocation helpers instead of the default list, if given. */
  helpers: string[] | undefined;
  /** pprof: runtime.MemProfileRate, if given. */
  rate: number | undefined;
  /** Whether to use the analysis cache (--no-cache: not). */
  cache: boolean;
}

function parseArgs(argv: string[]): Options {
  const [command, ...rest] = argv;
  if (!command) throw new UsageError('no command given');
  if (command === '-h' || command === '--help' || command === 'help') throw new UsageError('');
  if (!['summary', 'top', 'types', 'suspects', 'leaks', 'goroutines', 'diff', 'pprof'].includes(command)) throw new UsageError(`unknown command "${command}"`);
  const opts: Options = { command, file: '', older: '', kind: 'memory', output: '', json: false, n: 10, explicitN: false, binary: '', helpers: undefined, rate: undefined, cache: true };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--json' && ['summary', 'types', 'suspects', 'leaks'].includes(command)) opts.json = true;
    else if ((a === '--n' || a === '-n') && (command === 'top' || command === 'diff' || command === 'types' || command === 'suspects')) {
      const n = Number(rest[++i]);
      if (!Number.isInteger(n) || n <= 0) throw new UsageError('--n needs a positive integer');
      opts.n = n;
      opts.explicitN = true;
    } else if ((a === '-o' || a === '--output') && command === 'pprof') {
      opts.output = rest[++i] ?? '';
      if (!opts.output) throw new UsageError('-o needs a file name');
    } else if (a === '--rate' && command === 'pprof') {
      const r = Number(rest[++i]);
      if (!Number.isInteger(r) || r <= 0) throw new UsageError('--rate needs a positive integer (runtime.MemProfileRate)');
      opts.rate = r;
    } else if (a === '--kind' && command === 'pprof') {
      const k = rest[++i];
      if (k !== 'memory' && k !== 'retained' && k !== 'references') throw new UsageError('--kind is memory, retained or references');
      opts.kind = k;
    } else if (a === '--helpers') {
      const list = (rest[++i] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
      if (list.length === 0) throw new UsageError('--helpers needs function-name prefixes, comma-separated');
      opts.helpers = list;
    } else if (a === '--no-cache') {
      opts.cache = false;
    } else if (a === '--binary') {
      opts.binary = rest[++i] ?? '';
      if (!opts.binary) throw new UsageError('--binary needs the program file');
    } else if (a.startsWith('-')) throw new UsageError(`unknown option ${a} for ${command}`);
    else if (command === 'diff' && !opts.older) opts.older = a;
    else if (opts.file) throw new UsageError(command === 'diff' ? 'diff takes two files, OLD and NEW' : 'one FILE only');
    else opts.file = a;
  }
  if (command === 'diff' && !opts.file) throw new UsageError('diff needs OLD and NEW');
  if (command === 'pprof' && !opts.output) throw new UsageError('pprof needs -o OUT (e.g. -o heap.pb.gz)');
  if (!opts.file) throw new UsageError('no FILE given');
  return opts;
}

/** Progress on stderr, for files big enough to take a while. */
function progressReporter(size: number): ((phase: Phase, fraction?: number) => void) | undefined {
  if (size < 64 << 20) return undefined;
  const tty = process.stderr.isTTY;
  let last = '';
  return (phase, fraction) => {
    const text = `${PHASE_TITLES[phase]}${fraction === undefined ? '' : ` ${Math.floor(fraction * 100)}%`}`;
    if (text === last) return;
    last = text;
    if (tty) process.stderr.write(`\r\x1b[K${text}`);
    else if (fraction === undefined) process.stderr.write(`${text}...\n`);
  };
}

/**
 * Whether the command prints retained sizes (the dominator tree, the costliest phase):
 * summary, goroutines and the memory profile do without it.
 */
function needsDominators(opts: Options): boolean {
  if (opts.command === 'pprof') return opts.kind !== 'memory';
  return !['summary', 'goroutines'].includes(opts.command);
}

/** GOHEAP_MEMORY_LIMIT_MB, or 90% of this machine's memory. */
function memoryLimitMb(): number {
  const set = Number(process.env.GOHEAP_MEMORY_LIMIT_MB);
  return set > 0 ? set : Math.floor((totalmem() / 2 ** 20) * 0.9);
}

/**
 * Runs one command. `later` runs what can wait until the output is out (writing the analysis
 * cache); by default at once.
 */
export function run(argv: string[], out: (s: string) => void, later: (job: () => void) => void = (job) => job()): number {
  let opts: Options;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    const msg = (e as Error).message;
    process.stderr.write(msg ? `goheap: ${msg}\n\n${USAGE}\n` : `${USAGE}\n`);
    return msg ? EXIT.usage : EXIT.ok;
  }
  const opened: { close(): void }[] = [];
  const warn = (why: string) => process.stderr.write(`goheap: ${why}\n`);
  try {
    let program: GoProgram | undefined;
    if (opts.binary) {
      try {
        const source = openMaybeGzipped(opts.binary);
        if (source instanceof FileByteSource) opened.push(source);
        program = new GoProgram(source, opts.binary, (b) => inflateSync(b));
      } catch (e) {
        process.stderr.write(`goheap: ${e instanceof BinaryError ? e.message : `${opts.binary}: ${(e as Error).message}`}\n`);
        return EXIT.unreadable;
      }
    }
    const load = (file: string): Heap | number => {
      let source: FileByteSource | MemoryByteSource;
      try {
        source = openMaybeGzipped(file);
      } catch (e) {
        process.stderr.write(`goheap: ${(e as Error).message}\n`);
        return EXIT.unreadable;
      }
      if (source instanceof FileByteSource) opened.push(source);
      const progress = progressReporter(source.size);
      const cached = opts.cache ? CachedDump.of(file, source.size, warn) : undefined;
      let heap = cached?.readHeap(source, basename(file));
      const restored = heap !== undefined;
      try {
        heap ??= Heap.read(source, basename(file), {
          onProgress: progress && ((done, total) => progress('reading', done / total)),
          parallel: source instanceof FileByteSource ? new ThreadedObjects(file) : undefined,
        });
      } catch (e) {
        if (e instanceof DumpError) {
          process.stderr.write(`goheap: ${file}: not a readable heap dump: ${e.message}\n`);
          return EXIT.unreadable;
        }
        throw e;
      }
      heap.reclaim = collectGarbage;
      if (opts.helpers) heap.setAllocationHelpers(opts.helpers);
      let programUsed: string | undefined;
      if (program) {
        const m = heap.attachProgram(program);
        if (!m.ok) process.stderr.write(`goheap: ${opts.binary} did not write ${file}, not using it: ${m.problems.join('; ')}\n`);
        else programUsed = opts.binary;
      }
      if (restored) cached?.readTypes(heap, programUsed, opts.helpers);
      else {
        progress?.('indexing');
        heap.index();
        if (needsDominators(opts)) {
          progress?.('dominators');
          heap.dominate();
        }
      }
      if (progress && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
      const analysed = heap;
      if (cached) {
        later(() => {
          if (cached.write(analysed, programUsed, opts.helpers)) warn(`the analysis of ${file} is cached in ${cached.dir} for the next command (GOHEAP_CACHE_DIR=off or --no-cache: not)`);
        });
      }
      return heap;
    };
    const older = opts.command === 'diff' ? load(opts.older) : undefined;
    if (typeof older === 'number') return older;
    const heap = load(opts.file);
    if (typeof heap === 'number') return heap;
    if (opts.command === 'summary') printSummary(heap, opts.json, out);
    else if (opts.command === 'top') printTop(heap, opts.n, out);
    else if (opts.command === 'types') printTypes(heap, opts.explicitN ? opts.n : 30, opts.json, out);
    else if (opts.command === 'suspects') printSuspects(heap, opts.explicitN ? opts.n : 5, opts.json, out);
    else if (opts.command === 'leaks') printLeaks(heap, opts.json, out);
    else if (opts.command === 'diff') printDiff(older as Heap, heap, opts.n, out);
    else if (opts.command === 'pprof') {
      writeFileSync(opts.output, gzipSync(buildProfile(heap, opts.kind, { rate: opts.rate })));
      out(`wrote ${opts.output}: the ${opts.kind} profile of ${heap.fileName} (go tool pprof ${opts.output})\n`);
    }
    else printGoroutines(heap, out);
    let code: number = EXIT.ok;
    for (const [h, file] of [[older, opts.older], [heap, opts.file]] as const) {
      const err = h?.model.error;
      if (!err) continue;
      process.stderr.write(`goheap: ${file}: ${err.truncated ? 'truncated' : 'damaged'} dump, showing what was read: ${err.message}\n`);
      code = EXIT.damaged;
    }
    return code;
  } finally {
    // After the cache is written: it reads the dump (the names of shapes).
    later(() => {
      for (const s of opened) s.close();
    });
  }
}

if (require.main === module && process.argv[2] === 'mcp') {
  if (process.argv.length > 3) {
    process.stderr.write('goheap: mcp takes no arguments: the tools take the dump\'s path\n');
    process.exit(EXIT.usage);
  }
  runMcp(version).then(() => process.exit(EXIT.ok), (e: Error) => {
    process.stderr.write(`goheap mcp: ${e.message}\n`);
    process.exit(EXIT.unreadable);
  });
} else if (require.main === module) {
  const chunks: string[] = [];
  const afterOutput: (() => void)[] = [];
  let code: number;
  setMemoryCheck(residentBudget(memoryLimitMb() * 2 ** 20, () => process.memoryUsage.rss(), 'GOHEAP_MEMORY_LIMIT_MB'));
  try {
    code = run(process.argv.slice(2), (s) => chunks.push(s), (job) => afterOutput.push(job));
  } catch (e) {
    // A message, not a stack trace (GOHEAP_DEBUG=1 shows it): the user can act on the first.
    process.stdout.write(chunks.join(''));
    const memory = outOfMemoryMessage(e);
    process.stderr.write(`goheap: ${process.env.GOHEAP_DEBUG ? (e as Error).stack : memory ?? (e as Error).message}\n`);
    code = memory ? EXIT.memory : EXIT.unreadable;
  }
  process.stdout.write(chunks.join(''), () => {
    for (const job of afterOutput) job();
    process.exit(code);
  });
}
