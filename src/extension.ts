/** Go Heap Dump Viewer: wiring only. Every registration goes into context.subscriptions. */
import { totalmem } from 'os';
import * as vscode from 'vscode';
import { ActiveDumps } from './host/activeDumps';
import { compareDumps } from './host/compare';
import { exportPprof } from './host/exportPprof';
import { GoroutineTree } from './host/goroutineTree';
import { HeapDumpEditorProvider } from './host/heapDumpEditorProvider';
import { SourceNavigator } from './host/sourceNavigator';
import { WorkerPool } from './host/workerPool';
import { log } from './host/log';
import { LineStat, SourceFrame } from './protocol/rpc';
import { SourceAnnotations, showLineStacks } from './host/sourceAnnotations';
import { ProgramBinaries } from './host/programBinaries';
import { LanguageModelTools } from './host/languageModelTools';
import { AnalysisCacheFolder } from './host/analysisCacheFolder';

/** The worker's memory budget: the setting, or 0 for three quarters of this machine's memory. */
function workerMemoryLimitMb(setting: number): number {
  return setting > 0 ? setting : Math.floor((totalmem() / 2 ** 20) * 0.75);
}

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  log().info(`activating in process ${process.pid} (${vscode.env.appHost}, ${context.extensionMode})`);
  const config = () => vscode.workspace.getConfiguration('goHeapDump');
  const cache = new AnalysisCacheFolder(context.globalStorageUri);
  const dumps = new ActiveDumps();
  const programs = new ProgramBinaries(dumps, context.workspaceState);
  const pool = new WorkerPool(vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath, () => ({
    memoryLimitMb: workerMemoryLimitMb(config().get<number>('workerMemoryLimitMb') ?? 0),
    queryTimeoutMs: (config().get<number>('queryTimeoutSeconds') ?? 120) * 1000,
    options: { allocationHelpers: config().get<string[]>('allocationHelpers'), cache: cache.options(config()) },
    expectedProgram: (uri) => programs.expectedFor(uri),
  }));
  const navigator = new SourceNavigator(context.workspaceState);
  const tree = new GoroutineTree(dumps);
  const editors = new HeapDumpEditorProvider(context.extensionUri, pool, dumps, navigator);
  const annotations = new SourceAnnotations(dumps, navigator);
  context.subscriptions.push(
    log(),
    pool,
    dumps,
    tree,
    annotations,
    programs,
    vscode.commands.registerCommand('goHeapDump.clearAnalysisCache', () => cache.clear()),
    vscode.commands.registerCommand('goHeapDump.chooseBinary', (binary?: vscode.Uri) => programs.choose(dumps.active, binary)),
    vscode.commands.registerCommand('goHeapDump.toggleSourceAnnotations', () => annotations.toggle()),
    vscode.commands.registerCommand('goHeapDump.pinSourceAnnotations', () => annotations.pin()),
    vscode.commands.registerCommand('goHeapDump.showLineStacks', (s: LineStat) => showLineStacks(s)),
    vscode.window.registerCustomEditorProvider(HeapDumpEditorProvider.viewType, editors, { supportsMultipleEditorsPerDocument: true }),
    vscode.commands.registerCommand('goHeapDump.revealObject', async (address?: string) => {
      const dump = dumps.active;
      if (!dump) return vscode.window.showInformationMessage('Open a heap dump first.');
      const text = address ?? await vscode.window.showInputBox({
        title: 'Reveal Object by Address',
        prompt: 'A heap address, in hex with or without 0x; an address inside an object finds that object',
        validateInput: (v) => (/^\s*(0x)?[0-9a-fA-F]{1,16}\s*$/.test(v) ? undefined : 'A hexadecimal address, e.g. 0xc000123456'),
      });
      if (!text) return;
      const hit = await dump.worker.call('findAddress', { address: text });
      if (!hit) return vscode.window.showWarningMessage(`No object in ${dump.fileName} contains ${text.trim()}.`);
      const panel = dumps.activePanel;
      panel?.reveal();
      editors.bridgeOf(panel)?.post({ type: 'showObject', index: hit.index });
      return hit;
    }),
    vscode.commands.registerCommand('goHeapDump.openFrame', (frame: SourceFrame) => navigator.openFrame(frame, dumps.active)),
    vscode.commands.registerCommand('goHeapDump.filterGoroutines', async () => {
      const text = await vscode.window.showInputBox({
        title: 'Filter Goroutines',
        prompt: 'Function, wait reason, status or goroutine id',
        value: tree.currentFilter,
      });
      if (text !== undefined) tree.setFilter(text);
    }),
    vscode.commands.registerCommand('goHeapDump.clearGoroutineFilter', () => tree.setFilter('')),
    vscode.commands.registerCommand('goHeapDump.compare', (other?: vscode.Uri) => compareDumps(dumps, editors, other)),
    vscode.commands.registerCommand('goHeapDump.exportPprof', (kind?: 'memory' | 'retained' | 'references', target?: vscode.Uri) => exportPprof(dumps.active, kind, target)),
    vscode.commands.registerCommand('goHeapDump.revealGoroutine', (index: number) => tree.revealGoroutine(index)),
    vscode.commands.registerCommand('goHeapDump.showObject', async (uri: string, index: number) => {
      // From a chat answer's link: open the dump in the viewer, at the object.
      const target = vscode.Uri.parse(uri);
      await vscode.commands.executeCommand('vscode.openWith', target, HeapDumpEditorProvider.viewType);
      const doc = dumps.all.find((d) => d.uri.toString() === target.toString());
      const panel = doc && dumps.panelOf(doc);
      editors.bridgeOf(panel)?.post({ type: 'showObject', index });
    }),
    new LanguageModelTools(dumps, pool),
  );
  void reopenEarlyTabs();
  return { dumps, pool, tree, navigator, annotations, programs, cache };
}

/**
 * Heap dumps restored or opened before this extension registered (remote and web windows
 * restore tabs early) show the binary-file text editor: reopen them with the heap dump editor.
 */
async function reopenEarlyTabs(): Promise<void> {
  for (const group of vscode.window.tabGroups.all) {
    for (const tab of group.tabs) {
      if (!(tab.input instanceof vscode.TabInputText) || !tab.input.uri.path.endsWith('.heapdump')) continue;
      await vscode.commands.executeCommand('vscode.openWith', tab.input.uri, HeapDumpEditorProvider.viewType, { viewColumn: group.viewColumn, preview: false });
      await vscode.window.tabGroups.close(tab);
    }
  }
}

/** What tests (and other extensions) can reach. */
export interface ExtensionApi {
  dumps: ActiveDumps;
  pool: WorkerPool;
  tree: GoroutineTree;
  navigator: SourceNavigator;
  annotations: SourceAnnotations;
  programs: ProgramBinaries;
  cache: AnalysisCacheFolder;
}

export function deactivate(): void {}
