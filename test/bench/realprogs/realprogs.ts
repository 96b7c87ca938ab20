/**
 * Real open-source Go programs for the benchmark and the naming report (npm run bench --
 * --real): each driver in this folder runs a real library or server under a workload and
 * writes a heap dump. They build offline in GOPATH mode from Debian's golang-*-dev source
 * packages (/usr/share/gocode), with every Go toolchain found (Debian's `go`, and
 * /usr/local/go-1.NN or /usr/lib/go-1.NN such as ../shared/heapdumps/install-go.sh installs),
 * once: programs and dumps are kept in bench-data/real/.
 *
 *   catalog   an HTTP service over gin, ristretto, bbolt, yaml.v3, goldmark, logrus, the
 *             Prometheus client, golang-lru and google/uuid
 *   kvstore   an embedded etcd 3.4 server (raft, mvcc, bbolt, gRPC) and its client, with
 *             watchers, leases, transactions and a compaction
 *   metrics   an HTTP service instrumented with the Prometheus client whose metrics are
 *             labelled by path (a label-cardinality leak); it does not link runtime/pprof, so
 *             Go turned its memory profiling off (it writes the rate it ran with beside the dump)
 *   sessions  an HTTP service timing each session with rcrowley/go-metrics and never stopping
 *             the timers, whose meters the library keeps for ever (it writes how many sessions
 *             it served and kept beside the dump)
 */
import { execFileSync } from 'child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';

const GOPATH = '/usr/share/gocode';

interface RealProgram {
  name: string;
  /** Debian packages holding its imports (apt-get install them). */
  packages: string[];
  /** A Go import path that must be present, to tell the packages are installed. */
  probe: string;
  args: string[];
}

/**
 * runtime.MemProfileRate the programs run with: one sample per 64 KiB allocated gives their
 * 6-18 MB heaps some 100-300 in-use samples, enough for the profile's in-use total to be
 * compared with MemStats.HeapAlloc (Go's default, 512 KiB, gives about a dozen).
 */
export const REAL_MEMPROFILE_RATE = 65536;

const PROGRAMS: RealProgram[] = [
  {
    name: 'catalog',
    packages: ['golang-github-gin-gonic-gin-dev', 'golang-github-dgraph-io-ristretto-dev', 'golang-github-coreos-bbolt-dev',
      'golang-gopkg-yaml.v3-dev', 'golang-github-yuin-goldmark-dev', 'golang-github-sirupsen-logrus-dev',
      'golang-github-prometheus-client-golang-dev', 'golang-github-hashicorp-golang-lru-dev', 'golang-github-google-uuid-dev'],
    probe: 'github.com/gin-gonic/gin',
    args: ['-requests', '6000', '-memprofilerate', String(REAL_MEMPROFILE_RATE)],
  },
  {
    name: 'kvstore',
    packages: ['golang-etcd-server-dev'],
    probe: 'go.etcd.io/etcd/embed',
    args: ['-keys', '20000', '-memprofilerate', String(REAL_MEMPROFILE_RATE)],
  },
  {
    name: 'metrics',
    packages: ['golang-github-prometheus-client-golang-dev'],
    probe: 'github.com/prometheus/client_golang/prometheus',
    args: ['-requests', '20000'],
  },
  {
    name: 'sessions',
    packages: ['golang-github-rcrowley-go-metrics-dev'],
    probe: 'github.com/rcrowley/go-metrics',
    args: ['-requests', '60000', '-memprofilerate', String(REAL_MEMPROFILE_RATE)],
  },
];

export interface RealDump {
  program: string;
  goVersion: string;
  file: string;
  binary: string;
}

/** A program to build with one toolchain: where its binary and dump go, and why it cannot be built here, if so. */
export interface RealTarget extends RealDump {
  go: string;
  args: string[];
  missing?: string;
}

/** Go toolchains on this machine: `go` on the PATH and side-by-side installations, by version. */
export function goToolchains(): { go: string; version: string }[] {
  const found = new Map<string, string>();
  const candidates = ['go'];
  for (const parent of ['/usr/local', '/usr/lib']) {
    for (const d of existsSync(parent) ? readdirSync(parent) : []) if (/^go-1\.\d+$/.test(d)) candidates.push(join(parent, d, 'bin', 'go'));
  }
  for (const go of candidates) {
    try {
      const v = execFileSync(go, ['env', 'GOVERSION'], { encoding: 'utf8', env: goEnv() }).trim();
      const release = /^go1\.\d+/.exec(v)?.[0];
      if (release && !found.has(release)) found.set(release, go);
    } catch {
      // not installed
    }
  }
  return [...found].map(([version, go]) => ({ go, version }));
}

function goEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GOPATH, GO111MODULE: 'off', GOFLAGS: '', GOTOOLCHAIN: 'local', GOPROXY: 'off', CGO_ENABLED: '0' };
}

/** Every program with every toolchain found, each saying what is missing to build it. */
export function realTargets(dataDir: string): RealTarget[] {
  const dir = join(dataDir, 'real');
  const toolchains = goToolchains();
  const out: RealTarget[] = [];
  for (const p of PROGRAMS) {
    const missing = existsSync(join(GOPATH, 'src', p.probe)) ? undefined : `its sources are not installed (apt-get install ${p.packages.join(' ')})`;
    for (const { go, version } of toolchains) {
      const binary = join(dir, `${p.name}-${version}`);
      out.push({ program: p.name, goVersion: version, go, args: p.args, binary, file: `${binary}.heapdump`, missing });
    }
  }
  return out;
}

/** Builds the program and runs it to write its dump, unless both are there already (the dump made with the same arguments). */
export function ensureRealDump(t: RealTarget): void {
  if (t.missing) throw new Error(`${t.program} cannot be built: ${t.missing}`);
  mkdirSync(dirname(t.binary), { recursive: true });
  if (!existsSync(t.binary)) {
    console.log(`building ${t.program} with ${t.goVersion}...`);
    execFileSync(t.go, ['build', '-o', t.binary, '.'], { cwd: join(__dirname, t.program), env: goEnv(), stdio: ['ignore', 'inherit', 'inherit'] });
  }
  // The arguments the dump was made with sit beside it: a dump made with others is made again.
  const stamp = `${t.file}.args`;
  const args = JSON.stringify(t.args);
  if (!existsSync(t.file) || statSync(t.file).size === 0 || !existsSync(stamp) || readFileSync(stamp, 'utf8') !== args) {
    console.log(`running ${t.program} (${t.goVersion})...`);
    execFileSync(t.binary, [...t.args, '-dump', t.file], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 });
    writeFileSync(stamp, args);
  }
}

/**
 * Builds and runs each program with each toolchain (skipping what is already in bench-data/real)
 * and returns the dumps; says on the console what is missing and how to install it.
 */
export function realDumps(dataDir: string): RealDump[] {
  const targets = realTargets(dataDir);
  if (targets.length === 0) console.log('real programs: no Go toolchain found (apt-get install golang-go)');
  const out: RealDump[] = [];
  for (const t of targets) {
    try {
      ensureRealDump(t);
      out.push(t);
    } catch (e) {
      console.log(`real programs: ${t.program} with ${t.goVersion}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return out;
}
