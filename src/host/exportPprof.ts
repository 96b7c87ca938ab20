/** "Export pprof Profile...": one of the dump's pprof profiles, gzipped, where the user says. */
import * as vscode from 'vscode';
import { gzipSync } from 'zlib';
import type { HeapDumpDocument } from './heapDumpDocument';

type Kind = 'memory' | 'retained' | 'references';

const KINDS: (vscode.QuickPickItem & { profile: Kind })[] = [
  { profile: 'memory', label: 'Memory profile', detail: 'alloc and in-use objects and bytes per allocation stack (runtime.MemProfile)' },
  { profile: 'retained', label: 'Retained memory', detail: 'what the sampled objects of each allocation stack keep alive in the dump' },
  { profile: 'references', label: 'Reference chains', detail: 'every reachable object under the chain of objects (by type) that keeps it alive' },
];

export async function exportPprof(dump: HeapDumpDocument | undefined, kind?: Kind, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  if (!dump) {
    void vscode.window.showInformationMessage('Open a heap dump first.');
    return undefined;
  }
  const pick = kind ? KINDS.find((k) => k.profile === kind) : await vscode.window.showQuickPick(KINDS, { title: `Export a pprof profile of ${dump.fileName}` });
  if (!pick) return undefined;
  const base = dump.fileName.replace(/\.heapdump$/, '');
  const uri = target ?? (await vscode.window.showSaveDialog({
    title: 'Export pprof Profile',
    defaultUri: vscode.Uri.joinPath(dump.uri, '..', `${base}.${pick.profile}.pb.gz`),
    filters: { 'pprof profiles': ['gz', 'pb'] },
  }));
  if (!uri) return undefined;
  try {
    const { bytes } = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Building the ${pick.label.toLowerCase()} of ${dump.fileName}...` },
      () => dump.worker.call('pprof', { kind: pick.profile, rate: vscode.workspace.getConfiguration('goHeapDump').get<number>('memProfileRate') || undefined }),
    );
    await vscode.workspace.fs.writeFile(uri, gzipSync(new Uint8Array(bytes)));
  } catch (e) {
    void vscode.window.showErrorMessage(`Cannot export the profile: ${(e as Error).message}`);
    return undefined;
  }
  void vscode.window.showInformationMessage(`Wrote ${uri.fsPath}. Open it with: go tool pprof -http=: ${uri.fsPath}`);
  return uri;
}
