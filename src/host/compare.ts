/**
 * "Compare With Another Heap Dump...": loads an older dump of the same program beside the
 * newer one (in the newer one's worker) and shows the comparison in the newer one's editor.
 * Which is older the dumps say (MemStats counters only grow); if the chosen dump is the newer,
 * the comparison moves to its editor.
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
  const load = (into: HeapDumpDocument, other: vscode.Uri) => vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Reading ${other.path.split('/').pop()} to compare with ${into.fileName}...` },
    async () => into.worker.loadBaseline(await dumpSource(other)),
  ).then((r) => r, (e: Error) => {
    void vscode.window.showErrorMessage(`Cannot compare: ${e.message}`);
    return undefined;
  });
  let loaded = await load(current, picked);
  if (!loaded) return undefined;
  if (loaded.newerThanThis) {
    // The chosen dump is the newer one: compare in its editor, against this one.
    await vscode.commands.executeCommand('vscode.openWith', picked, HeapDumpEditorProvider.viewType);
    const newer = dumps.active;
    if (!newer || newer.uri.toString() !== picked.toString()) return undefined;
    loaded = await load(newer, current.uri);
    if (!loaded) return undefined;
  }
  const name = loaded.name;
  editors.bridgeOf(dumps.activePanel)?.post({ type: 'baseline', name });
  return name;
}
