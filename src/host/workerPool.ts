/**
 * One analysis worker per file, shared by all its editors: started by the first, kept a few
 * seconds after the last closes (reopening is instant), and stopped at once if the last
 * editor closes while the analysis still runs (closing cancels the work).
 */
import * as vscode from 'vscode';
import { AnalysisOptions, DumpSource } from '../protocol/workerMessages';
import { WorkerClient } from './workerClient';

const KEEP_ALIVE_MS = 5000;

export interface WorkerSettings {
  /** Memory a worker's analysis may add to the process (its JavaScript heap is capped there too). */
  memoryLimitMb: number;
  /** How long a query may take once the analysis is complete; 0: no limit. */
  queryTimeoutMs: number;
  options: AnalysisOptions;
  /** The program binary that will be attached to a dump as it opens, if one is known. */
  expectedProgram?: (uri: vscode.Uri) => string | undefined;
}

interface Entry {
  client: WorkerClient;
  refs: number;
  timer: NodeJS.Timeout | undefined;
}

export class WorkerPool implements vscode.Disposable {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly script: string, private readonly settings: () => WorkerSettings) {}

  /** A worker analysing `uri`, and the function that gives it back. */
  async acquire(uri: vscode.Uri): Promise<[WorkerClient, () => void]> {
    const key = uri.toString();
    let entry = this.entries.get(key);
    if (entry && entry.client.state.kind === 'failed' && entry.client.state.crashed) {
      // A crashed worker is not reused: opening the file again starts afresh.
      this.entries.delete(key);
      entry.client.dispose();
      entry = undefined;
    }
    if (entry) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
    } else {
      const { memoryLimitMb, queryTimeoutMs, options, expectedProgram } = this.settings();
      const program = options.cache ? expectedProgram?.(uri) : undefined;
      entry = { client: new WorkerClient(this.script, await dumpSource(uri), memoryLimitMb, { ...options, memoryLimitMb, program }, queryTimeoutMs), refs: 0, timer: undefined };
      this.entries.set(key, entry);
    }
    entry.refs++;
    const e = entry;
    let released = false;
    return [e.client, () => {
      if (released) return;
      released = true;
      if (--e.refs > 0) return;
      if (!e.client.finished) this.drop(key, e);
      else e.timer = setTimeout(() => this.drop(key, e), KEEP_ALIVE_MS);
    }];
  }

  private drop(key: string, e: Entry): void {
    if (e.refs > 0 || this.entries.get(key) !== e) return;
    this.entries.delete(key);
    e.client.dispose();
  }

  /** Number of workers alive (running or kept). */
  get size(): number {
    return this.entries.size;
  }

  dispose(): void {
    for (const e of this.entries.values()) {
      clearTimeout(e.timer);
      e.client.dispose();
    }
    this.entries.clear();
  }
}

/** How the worker reads a file: by path when it is local, else its bytes (read by VS Code). */
export async function dumpSource(uri: vscode.Uri): Promise<DumpSource> {
  const name = uri.path.split('/').pop() ?? 'heap dump';
  if (uri.scheme === 'file') return { path: uri.fsPath, name };
  const bytes = await vscode.workspace.fs.readFile(uri);
  return { bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, name };
}
