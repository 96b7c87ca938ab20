/**
 * The "Goroutines" tree in the Heap Dump sidebar: the goroutines of the active heap dump,
 * grouped by identical stack (groups -> goroutines -> frames), with a filter. Clicking a
 * frame opens its source.
 */
import * as vscode from 'vscode';
import { GoroutineGroupRow, SourceFrame } from '../protocol/rpc';
import { baseName, formatBytes, summaryFrame } from '../protocol/units';
import { ActiveDumps } from './activeDumps';
import { Disposable } from './dispose';
import { HeapDumpDocument } from './heapDumpDocument';
import { log } from './log';

type Node =
  | { kind: 'message'; text: string; icon: string }
  | { kind: 'group'; row: GoroutineGroupRow }
  | { kind: 'goroutine'; group: Node & { kind: 'group' }; index: number; goid: number }
  | { kind: 'frame'; parent: Node; frame: SourceFrame; depth: number };

const MAX_GROUPS = 5000;

const STATUS_ICONS: Record<string, string> = {
  waiting: 'debug-pause',
  runnable: 'debug-start',
  running: 'pulse',
  syscall: 'terminal',
};

export class GoroutineTree extends Disposable implements vscode.TreeDataProvider<Node> {
  private readonly onDidChangeEmitter = this._register(new vscode.EventEmitter<Node | undefined>());
  readonly onDidChangeTreeData = this.onDidChangeEmitter.event;
  readonly view: vscode.TreeView<Node>;
  private filter = '';
  private groups: Promise<Node[]> | undefined;
  private watched: vscode.Disposable | undefined;

  constructor(private readonly dumps: ActiveDumps) {
    super();
    this.view = this._register(vscode.window.createTreeView('goHeapDump.goroutines', { treeDataProvider: this, showCollapseAll: true }));
    this._register(dumps.onDidChange((d) => this.follow(d)));
    this.follow(dumps.active);
  }

  /** Shows the goroutines of another dump (or none). */
  private follow(d: HeapDumpDocument | undefined): void {
    log().info(`goroutine tree: follows ${d?.fileName ?? 'no dump'}`);
    this.watched?.dispose();
    // Refresh when the analysis reaches a new stage (retained sizes arrive with dominators).
    this.watched = d?.onDidChangeState((s) => {
      if (s.kind !== 'loading' || s.overview) this.refresh();
    });
    void vscode.commands.executeCommand('setContext', 'goHeapDump.hasActiveDump', d !== undefined);
    this.view.title = 'Goroutines';
    this.refresh();
  }

  setFilter(text: string): void {
    this.filter = text.trim();
    void vscode.commands.executeCommand('setContext', 'goHeapDump.goroutineFilterActive', this.filter !== '');
    this.refresh();
  }

  get currentFilter(): string {
    return this.filter;
  }

  refresh(): void {
    // A load in flight is dropped with its promise: a later refresh never sees an earlier result.
    this.groups = undefined;
    this.onDidChangeEmitter.fire(undefined);
  }

  /** Selects the tree row of goroutine `index` of the active dump. */
  async revealGoroutine(index: number): Promise<void> {
    const groups = await this.getChildren();
    for (const g of groups) {
      if (g.kind !== 'group') continue;
      const k = g.row.goroutines.indexOf(index);
      if (k >= 0) {
        const node = (await this.getChildren(g))[k];
        await this.view.reveal(node, { select: true, focus: true, expand: true });
        return;
      }
    }
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) return (this.groups ??= this.loadGroups());
    switch (node.kind) {
      case 'group':
        return node.row.goroutines.map((index, k) => ({ kind: 'goroutine', group: node, index, goid: node.row.goids[k] }));
      case 'goroutine':
        return node.group.row.frames.map((frame, depth) => ({ kind: 'frame', parent: node, frame, depth }));
      default:
        return [];
    }
  }

  getParent(node: Node): Node | undefined {
    if (node.kind === 'goroutine') return node.group;
    if (node.kind === 'frame') return node.parent;
    return undefined;
  }

  private async loadGroups(): Promise<Node[]> {
    const d = this.dumps.active;
    log().info(`goroutine tree: loading groups of ${d?.fileName ?? 'no dump'} (${d?.state.kind ?? '-'})`);
    this.view.description = undefined;
    if (!d) return [];
    const state = d.state;
    if (state.kind === 'failed') return [{ kind: 'message', text: `Cannot read ${d.fileName}: ${state.message}`, icon: 'error' }];
    if (state.kind === 'loading' && !state.overview) return [{ kind: 'message', text: `Reading ${d.fileName}...`, icon: 'loading~spin' }];
    try {
      const page = await d.worker.call('goroutineGroups', { start: 0, end: MAX_GROUPS, filter: this.filter || undefined });
      const total = state.overview?.goroutineCount;
      this.view.description = `${d.fileName}${this.filter ? ` (filter: ${this.filter})` : ''}${total !== undefined ? ` · ${total} goroutines` : ''}`;
      if (page.rows.length === 0) return [{ kind: 'message', text: this.filter ? `No goroutine matches "${this.filter}"` : 'No goroutines in this dump', icon: 'info' }];
      return page.rows.map((row) => ({ kind: 'group', row }));
    } catch (e) {
      return [{ kind: 'message', text: (e as Error).message, icon: 'error' }];
    }
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'message': {
        const item = new vscode.TreeItem(node.text);
        item.iconPath = new vscode.ThemeIcon(node.icon);
        return item;
      }
      case 'group': {
        const r = node.row;
        const top = summaryFrame(r.frames);
        const item = new vscode.TreeItem(top?.function ?? '(no frames)', vscode.TreeItemCollapsibleState.Collapsed);
        const why = r.waitReason || r.status;
        item.description = `${r.count} × ${why}${r.retained ? ` · ${formatBytes(r.retained)}` : ''}`;
        item.iconPath = new vscode.ThemeIcon(STATUS_ICONS[r.status] ?? 'circle-outline');
        const md = new vscode.MarkdownString();
        md.appendText(`${r.count} goroutine${r.count > 1 ? 's' : ''}, ${r.status}${r.waitReason ? ` (${r.waitReason})` : ''}${r.isSystem ? ', system' : ''}\n\n`);
        md.appendCodeblock(r.frames.map((f) => frameLine(f)).join('\n') + (r.createdBy ? `\ncreated by ${frameLine(r.createdBy)}` : ''), 'text');
        item.tooltip = md;
        item.contextValue = 'goroutineGroup';
        item.id = `group:${r.id}:${this.filter}`;
        return item;
      }
      case 'goroutine': {
        const item = new vscode.TreeItem(`goroutine ${node.goid}`, vscode.TreeItemCollapsibleState.Collapsed);
        item.description = node.group.row.waitReason || node.group.row.status;
        item.iconPath = new vscode.ThemeIcon('symbol-event');
        item.id = `g:${node.index}:${this.filter}`;
        return item;
      }
      case 'frame': {
        const f = node.frame;
        const item = new vscode.TreeItem(f.function, vscode.TreeItemCollapsibleState.None);
        const where = f.file && f.line ? `${f.approximate ? '~' : ''}${baseName(f.file)}:${f.line}` : '';
        item.description = `${where}${f.inlined ? ' (inlined)' : ''}` || undefined;
        item.tooltip = f.file ? `${f.function}\n${f.file}:${f.line}${f.approximate ? '\n(a line of this function from the memory profile)' : ''}${f.inlined ? '\n(inlined into the frame below)' : ''}` : f.function;
        item.iconPath = new vscode.ThemeIcon('symbol-method');
        item.command = { command: 'goHeapDump.openFrame', title: 'Open Source', arguments: [f] };
        item.contextValue = 'frame';
        return item;
      }
    }
  }

  override dispose(): void {
    this.watched?.dispose();
    super.dispose();
  }
}

function frameLine(f: SourceFrame): string {
  return f.file && f.line ? `${f.function}\n    ${f.file}:${f.line}` : f.function;
}
