/**
 * One heap dump file opened in VS Code: its analysis worker (shared by every editor of the
 * file and the sidebar) and where the analysis stands.
 */
import * as vscode from 'vscode';
import { EditorState } from '../protocol/webviewMessages';
import { Disposable } from './dispose';
import { WorkerClient, WorkerState } from './workerClient';

export class HeapDumpDocument extends Disposable implements vscode.CustomDocument {
  private readonly onDidDisposeEmitter = this._register(new vscode.EventEmitter<void>());
  readonly onDidDispose = this.onDidDisposeEmitter.event;
  private readonly onDidChangeStateEmitter = this._register(new vscode.EventEmitter<EditorState>());
  readonly onDidChangeState = this.onDidChangeStateEmitter.event;

  constructor(readonly uri: vscode.Uri, readonly worker: WorkerClient, private readonly release: () => void) {
    super();
    this._register(worker.onDidChangeState((s) => this.onDidChangeStateEmitter.fire(toEditorState(s, worker.restoredFromCache))));
  }

  get fileName(): string {
    return this.uri.path.split('/').pop() ?? this.uri.path;
  }

  get state(): EditorState {
    return toEditorState(this.worker.state, this.worker.restoredFromCache);
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.onDidDisposeEmitter.fire();
    super.dispose();
    this.release();
  }
}

function toEditorState(s: WorkerState, fromCache: boolean): EditorState {
  switch (s.kind) {
    case 'running': return { kind: 'loading', phase: s.phase, fraction: s.fraction, stage: s.stage, overview: s.overview };
    case 'done': return { kind: 'ready', overview: s.overview, fromCache };
    case 'failed': return { kind: 'failed', message: s.message, offset: s.offset, crashed: s.crashed };
  }
}
