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

/** What a group row of the tree shows: a group of identical stacks, or of leaked goroutines. */
type GroupRow = Pick<GoroutineGroupRow, 'count' | 'status' | 'waitReason' | 'isSystem' | 'frames' | 'createdBy' | 'goroutines' | 'goids' | 'retained'> & { id: string };

type Node =
  | { kind: 'message'; text: string; icon: string }
  | { kind: 'leaked'; groups: GroupRow[]; count: number }
  | { kind: 'group'; row: GroupRow; parent?: Node }
  | { kind: 'goroutine'; group: Node & { kind: 'group' }; index: number; goid: number }
  | { kind: 'frame'; parent: Node; frame: SourceFrame; depth: number };

const MAX_GROUPS = 5000;

const STATUS_ICONS: Record<string, string> = {
  waiting: 'debug-pause',
  leaked: 'error',
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
    const top = await this.getChildren();
    // Leaked goroutines under "Leaked" first, then the groups by stack.
    const groups: Node[] = [];
    for (const n of top) groups.push(...(n.kind === 'leaked' ? await this.getChildren(n) : [n]));
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
      case 'leaked':
        return node.groups.map((row) => ({ kind: 'group', row, parent: node }));
      case 'group':
        return node.row.goroutines.map((index, k) => ({ kind: 'goroutine', group: node, index, goid: node.row.goids[k] }));
      case 'goroutine':
        return node.group.row.frames.map((frame, depth) => ({ kind: 'frame', parent: node, frame, depth }));
      default:
        return [];
    }
  }

  getParent(node: Node): Node | undefined {
    if (node.kind === 'group') return node.parent;
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
      const groups: Node[] = page.rows.map((row) => ({ kind: 'group', row: { ...row, id: String(row.id) } }));
      // Goroutines blocked forever first (known once the analysis is complete).
      if (state.kind === 'ready' && !this.filter) {
        const proven = (await d.worker.call('leaks', undefined)).leaks.filter((l) => l.proof === 'proven');
        const leaked: GroupRow[] = proven.map((l, k) => ({
          id: `leak${k}`, count: l.count, status: 'leaked', waitReason: l.waitReason, isSystem: false, frames: l.frames,
          createdBy: l.createdBy, goroutines: l.goroutines, goids: l.goids, retained: l.pinnedBytes,
        }));
        if (leaked.length) groups.unshift({ kind: 'leaked', groups: leaked, count: leaked.reduce((a, g) => a + g.count, 0) });
      }
      return groups;
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
      case 'leaked': {
        const item = new vscode.TreeItem(`Leaked`, vscode.TreeItemCollapsibleState.Expanded);
        item.description = `${node.count} goroutine${node.count === 1 ? '' : 's'} blocked forever`;
        item.tooltip = 'Blocked on a channel or lock that nothing but blocked goroutines can reach (Go 1.26\'s goroutineleak criterion, computed from the dump)';
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
        item.id = 'leaked';
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
        if (r.status === 'leaked') item.description = `${r.count} × ${r.waitReason}, blocked forever${r.retained ? ` · ${formatBytes(r.retained)}` : ''}`;
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
