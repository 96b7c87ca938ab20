/**
 * Opens the source of a frame beside the heap dump editor: resolves the dump's build path to
 * a real local file (sourceResolver), asks once when nothing matches and remembers the
 * answer, and for frames without file:line finds the function's declaration.
 */
import { execFile } from 'child_process';
import { homedir } from 'os';
import * as vscode from 'vscode';
import { SourceFrame } from '../protocol/rpc';
import { frameText } from '../protocol/units';
import type { HeapDumpDocument } from './heapDumpDocument';
import {
  GoModule, GoRoot, PathMapping, ResolverEnv, deriveMapping, findDeclaration, parseGoSymbol, resolveSourcePath,
} from './sourceResolver';

const REMEMBERED = 'goHeapDump.rememberedMappings';
const SOURCE_FILE = /\.(go|s|S|c|h|cc|cpp)$/;
const CACHE_MS = 30_000;

export class SourceNavigator {
  private goEnv: Promise<{ goroot?: string; gomodcache?: string }> | undefined;
  private files: { at: number; value: Promise<string[]> } | undefined;
  private modules: { at: number; value: Promise<GoModule[]> } | undefined;
  private goroots: Promise<GoRoot[]> | undefined;

  constructor(private readonly state: vscode.Memento) {}

  /** Opens a frame's source; returns the file and line opened, or undefined. */
  async openFrame(frame: SourceFrame, document?: HeapDumpDocument): Promise<{ path: string; line: number } | undefined> {
    if (frame.file && frame.line) {
      const opened = await this.openPath(frame.file, frame.line, dumpGoVersion(document));
      if (opened && frame.approximate) {
        vscode.window.setStatusBarMessage(`$(info) ${frame.function}: a line of this function from the memory profile, not the frame's own line`, 8000);
      }
      if (opened || frame.approximate === undefined) return opened;
    }
    return this.openDeclaration(frame.function);
  }

  /**
   * The local file a build path maps to, without asking the user; undefined if none or several,
   * or if it is the standard library of another Go release than the dump's (its lines differ).
   */
  async resolveQuietly(buildPath: string, document?: HeapDumpDocument): Promise<string | undefined> {
    const r = await resolveSourcePath(buildPath, await this.env(dumpGoVersion(document)));
    return r.kind === 'found' && !r.otherVersion && SOURCE_FILE.test(r.path) ? r.path : undefined;
  }

  /** Where a build path would open, for a tooltip: the local file and a note, or what a click will ask. */
  async describe(buildPath: string, document?: HeapDumpDocument): Promise<{ path: string | null; note: string }> {
    const r = await resolveSourcePath(buildPath, await this.env(dumpGoVersion(document)));
    if (r.kind === 'ambiguous') return { path: null, note: `${r.candidates.length} workspace files match ${buildPath}: a click asks which` };
    if (r.kind === 'missing') return { path: null, note: `${buildPath} is not in the workspace, GOROOT or the module cache: a click offers to locate it` };
    const built = r.path === buildPath ? '' : `built as ${buildPath}`;
    const other = r.otherVersion ? `${r.otherVersion.local} source, the dump is from ${r.otherVersion.dump}: lines may differ` : '';
    return { path: r.path, note: [built, other].filter(Boolean).join('; ') };
  }

  private async env(goVersion?: string): Promise<ResolverEnv> {
    const config = vscode.workspace.getConfiguration('goHeapDump');
    const goEnv = await (this.goEnv ??= readGoEnv());
    const settingMappings = config.get<Record<string, string>>('pathMappings') ?? {};
    const mappings: PathMapping[] = [
      ...Object.entries(settingMappings).map(([from, to]) => ({ from, to: expandVariables(to) })),
      ...(this.state.get<PathMapping[]>(REMEMBERED) ?? []),
    ];
    return {
      isFile,
      workspaceFiles: () => this.cachedFiles(),
      modules: () => this.cachedModules(),
      goroot: config.get<string>('goroot') || goEnv.goroot,
      goroots: () => (this.goroots ??= findGoRoots([config.get<string>('goroot'), goEnv.goroot], goEnv.gomodcache)),
      goVersion,
      gomodcache: goEnv.gomodcache,
      mappings,
    };
  }

  private async openPath(buildPath: string, line: number, goVersion: string | undefined): Promise<{ path: string; line: number } | undefined> {
    const r = await resolveSourcePath(buildPath, await this.env(goVersion));
    let path: string | undefined;
    if (r.kind === 'found') {
      path = r.path;
      if (r.otherVersion) {
        vscode.window.setStatusBarMessage(
          `$(warning) ${buildPath.split('/').pop()}: ${r.otherVersion.local} source; the dump is from ${r.otherVersion.dump}, so lines may differ (install ${r.otherVersion.dump} beside it to open the exact file)`, 15000);
      }
    }
    else if (r.kind === 'ambiguous') {
      const pick = await vscode.window.showQuickPick(r.candidates, { title: `Which file is ${buildPath}?`, placeHolder: 'Several workspace files match this path' });
      if (pick) {
        path = pick;
        await this.remember(deriveMapping(buildPath, pick));
      }
    } else {
      path = await this.locate(buildPath);
    }
    if (!path || !SOURCE_FILE.test(path)) return undefined;
    await showAt(vscode.Uri.file(path), line);
    return { path, line };
  }

  /** "Locate file..." for a path nothing matched; the answer becomes a prefix mapping. */
  private async locate(buildPath: string): Promise<string | undefined> {
    const choice = await vscode.window.showWarningMessage(
      `Cannot find ${buildPath} in the workspace, GOROOT or the module cache.`,
      'Locate File...',
    );
    if (choice !== 'Locate File...') return undefined;
    const base = buildPath.split('/').pop();
    const picked = await vscode.window.showOpenDialog({
      title: `Locate ${buildPath}`,
      canSelectMany: false,
      openLabel: 'Use This File',
      filters: base ? { [base]: [base.split('.').pop() ?? '*'] } : undefined,
    });
    const path = picked?.[0]?.fsPath.replace(/\\/g, '/');
    if (path) await this.remember(deriveMapping(buildPath, path));
    return path;
  }

  private async remember(m: PathMapping): Promise<void> {
    const list = (this.state.get<PathMapping[]>(REMEMBERED) ?? []).filter((x) => x.from !== m.from);
    await this.state.update(REMEMBERED, [...list, m]);
  }

  /** For a frame without file:line: the workspace symbol provider (gopls), then a search for the declaration. */
  private async openDeclaration(func: string): Promise<{ path: string; line: number } | undefined> {
    const sym = parseGoSymbol(func);
    if (!sym) {
      vscode.window.showInformationMessage(`No source location is known for ${func}.`);
      return undefined;
    }
    const note = () => vscode.window.setStatusBarMessage(
      `$(info) ${func}: the function's declaration; the frame's exact line needs the program binary`, 8000);
    const symbols = await vscode.commands.executeCommand<vscode.SymbolInformation[]>('vscode.executeWorkspaceSymbolProvider', sym.name).then((x) => x ?? [], () => []);
    const hit = symbols.find((s) => s.name === sym.name && (!sym.receiver || s.containerName.includes(sym.receiver)) &&
      (s.kind === vscode.SymbolKind.Function || s.kind === vscode.SymbolKind.Method));
    if (hit) {
      await showAt(hit.location.uri, hit.location.range.start.line + 1);
      note();
      return { path: hit.location.uri.fsPath, line: hit.location.range.start.line + 1 };
    }
    const env = await this.env();
    const files = [...(await env.workspaceFiles()).filter((f) => f.endsWith('.go'))];
    // Standard library functions live in GOROOT/src/<package path>.
    if (env.goroot && !sym.packagePath.split('/')[0].includes('.')) {
      const dir = vscode.Uri.file(`${env.goroot}/src/${sym.packagePath}`);
      const entries = await vscode.workspace.fs.readDirectory(dir).then((x) => x, () => []);
      files.push(...entries.filter(([n]) => n.endsWith('.go') && !n.endsWith('_test.go')).map(([n]) => `${dir.fsPath}/${n}`));
    }
    for (const f of files) {
      const text = await vscode.workspace.fs.readFile(vscode.Uri.file(f)).then((b) => new TextDecoder().decode(b), () => '');
      const line = findDeclaration(text, sym);
      if (line) {
        await showAt(vscode.Uri.file(f), line);
        note();
        return { path: f, line };
      }
    }
    vscode.window.showInformationMessage(`Cannot find the declaration of ${frameText({ function: func })} in the workspace or GOROOT.`);
    return undefined;
  }

  private cachedFiles(): Promise<string[]> {
    if (!this.files || Date.now() - this.files.at > CACHE_MS) {
      const value = Promise.resolve(vscode.workspace.findFiles('**/*.{go,s,c,h}', '**/{node_modules,.git}/**', 50_000))
        .then((uris) => uris.map((u) => u.fsPath.replace(/\\/g, '/')));
      this.files = { at: Date.now(), value };
      return value;
    }
    return this.files.value;
  }

  private cachedModules(): Promise<GoModule[]> {
    if (!this.modules || Date.now() - this.modules.at > CACHE_MS) this.modules = { at: Date.now(), value: findModules() };
    return this.modules.value;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await vscode.workspace.fs.stat(vscode.Uri.file(path))).type === vscode.FileType.File;
  } catch {
    return false;
  }
}

/**
 * Sources open beside the heap dump: in the editor group next to the one showing a heap dump
 * if there is one (so repeated jumps reuse it), else in a new group beside the active one.
 */
function sourceColumn(): vscode.ViewColumn {
  const groups = vscode.window.tabGroups.all;
  const showsDump = (g: vscode.TabGroup) => g.tabs.some((t) => t.input instanceof vscode.TabInputCustom && t.input.viewType === 'goHeapDump.editor' && t.isActive);
  const dump = groups.find((g) => g.isActive && showsDump(g)) ?? groups.find(showsDump);
  const other = dump && groups.find((g) => g !== dump && g.viewColumn === dump.viewColumn + 1);
  return other?.viewColumn ?? vscode.ViewColumn.Beside;
}

async function showAt(uri: vscode.Uri, line: number): Promise<void> {
  const pos = new vscode.Position(Math.max(0, line - 1), 0);
  const editor = await vscode.window.showTextDocument(uri, {
    viewColumn: sourceColumn(),
    selection: new vscode.Range(pos, pos),
    preview: true,
  });
  editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenter);
}

/** Modules of the workspace: every go.mod's module line, and go.work's use directories. */
async function findModules(): Promise<GoModule[]> {
  const out: GoModule[] = [];
  const read = async (u: vscode.Uri) => new TextDecoder().decode(await vscode.workspace.fs.readFile(u));
  for (const u of await vscode.workspace.findFiles('**/go.mod', '**/{node_modules,vendor}/**', 500)) {
    const m = /^\s*module\s+("?)([^\s"]+)\1/m.exec(await read(u));
    if (m) out.push({ path: m[2], dir: vscode.Uri.joinPath(u, '..').fsPath.replace(/\\/g, '/') });
  }
  for (const u of await vscode.workspace.findFiles('**/go.work', '**/node_modules/**', 20)) {
    const text = await read(u);
    const uses = [...text.matchAll(/^\s*(?:use\s+)?(\.{1,2}\/[^\s)]*|\.)\s*$/gm)].map((x) => x[1]);
    for (const dir of uses) {
      const modUri = vscode.Uri.joinPath(u, '..', dir, 'go.mod');
      const m = /^\s*module\s+("?)([^\s"]+)\1/m.exec(await read(modUri).catch(() => ''));
      if (m && !out.some((x) => x.path === m[2])) out.push({ path: m[2], dir: vscode.Uri.joinPath(modUri, '..').fsPath.replace(/\\/g, '/') });
    }
  }
  return out;
}

/** The Go version that wrote the document's dump, once its overview is known. */
function dumpGoVersion(document: HeapDumpDocument | undefined): string | undefined {
  const s = document?.state;
  return s && (s.kind === 'ready' || s.kind === 'loading') ? s.overview?.goVersion || undefined : undefined;
}

/**
 * Go installations on this machine, each with the version its VERSION file names: the
 * configured and `go env` GOROOTs, Debian's /usr/lib/go-1.NN, /usr/local/go*, ~/sdk/go1.NN.M
 * (golang.org/dl), and toolchains in the module cache (golang.org/toolchain@v0.0.1-go1.NN.M.os-arch).
 */
async function findGoRoots(known: (string | undefined)[], gomodcache: string | undefined): Promise<GoRoot[]> {
  const dirs = new Set(known.filter((d): d is string => !!d));
  const list = async (parent: string, pattern: RegExp) => {
    const entries = await vscode.workspace.fs.readDirectory(vscode.Uri.file(parent)).then((x) => x, () => []);
    for (const [name, type] of entries) if (pattern.test(name) && type & vscode.FileType.Directory) dirs.add(`${parent}/${name}`);
  };
  await list('/usr/lib', /^go(-\d+\.\d+)?$/);
  await list('/usr/local', /^go([-.]?\d+\.\d+(\.\d+)?)?$/);
  await list(`${homedir()}/sdk`, /^go\d+\.\d+/);
  if (gomodcache) await list(`${gomodcache}/golang.org`, /^toolchain@v0\.0\.1-go\d/);
  const out: GoRoot[] = [];
  for (const dir of dirs) {
    const text = await vscode.workspace.fs.readFile(vscode.Uri.file(`${dir}/VERSION`)).then((b) => new TextDecoder().decode(b), () => undefined);
    const version = text?.split('\n')[0].trim();
    if (version) out.push({ dir, version });
  }
  return out;
}

/** GOROOT and GOMODCACHE from `go env`, falling back to the environment and Go's defaults. */
function readGoEnv(): Promise<{ goroot?: string; gomodcache?: string }> {
  const fallback = {
    goroot: process.env.GOROOT,
    gomodcache: process.env.GOMODCACHE ?? `${process.env.GOPATH?.split(/[:;]/)[0] ?? `${homedir()}/go`}/pkg/mod`,
  };
  return new Promise((resolve) => {
    execFile('go', ['env', 'GOROOT', 'GOMODCACHE'], { timeout: 5000 }, (err, stdout) => {
      if (err) return resolve(fallback);
      const [goroot, gomodcache] = stdout.split('\n').map((s) => s.trim());
      resolve({ goroot: goroot || fallback.goroot, gomodcache: gomodcache || fallback.gomodcache });
    });
  });
}

function expandVariables(p: string): string {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
  return p.replace(/\$\{workspaceFolder\}/g, folder).replace(/^~(?=\/|$)/, homedir());
}
