/**
 * Which heap dump the user is looking at: the one whose editor was active last. The sidebar
 * and the commands follow it; when its editors close, another open dump takes its place.
 */
import * as vscode from 'vscode';
import { Disposable } from './dispose';
import { HeapDumpDocument } from './heapDumpDocument';
import { log } from './log';

export class ActiveDumps extends Disposable {
  private readonly open: { document: HeapDumpDocument; panel: vscode.WebviewPanel }[] = [];
  private _active: HeapDumpDocument | undefined;
  private readonly onDidChangeEmitter = this._register(new vscode.EventEmitter<HeapDumpDocument | undefined>());
  readonly onDidChange = this.onDidChangeEmitter.event;

  get active(): HeapDumpDocument | undefined {
    return this._active;
  }

  /** The panel showing the active dump (the most recently active one if several). */
  get activePanel(): vscode.WebviewPanel | undefined {
    for (let k = this.open.length - 1; k >= 0; k--) if (this.open[k].document === this._active) return this.open[k].panel;
    return undefined;
  }

  /** Every open heap dump. */
  get all(): HeapDumpDocument[] {
    return [...new Set(this.open.map((e) => e.document))];
  }

  /** A panel showing `document`, the most recently active first. */
  panelOf(document: HeapDumpDocument): vscode.WebviewPanel | undefined {
    for (let k = this.open.length - 1; k >= 0; k--) if (this.open[k].document === document) return this.open[k].panel;
    return undefined;
  }

  track(document: HeapDumpDocument, panel: vscode.WebviewPanel): void {
    const entry = { document, panel };
    this.open.push(entry);
    const remove = () => {
      const k = this.open.indexOf(entry);
      if (k >= 0) this.open.splice(k, 1);
    };
    const viewState = panel.onDidChangeViewState(() => {
      if (panel.active) {
        // Most recently active last.
        remove();
        this.open.push(entry);
        this.setActive(document);
      }
    });
    panel.onDidDispose(() => {
      viewState.dispose();
      remove();
      if (this._active === document && !this.open.some((e) => e.document === document)) {
        this.setActive(this.open[this.open.length - 1]?.document);
      }
    });
    if (panel.active || !this._active) this.setActive(document);
  }

  private setActive(d: HeapDumpDocument | undefined): void {
    if (this._active === d) return;
    log().info(`active heap dump: ${d?.uri.toString() ?? 'none'}`);
    this._active = d;
    this.onDidChangeEmitter.fire(d);
  }
}
