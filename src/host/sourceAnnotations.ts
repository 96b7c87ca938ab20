/**
 * Memory in the source: in Go files, the lines that appear in the memory profile of the
 * active (or pinned) heap dump get a CodeLens with the bytes in use allocated there (or
 * below), and what the sampled objects retain; hovering shows the allocation stacks.
 */
import * as vscode from 'vscode';
import { LineStat } from '../protocol/rpc';
import { formatBytes, formatCount, frameText } from '../protocol/units';
import { ActiveDumps } from './activeDumps';
import { Disposable } from './dispose';
import { HeapDumpDocument } from './heapDumpDocument';
import { SourceNavigator } from './sourceNavigator';

const SETTING = 'goHeapDump.sourceAnnotations';

export class SourceAnnotations extends Disposable implements vscode.CodeLensProvider, vscode.HoverProvider {
  private dump: HeapDumpDocument | undefined;
  private pinned = false;
  /** Local file path -> line -> stats. */
  private byFile = new Map<string, Map<number, LineStat>>();
  private generation = 0;
  private watched: vscode.Disposable | undefined;
  private readonly onDidChangeEmitter = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.onDidChangeEmitter.event;

  constructor(private readonly dumps: ActiveDumps, private readonly navigator: SourceNavigator) {
    super();
    const selector: vscode.DocumentSelector = [{ language: 'go' }, { pattern: '**/*.go' }];
    this._register(vscode.languages.registerCodeLensProvider(selector, this));
    this._register(vscode.languages.registerHoverProvider(selector, this));
    this._register(dumps.onDidChange((d) => {
      if (!this.pinned) this.follow(d);
    }));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SETTING)) this.onDidChangeEmitter.fire();
    }));
    this.follow(dumps.active);
  }

  get enabled(): boolean {
    return vscode.workspace.getConfiguration().get<boolean>(SETTING) ?? true;
  }

  async toggle(): Promise<boolean> {
    await vscode.workspace.getConfiguration().update(SETTING, !this.enabled, vscode.ConfigurationTarget.Global);
    return this.enabled;
  }

  /** Keeps showing the current dump's figures whichever dump is active (or follows again). */
  pin(): boolean {
    this.pinned = !this.pinned;
    if (!this.pinned) this.follow(this.dumps.active);
    void vscode.window.setStatusBarMessage(this.pinned ? `Memory annotations pinned to ${this.dump?.fileName ?? 'no dump'}` : 'Memory annotations follow the active heap dump', 4000);
    return this.pinned;
  }

  /** The figures shown for a local file (for tests). */
  statsFor(path: string): LineStat[] {
    return [...(this.byFile.get(path)?.values() ?? [])];
  }

  private follow(d: HeapDumpDocument | undefined): void {
    this.watched?.dispose();
    this.dump = d;
    this.byFile = new Map();
    this.onDidChangeEmitter.fire();
    if (!d) return;
    // Reload when retained sizes arrive (the analysis reaches its last stage).
    this.watched = d.onDidChangeState((s) => {
      if (s.kind === 'ready') void this.load(d);
    });
    if (d.state.kind !== 'failed') void this.load(d);
  }

  private async load(d: HeapDumpDocument): Promise<void> {
    const gen = ++this.generation;
    let stats: LineStat[];
    try {
      stats = await d.worker.call('lineStats', undefined);
    } catch {
      return;
    }
    const files = [...new Set(stats.map((s) => s.file))];
    const local = new Map<string, string>();
    for (const f of files) {
      const path = await this.navigator.resolveQuietly(f, d);
      if (path) local.set(f, path);
    }
    if (gen !== this.generation || d !== this.dump) return;
    const byFile = new Map<string, Map<number, LineStat>>();
    for (const s of stats) {
      const path = local.get(s.file);
      if (!path) continue;
      let lines = byFile.get(path);
      if (!lines) byFile.set(path, (lines = new Map()));
      lines.set(s.line, s);
    }
    this.byFile = byFile;
    this.onDidChangeEmitter.fire();
  }

  private linesOf(document: vscode.TextDocument): Map<number, LineStat> | undefined {
    if (!this.enabled || !this.dump) return undefined;
    return this.byFile.get(document.uri.fsPath.replace(/\\/g, '/'));
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const lines = this.linesOf(document);
    if (!lines) return [];
    const lenses: vscode.CodeLens[] = [];
    for (const [line, s] of lines) {
      if (line < 1 || line > document.lineCount) continue;
      const here = s.flat.inuseBytes > 0 || s.flat.liveBytes > 0;
      const t = here ? s.flat : s.cum;
      if (t.inuseBytes === 0 && t.liveBytes === 0) continue;
      const parts = [`${formatBytes(t.inuseBytes)} in use (${formatCount(t.inuseObjects)} objects) ${here ? 'allocated here' : 'allocated below this call'}`];
      if (t.liveBytes) parts.push(`${formatBytes(t.liveBytes)} live in ${this.dump?.fileName}`);
      if (t.retainedBytes) parts.push(`retains ${formatBytes(t.retainedBytes)}`);
      lenses.push(new vscode.CodeLens(new vscode.Range(line - 1, 0, line - 1, 0), {
        title: `$(database) ${parts.join(' · ')}`,
        tooltip: 'From the memory profile in the heap dump; hover the line for the allocation stacks',
        command: 'goHeapDump.showLineStacks',
        arguments: [s],
      }));
    }
    return lenses;
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const s = this.linesOf(document)?.get(position.line + 1);
    if (!s) return undefined;
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**Memory from ${this.dump?.fileName ?? 'the heap dump'}**\n\n`);
    md.appendMarkdown(`| | in use | objects | live | retained |\n|---|---:|---:|---:|---:|\n`);
    for (const [label, t] of [['allocated on this line', s.flat], ['this line and below', s.cum]] as const) {
      md.appendMarkdown(`| ${label} | ${formatBytes(t.inuseBytes)} | ${formatCount(t.inuseObjects)} | ${formatBytes(t.liveBytes)} | ${t.retainedBytes === null ? '...' : formatBytes(t.retainedBytes)} |\n`);
    }
    for (const site of s.sites) {
      md.appendMarkdown(`\n${formatBytes(site.inuseBytes)} in use:\n`);
      md.appendCodeblock(site.frames.slice(0, 8).map((f) => frameText(f)).join('\n'), 'text');
    }
    return new vscode.Hover(md);
  }

  override dispose(): void {
    this.watched?.dispose();
    super.dispose();
  }
}

/** The stacks of a line, to pick a frame and open it. */
export async function showLineStacks(s: LineStat): Promise<void> {
  const items = s.sites.flatMap((site) => site.frames.map((f, d) => ({
    label: `${d === 0 ? '$(database)' : '   '} ${frameText(f)}`,
    description: d === 0 ? `${formatBytes(site.inuseBytes)} in use` : undefined,
    frame: f,
  })));
  const pick = await vscode.window.showQuickPick(items, { title: `Allocation stacks through ${frameText(s)}`, matchOnDescription: true });
  if (pick) await vscode.commands.executeCommand('goHeapDump.openFrame', pick.frame);
}
