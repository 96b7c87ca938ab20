/**
 * The read-only custom editor for *.heapdump files: one document (and worker) per file,
 * one webview per editor, bridged to the worker through the typed protocol.
 */
import * as vscode from 'vscode';
import { ActiveDumps } from './activeDumps';
import { HeapDumpDocument } from './heapDumpDocument';
import { SourceNavigator } from './sourceNavigator';
import { WebviewBridge } from './webviewBridge';
import { webviewHtml, webviewRoots } from './webviewHtml';
import { WorkerPool } from './workerPool';

export class HeapDumpEditorProvider implements vscode.CustomReadonlyEditorProvider<HeapDumpDocument> {
  static readonly viewType = 'goHeapDump.editor';
  private readonly bridges = new Map<vscode.WebviewPanel, WebviewBridge>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly pool: WorkerPool,
    private readonly activeDumps: ActiveDumps,
    private readonly navigator: SourceNavigator,
  ) {}

  /** The bridge of an editor panel (for commands that act on the active editor). */
  bridgeOf(panel: vscode.WebviewPanel | undefined): WebviewBridge | undefined {
    return panel && this.bridges.get(panel);
  }

  async openCustomDocument(uri: vscode.Uri): Promise<HeapDumpDocument> {
    const [client, release] = await this.pool.acquire(uri);
    return new HeapDumpDocument(uri, client, release);
  }

  async resolveCustomEditor(document: HeapDumpDocument, panel: vscode.WebviewPanel): Promise<void> {
    panel.webview.options = { enableScripts: true, localResourceRoots: webviewRoots(this.extensionUri) };
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, document.fileName);
    // The analysis starts once the page is on its way: nothing it does delays the first paint.
    setTimeout(() => document.worker.start(), 0);
    const bridge = new WebviewBridge(document, panel.webview, this.navigator);
    this.bridges.set(panel, bridge);
    panel.onDidDispose(() => {
      this.bridges.delete(panel);
      bridge.dispose();
    });
    this.activeDumps.track(document, panel);
  }
}
