/**
 * Maps the source locations in a heap dump (paths of the machine that built the program)
 * onto local files. Pure logic: the file system and the workspace come in through
 * ResolverEnv, so every case is unit-tested without VS Code.
 *
 * Paths arrive as: absolute build paths (/home/ci/app/x.go), -trimpath module paths
 * (example.com/mod/pkg/x.go), GOROOT paths (/usr/local/go/src/runtime/proc.go or
 * runtime/proc.go), module-cache paths (.../pkg/mod/github.com/!azure/sdk@v1.2.3/x.go, or
 * github.com/Azure/sdk@v1.2.3/x.go with -trimpath), and vendored ones.
 */

export interface PathMapping {
  /** Prefix as written in the dump. */
  from: string;
  /** Local prefix that replaces it. */
  to: string;
}

export interface GoModule {
  /** Module path from the go.mod `module` line. */
  path: string;
  /** Local directory holding that go.mod. */
  dir: string;
}

/** A Go installation: its directory and the version its VERSION file names ("go1.26.0"). */
export interface GoRoot {
  dir: string;
  version: string | undefined;
}

export interface ResolverEnv {
  /** Whether a local file exists (absolute path, forward slashes). */
  isFile(path: string): Promise<boolean>;
  /** Source files in the workspace (absolute, forward slashes). */
  workspaceFiles(): Promise<string[]>;
  /** Go modules of the workspace (go.mod files, go.work `use` directories). */
  modules(): Promise<GoModule[]>;
  goroot: string | undefined;
  /** Every Go installation found (the one above included), for the standard library of another version. */
  goroots?: () => Promise<GoRoot[]>;
  /** The Go version of the program that wrote the dump, when known ("go1.26.0", "go1.26.1-X:..."). */
  goVersion?: string;
  gomodcache: string | undefined;
  /** The user's mappings (settings), then remembered "Locate file..." answers. */
  mappings: PathMapping[];
}

export type Resolution =
  /** otherVersion: a standard library file from a Go installation of another release than the dump's. */
  | { kind: 'found'; path: string; how: string; otherVersion?: { dump: string; local: string } }
  | { kind: 'ambiguous'; candidates: string[] }
  | { kind: 'missing' };

type Found = Extract<Resolution, { kind: 'found' }>;

const slash = (p: string) => p.replace(/\\/g, '/');
const trimSlash = (p: string) => p.replace(/\/+$/, '');
const isAbsolute = (p: string) => p.startsWith('/') || /^[A-Za-z]:\//.test(p);

/** Whether `prefix` is a leading run of whole path elements of `path`. */
function hasPrefix(path: string, prefix: string): boolean {
  const p = trimSlash(prefix);
  return path === p || path.startsWith(p + '/');
}

/** Module paths escape upper case in the module cache: "Azure" is stored as "!azure". */
export function escapeModulePath(p: string): string {
  return p.replace(/[A-Z]/g, (c) => '!' + c.toLowerCase());
}

export function unescapeModulePath(p: string): string {
  return p.replace(/!([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The first existing candidate, with how it was found. */
async function firstFile(env: ResolverEnv, candidates: [string, string][]): Promise<Found | undefined> {
  for (const [path, how] of candidates) if (await env.isFile(path)) return { kind: 'found', path, how };
  return undefined;
}

export async function resolveSourcePath(rawPath: string, env: ResolverEnv): Promise<Resolution> {
  const path = slash(rawPath.trim());
  if (!path || path === '?') return { kind: 'missing' };
  const candidates: [string, string][] = [];

  // 1. Mappings: the user's word first, longest prefix first.
  for (const m of [...env.mappings].sort((a, b) => b.from.length - a.from.length)) {
    const from = trimSlash(slash(m.from));
    if (hasPrefix(path, from)) candidates.push([trimSlash(slash(m.to)) + path.slice(from.length), `mapping ${m.from}`]);
  }
  // 2. The path as it is.
  if (isAbsolute(path)) candidates.push([path, 'as is']);

  // 3. GOROOT: a foreign GOROOT (.../src/<pkg>/x.go) or a -trimpath standard library path,
  // looked up first in an installation of the dump's Go release (see orderGoRoots).
  const stdRel: string[] = [];
  if (isAbsolute(path)) {
    for (let k = path.indexOf('/src/'); k >= 0; k = path.indexOf('/src/', k + 1)) stdRel.push(path.slice(k + 5));
  } else if (!path.split('/')[0].includes('.')) {
    stdRel.push(path);
  }
  const roots = stdRel.length > 0 ? orderGoRoots(env.goroot, await env.goroots?.(), env.goVersion) : [];
  const stdCandidates: [string, string, GoRoot][] = [];
  for (const root of roots) for (const rel of stdRel) stdCandidates.push([`${trimSlash(slash(root.dir))}/src/${rel}`, root.version ? `GOROOT ${root.version}` : 'GOROOT', root]);

  // 4. Module cache: .../pkg/mod/<escaped module>@<version>/..., or <module>@<version>/... with -trimpath.
  const modcache = env.gomodcache && trimSlash(slash(env.gomodcache));
  let modulePath: string | undefined; // the path with the module cache and version removed
  const inCache = path.lastIndexOf('/pkg/mod/');
  const cacheRel = inCache >= 0 ? path.slice(inCache + 9) : !isAbsolute(path) && /@v[^/]*\//.test(path) ? escapeModulePath(path) : undefined;
  if (cacheRel !== undefined) {
    if (modcache) candidates.push([`${modcache}/${cacheRel}`, 'module cache']);
    modulePath = unescapeModulePath(cacheRel).replace(/@v[^/]*(?=\/)/, '');
  }

  const found = await firstFile(env, candidates);
  // A path found as it is (or mapped) may still lie in an installation of another release.
  const within = found && roots.find((r) => hasPrefix(found.path, `${trimSlash(slash(r.dir))}/src`));
  if (found) return within ? withVersion(found, within, env.goVersion) : found;
  for (const [file, how, root] of stdCandidates) {
    if (await env.isFile(file)) return withVersion({ kind: 'found', path: file, how }, root, env.goVersion);
  }

  // 5. Workspace modules: -trimpath paths start with the module path.
  const modules = (await env.modules()).sort((a, b) => b.path.length - a.path.length);
  const modCandidates: [string, string][] = [];
  for (const p of [path, modulePath]) {
    if (!p || isAbsolute(p)) continue;
    for (const m of modules) {
      if (hasPrefix(p, m.path)) modCandidates.push([`${trimSlash(slash(m.dir))}${p.slice(m.path.length)}`, `module ${m.path}`]);
    }
  }
  // 6. Vendored packages, in any workspace module's vendor directory.
  const vendored = path.includes('/vendor/') ? path.slice(path.lastIndexOf('/vendor/') + 8) : !isAbsolute(path) ? modulePath ?? path : undefined;
  if (vendored) for (const m of modules) modCandidates.push([`${trimSlash(slash(m.dir))}/vendor/${vendored}`, 'vendor']);
  const inModules = await firstFile(env, modCandidates);
  if (inModules) return inModules;

  // 7. The workspace file sharing the longest path suffix.
  return bestSuffixMatch(modulePath ?? path, await env.workspaceFiles());
}

function withVersion(r: Found, root: GoRoot, dump: string | undefined): Resolution {
  return dump && root.version && goRelease(dump) !== goRelease(root.version) ? { ...r, otherVersion: { dump, local: root.version } } : r;
}

/** "go1.26" of "go1.26.10", "go1.26rc1" or "go1.26.1-X:nocoverageredesign"; the string itself otherwise. */
export function goRelease(version: string): string {
  return /^go\d+\.\d+/.exec(version)?.[0] ?? version;
}

/**
 * The Go installations to look in for a standard library file, best first: the same version
 * as the dump's, then the same release (go1.26.x), then the configured GOROOT, then the rest
 * newest first. Without the dump's version, the configured GOROOT alone (then the others).
 */
export function orderGoRoots(configured: string | undefined, found: GoRoot[] | undefined, dumpVersion: string | undefined): GoRoot[] {
  const all: GoRoot[] = [];
  const add = (r: GoRoot) => {
    if (!all.some((x) => trimSlash(slash(x.dir)) === trimSlash(slash(r.dir)))) all.push(r);
  };
  const conf = configured ? found?.find((r) => trimSlash(slash(r.dir)) === trimSlash(slash(configured))) ?? { dir: configured, version: undefined } : undefined;
  const exact = (v: string | undefined) => v !== undefined && dumpVersion !== undefined && v.split(/[ -]/)[0] === dumpVersion.split(/[ -]/)[0];
  const release = (v: string | undefined) => v !== undefined && dumpVersion !== undefined && goRelease(v) === goRelease(dumpVersion);
  const others = [...(found ?? [])].sort((a, b) => compareGoVersions(b.version, a.version));
  for (const r of others) if (exact(r.version)) add(r);
  for (const r of others) if (release(r.version)) add(r);
  if (conf) add(conf);
  for (const r of others) add(r);
  return all;
}

/** Orders "go1.9" < "go1.19.8" < "go1.26.0" < "go1.26.10"; unknown versions first. */
function compareGoVersions(a: string | undefined, b: string | undefined): number {
  const parts = (v: string | undefined) => (/^go(\d+)\.(\d+)(?:\.(\d+))?/.exec(v ?? '') ?? []).slice(1).map((x) => Number(x ?? 0));
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < 3; i++) if ((x[i] ?? -1) !== (y[i] ?? -1)) return (x[i] ?? -1) - (y[i] ?? -1);
  return 0;
}

/** Number of trailing path elements two paths share. */
export function commonSuffix(a: string, b: string): number {
  const x = slash(a).split('/');
  const y = slash(b).split('/');
  let n = 0;
  while (n < x.length && n < y.length && x[x.length - 1 - n] === y[y.length - 1 - n]) n++;
  return n;
}

export function bestSuffixMatch(path: string, files: string[]): Resolution {
  let best = 0;
  let hits: string[] = [];
  for (const f of files) {
    const n = commonSuffix(path, f);
    if (n === 0 || n < best) continue;
    if (n > best) {
      best = n;
      hits = [];
    }
    hits.push(f);
  }
  if (hits.length === 1) return { kind: 'found', path: hits[0], how: `workspace file (${best} path element${best > 1 ? 's' : ''} match)` };
  if (hits.length > 1) return { kind: 'ambiguous', candidates: hits.sort() };
  return { kind: 'missing' };
}

/**
 * The mapping a "Locate file..." answer teaches: the dump path's prefix before the part both
 * paths share becomes the local file's prefix, so other files of that tree resolve too.
 */
export function deriveMapping(dumpPath: string, localPath: string): PathMapping {
  const d = slash(dumpPath).split('/');
  const l = slash(localPath).split('/');
  const n = commonSuffix(dumpPath, localPath);
  if (n === 0) return { from: slash(dumpPath), to: slash(localPath) };
  return { from: d.slice(0, d.length - n).join('/') || '/', to: l.slice(0, l.length - n).join('/') || '/' };
}

/** A Go function symbol as the runtime names it, split into what a declaration shows. */
export interface GoSymbol {
  /** Import path of the package ("main", "example.com/app/internal/db"). */
  packagePath: string;
  /** Last element of the package path, as the `package` clause names it. */
  packageName: string;
  /** Receiver type name for methods ("server" for main.(*server).handle). */
  receiver?: string;
  /** Function or method name; for closures, the enclosing function. */
  name: string;
}

/**
 * Parses "main.(*server).handleRequest", "example.com/app/db.Open", "main.start.func1",
 * "pkg.Map[...]"; undefined for names with no declaration (package-level closures,
 * "(0x4a1b2c)" unknown PCs, runtime assembly stubs without a package).
 */
export function parseGoSymbol(symbol: string): GoSymbol | undefined {
  const s = symbol.replace(/\[[^\]]*\]/g, '');
  const lastSlash = s.lastIndexOf('/');
  const dot = s.indexOf('.', lastSlash + 1);
  if (dot <= 0) return undefined;
  const packagePath = s.slice(0, dot);
  const packageName = packagePath.slice(packagePath.lastIndexOf('/') + 1);
  const rest = s.slice(dot + 1);
  const method = /^\(\*?([A-Za-z_][\w]*)\)\.([A-Za-z_][\w]*)/.exec(rest);
  if (method) return { packagePath, packageName, receiver: method[1], name: method[2] };
  const plain = /^([A-Za-z_][\w]*)(\.|$)/.exec(rest);
  // "glob..func1" is a closure in a package-level variable: no declaration of its own.
  if (!plain || plain[1] === 'glob') return undefined;
  // "T.Method" is a method with a value receiver; "f.func1" is a closure inside f.
  const recv = /^([A-Za-z_][\w]*)\.([A-Za-z_][\w]*)/.exec(rest);
  if (recv && !/^func\d+$/.test(recv[2])) return { packagePath, packageName, receiver: recv[1], name: recv[2] };
  return { packagePath, packageName, name: plain[1] };
}

/** A pattern matching the line that declares the symbol's function or method. */
export function declarationPattern(sym: GoSymbol): RegExp {
  if (sym.receiver) return new RegExp(`^func\\s*\\(\\s*(?:\\w+\\s+)?\\*?${sym.receiver}(?:\\[[^\\]]*\\])?\\s*\\)\\s*${sym.name}\\s*[[(]`);
  return new RegExp(`^func\\s+${sym.name}\\s*[[(]`);
}

/** The 1-based line declaring sym in a Go file's text, if this file declares it in its package. */
export function findDeclaration(text: string, sym: GoSymbol): number | undefined {
  const pkg = /^\s*package\s+(\w+)/m.exec(text)?.[1];
  if (pkg !== undefined && pkg !== sym.packageName) return undefined;
  const re = declarationPattern(sym);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) if (re.test(lines[i])) return i + 1;
  return undefined;
}
