/**
 * Relays between one editor's webview and its document's worker: queries go through
 * unchanged (the host is not a second model), state changes are pushed, and the few
 * requests that need VS Code (open source, clipboard, reopen as text) are served here.
 */
import * as vscode from 'vscode';
import { log } from './log';
import { ToHost, ToWebview } from '../protocol/webviewMessages';
import { Disposable } from './dispose';
import { HeapDumpDocument } from './heapDumpDocument';
import { SourceNavigator } from './sourceNavigator';

export class WebviewBridge extends Disposable {
  private ready = false;
  /** When the page was given to the webview: how long it takes to say ready is logged. */
  private readonly created = Date.now();
  /** What was asked of the view before it said ready (show an object, say). */
  private readonly early: ToWebview[] = [];

  constructor(
    private readonly document: HeapDumpDocument,
    private readonly webview: vscode.Webview,
    private readonly navigator: SourceNavigator,
  ) {
    super();
    this._register(webview.onDidReceiveMessage((m: ToHost) => this.onMessage(m)));
    this._register(document.onDidChangeState(() => this.sendState()));
  }

  post(m: ToWebview): void {
    if (this.ready) void this.webview.postMessage(m);
    else if (m.type !== 'state' && m.type !== 'reply') this.early.push(m);
  }

  private sendState(): void {
    this.post({ type: 'state', state: this.document.state, fileName: this.document.fileName });
  }

  private onMessage(m: ToHost): void {
    switch (m.type) {
      case 'ready':
        log().info(`webview of ${this.document.fileName}: script running ${Date.now() - this.created} ms after its page was set`);
        this.ready = true;
        this.sendState();
        for (const early of this.early.splice(0)) this.post(early);
        return;
      case 'call':
        this.document.worker.call(m.method, m.args as never).then(
          (ok) => this.post({ type: 'reply', id: m.id, ok }),
          (e: Error) => this.post({ type: 'reply', id: m.id, err: e.message }),
        );
        return;
      case 'openFrame':
        void this.navigator.openFrame(m.frame, this.document);
        return;
      case 'resolveSource':
        void this.navigator.describe(m.file, this.document).then(
          (d) => this.post({ type: 'sourceResolved', file: m.file, ...d }),
          (e: Error) => this.post({ type: 'sourceResolved', file: m.file, path: null, note: `${m.file}: ${e.message}` }),
        );
        return;
      case 'copy':
        void vscode.env.clipboard.writeText(m.text).then(() => vscode.window.setStatusBarMessage(`Copied ${m.text}`, 3000));
        return;
      case 'reopenAsText':
        void vscode.commands.executeCommand('vscode.openWith', this.document.uri, 'default');
        return;
      case 'revealGoroutine':
        void vscode.commands.executeCommand('goHeapDump.revealGoroutine', m.goroutine);
        return;
      case 'compare':
        void vscode.commands.executeCommand('goHeapDump.compare');
        return;
      case 'chooseBinary':
        void vscode.commands.executeCommand('goHeapDump.chooseBinary');
        return;
      case 'clearAnalysisCache':
        void vscode.commands.executeCommand('goHeapDump.clearAnalysisCache');
        return;
      case 'cspViolation':
        log().error(`webview: the Content-Security-Policy blocked ${m.directive} at ${m.source}: ${m.sample}`);
        return;
    }
  }
}
