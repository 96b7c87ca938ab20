/**
 * The program binary of each heap dump: chosen by the user (remembered per dump), given by
 * the `goHeapDump.binaryPath` setting, or found next to the dump and offered with one click.
 * The worker checks that the binary wrote the dump before anything from it is used. A status
 * bar item says which binary the active dump uses.
 */
import { open, readdir, stat } from 'fs/promises';
import * as path from 'path';
import * as vscode from 'vscode';
import { ProgramCheck } from '../protocol/workerMessages';
import { ActiveDumps } from './activeDumps';
import { Disposable } from './dispose';
import { HeapDumpDocument } from './heapDumpDocument';
import { log } from './log';
import { dumpSource } from './workerPool';

const REMEMBERED = 'goHeapDump.programBinaries';
/** Folders near a dump (relative to it) where builds usually land. */
const NEARBY = ['.', '..', 'bin', '../bin', 'build', '../build'];
const MAX_CANDIDATES = 40;

export class ProgramBinaries extends Disposable {
  private readonly status = this._register(vscode.window.createStatusBarItem('goHeapDump.program', vscode.StatusBarAlignment.Left, 50));
  private readonly handled = new WeakSet<HeapDumpDocument>();
  private watched: vscode.Disposable | undefined;

  constructor(private readonly dumps: ActiveDumps, private readonly state: vscode.Memento) {
    super();
    this.status.name = 'Go Heap Dump: Program Binary';
    this.status.command = 'goHeapDump.chooseBinary';
    this._register(dumps.onDidChange((d) => this.follow(d)));
    this.follow(dumps.active);
  }

  override dispose(): void {
    this.watched?.dispose();
    super.dispose();
  }

  /** "Choose Program Binary...": pick a file, check it, use it and remember it for this dump. */
  async choose(dump = this.dumps.active, picked?: vscode.Uri): Promise<ProgramCheck | undefined> {
    if (!dump) {
      void vscode.window.showInformationMessage('Open a heap dump first, then choose the program that wrote it.');
      return undefined;
    }
    const uri = picked ?? (await vscode.window.showOpenDialog({
      title: `Choose the program binary that wrote ${dump.fileName}`,
      defaultUri: vscode.Uri.joinPath(dump.uri, '..'),
      canSelectMany: false,
      openLabel: 'Use Program',
    }))?.[0];
    if (!uri) return undefined;
    const check = await this.attach(dump, uri);
    if (check.ok) {
      void vscode.window.showInformationMessage(`${dump.fileName}: names, lines and types now come from ${path.basename(uri.path)} (${check.program?.goVersion}).`);
    } else {
      void vscode.window.showWarningMessage(`${path.basename(uri.path)} is not the program that wrote ${dump.fileName}: ${check.problems.join('; ')}. Nothing from it is used.`);
    }
    return check;
  }

  /** Checks `binary` against the dump and uses it if it matches (remembering that it does). */
  async attach(dump: HeapDumpDocument, binary: vscode.Uri): Promise<ProgramCheck> {
    let check: ProgramCheck;
    try {
      const source = await dumpSource(binary);
      check = await dump.worker.checkProgram({ ...source, name: binary.scheme === 'file' ? binary.fsPath : binary.toString() }, true);
    } catch (e) {
      check = { ok: false, problems: [(e as Error).message], program: null };
    }
    log().info(`program ${binary.toString()} for ${dump.fileName}: ${check.ok ? 'in use' : check.problems.join('; ')}`);
    await this.remember(dump, check.ok ? binary : undefined);
    this.update();
    return check;
  }

  /** Runs once per dump when it first becomes active: remembered binary, setting, then discovery. */
  private follow(dump: HeapDumpDocument | undefined): void {
    this.watched?.dispose();
    this.watched = dump?.onDidChangeState(() => this.update());
    this.update();
    if (!dump || this.handled.has(dump)) return;
    this.handled.add(dump);
    void this.findFor(dump).catch((e: Error) => log().error(`finding the program of ${dump.fileName}: ${e.message}`));
  }

  private async findFor(dump: HeapDumpDocument): Promise<void> {
    const remembered = this.rememberedFor(dump);
    if (remembered) {
      const check = await this.attach(dump, remembered);
      if (check.ok) return;
      void vscode.window.showWarningMessage(`${dump.fileName}: the program binary chosen before no longer matches (${check.problems.join('; ')}).`, 'Choose Program Binary...')
        .then((a) => a && this.choose(dump));
      return;
    }
    const config = vscode.workspace.getConfiguration('goHeapDump', dump.uri);
    const setting = config.get<string>('binaryPath')?.trim();
    if (setting) {
      const uri = resolveSetting(setting, dump.uri);
      const check = await this.attach(dump, uri);
      if (!check.ok) void vscode.window.showWarningMessage(`"goHeapDump.binaryPath" (${setting}) is not the program that wrote ${dump.fileName}: ${check.problems.join('; ')}.`);
      return;
    }
    if (!config.get<boolean>('discoverBinary', true) || dump.uri.scheme !== 'file') return;
    for (const candidate of await candidates(dump.uri.fsPath)) {
      const check = await dump.worker.checkProgram({ path: candidate, name: candidate }, false).catch(() => undefined);
      if (!check?.ok) continue;
      const rel = vscode.workspace.asRelativePath(candidate);
      const answer = await vscode.window.showInformationMessage(
        `${rel} (${check.program?.goVersion}) wrote ${dump.fileName}. Use it for exact source lines, named globals and full type names?`,
        'Use It', 'Choose Another...');
      if (answer === 'Use It') await this.attach(dump, vscode.Uri.file(candidate));
      else if (answer === 'Choose Another...') await this.choose(dump);
      return;
    }
  }

  private rememberedFor(dump: { uri: vscode.Uri }): vscode.Uri | undefined {
    const map = this.state.get<Record<string, string>>(REMEMBERED, {});
    const s = map[dump.uri.toString()];
    return s ? vscode.Uri.parse(s) : undefined;
  }

  /**
   * The local binary that will be attached to the dump at `uri` as it opens (remembered, or
   * the setting), if any: the worker reading a cached analysis types it with that program's
   * cached types at once, instead of without a program first.
   */
  expectedFor(uri: vscode.Uri): string | undefined {
    const remembered = this.rememberedFor({ uri });
    const setting = vscode.workspace.getConfiguration('goHeapDump', uri).get<string>('binaryPath')?.trim();
    const binary = remembered ?? (setting ? resolveSetting(setting, uri) : undefined);
    return binary?.scheme === 'file' ? binary.fsPath : undefined;
  }

  private async remember(dump: HeapDumpDocument, binary: vscode.Uri | undefined): Promise<void> {
    const map = { ...this.state.get<Record<string, string>>(REMEMBERED, {}) };
    if (binary) map[dump.uri.toString()] = binary.toString();
    else if (map[dump.uri.toString()]) delete map[dump.uri.toString()];
    else return;
    await this.state.update(REMEMBERED, map);
  }

  private update(): void {
    const dump = this.dumps.active;
    if (!dump) {
      this.status.hide();
      return;
    }
    const s = dump.state;
    const program = s.kind !== 'failed' ? s.overview?.program : undefined;
    if (program) {
      this.status.text = `$(file-binary) ${path.basename(program.file)}`;
      this.status.tooltip = `${dump.fileName}: names, lines and types from ${program.file} (${program.goVersion}${program.stripped ? ', stripped: globals unnamed' : ''}). Click to choose another.`;
    } else {
      this.status.text = '$(file-binary) No program binary';
      this.status.tooltip = `Choose the program that wrote ${dump.fileName} for exact source lines, named globals and full type names.`;
    }
    this.status.show();
  }
}

/** `goHeapDump.binaryPath`: absolute, or relative to the dump's workspace folder. */
function resolveSetting(setting: string, dump: vscode.Uri): vscode.Uri {
  if (path.isAbsolute(setting)) return vscode.Uri.file(setting);
  const folder = vscode.workspace.getWorkspaceFolder(dump) ?? vscode.workspace.workspaceFolders?.[0];
  return folder ? vscode.Uri.joinPath(folder.uri, setting) : vscode.Uri.joinPath(dump, '..', setting);
}

/**
 * ELF files near a dump, nearest first: the likely program binaries. Read asynchronously: a
 * folder of thousands of files must not hold the extension host's thread while a dump opens.
 */
export async function candidates(dumpPath: string): Promise<string[]> {
  const out: string[] = [];
  const dir = path.dirname(dumpPath);
  for (const rel of NEARBY) {
    const folder = path.resolve(dir, rel);
    let names: string[];
    try {
      names = await readdir(folder);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const file = path.join(folder, name);
      if (out.includes(file) || !(await isElf(file))) continue;
      out.push(file);
      if (out.length >= MAX_CANDIDATES) return out;
    }
  }
  return out;
}

async function isElf(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    const fd = await open(file, 'r');
    try {
      const head = Buffer.alloc(4);
      return (await fd.read(head, 0, 4, 0)).bytesRead === 4 && head.toString('latin1') === '\x7fELF';
    } finally {
      await fd.close();
    }
  } catch {
    return false;
  }
}
