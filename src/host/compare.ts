/**
 * "Compare With Another Heap Dump...": loads an older dump of the same program beside the
 * newer one (in the newer one's worker) and shows the comparison in the newer one's editor.
 * Which is older is decided by the files' modification times.
 */
import * as vscode from 'vscode';
import { ActiveDumps } from './activeDumps';
import { HeapDumpDocument } from './heapDumpDocument';
import { HeapDumpEditorProvider } from './heapDumpEditorProvider';
import { dumpSource } from './workerPool';

export async function compareDumps(dumps: ActiveDumps, editors: HeapDumpEditorProvider, other?: vscode.Uri): Promise<string | undefined> {
  const current = dumps.active;
  if (!current) {
    void vscode.window.showInformationMessage('Open a heap dump first, then compare it with another.');
    return undefined;
  }
  const picked = other ?? (await vscode.window.showOpenDialog({
    title: `Compare ${current.fileName} with another heap dump of the same program`,
    defaultUri: vscode.Uri.joinPath(current.uri, '..'),
    canSelectMany: false,
    openLabel: 'Compare',
    filters: { 'Go heap dumps': ['heapdump'], 'All files': ['*'] },
  }))?.[0];
  if (!picked) return undefined;
  if (picked.toString() === current.uri.toString()) {
    void vscode.window.showWarningMessage('Choose another dump: comparing a dump with itself shows no change.');
    return undefined;
  }
  const [a, b] = await Promise.all([vscode.workspace.fs.stat(current.uri), vscode.workspace.fs.stat(picked)]);
  let newer: HeapDumpDocument = current;
  let older = picked;
  if (b.mtime > a.mtime) {
    // The chosen dump is the newer one: compare in its editor.
    await vscode.commands.executeCommand('vscode.openWith', picked, HeapDumpEditorProvider.viewType);
    const opened = dumps.active;
    if (!opened || opened.uri.toString() !== picked.toString()) return undefined;
    newer = opened;
    older = current.uri;
  }
  const name = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Reading ${older.path.split('/').pop()} to compare with ${newer.fileName}...` },
    async () => newer.worker.loadBaseline(await dumpSource(older)),
  ).then((n) => n, (e: Error) => {
    void vscode.window.showErrorMessage(`Cannot compare: ${e.message}`);
    return undefined;
  });
  if (name === undefined) return undefined;
  editors.bridgeOf(dumps.activePanel)?.post({ type: 'baseline', name });
  return name;
}
