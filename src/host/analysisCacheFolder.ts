/**
 * The analysis cache's folder in the extension's global storage (the worker writes and reads
 * it, see src/worker/analysisCache.ts), its settings, and the command that empties it.
 */
import { readdirSync, rmSync, statSync } from 'fs';
import { join } from 'path';
import * as vscode from 'vscode';
import { AnalysisOptions } from '../protocol/workerMessages';
import { log } from './log';

const MB = 2 ** 20;

export class AnalysisCacheFolder {
  constructor(private readonly storage: vscode.Uri) {}

  /** Where the snapshots go: undefined where the storage is not a local folder. */
  get dir(): string | undefined {
    return this.storage.scheme === 'file' ? join(this.storage.fsPath, 'analysis-cache') : undefined;
  }

  /** The worker's cache options from the settings (undefined: off). */
  options(config: vscode.WorkspaceConfiguration): AnalysisOptions['cache'] {
    const dir = this.dir;
    if (!dir || config.get<boolean>('analysisCache.enabled') === false) return undefined;
    return {
      dir,
      maxBytes: Math.max(0, config.get<number>('analysisCache.maxSizeMb') ?? 4096) * MB,
      minDumpBytes: Math.max(0, config.get<number>('analysisCache.minimumDumpSizeMb') ?? 32) * MB,
    };
  }

  /** The files in the folder and their total size. */
  private contents(): { paths: string[]; bytes: number } {
    const dir = this.dir;
    const paths: string[] = [];
    let bytes = 0;
    if (!dir) return { paths, bytes };
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return { paths, bytes }; // never written
    }
    for (const name of names) {
      const p = join(dir, name);
      try {
        const s = statSync(p);
        if (!s.isFile()) continue;
        paths.push(p);
        bytes += s.size;
      } catch {
        // deleted meanwhile
      }
    }
    return { paths, bytes };
  }

  /** Asks, then deletes every cached analysis. */
  async clear(): Promise<void> {
    const { paths, bytes } = this.contents();
    const snapshots = paths.filter((p) => p.endsWith('.snapshot')).length;
    if (paths.length === 0) {
      await vscode.window.showInformationMessage('The analysis cache is empty.');
      return;
    }
    const size = `${(bytes / MB).toFixed(bytes < 10 * MB ? 1 : 0)} MB`;
    const answer = await vscode.window.showWarningMessage(
      `Delete the analysis cache (${snapshots} file${snapshots === 1 ? '' : 's'}, ${size})?`,
      { modal: true, detail: 'Dumps opened again are analysed afresh. Open dumps are not affected.' },
      'Delete',
    );
    if (answer !== 'Delete') return;
    let failed = 0;
    for (const p of paths) {
      try {
        rmSync(p, { force: true });
      } catch (e) {
        failed++;
        log().warn(`analysis cache: could not delete ${p}: ${(e as Error).message}`);
      }
    }
    log().info(`analysis cache: deleted ${paths.length - failed} files (${size}) in ${this.dir}`);
    if (failed) await vscode.window.showWarningMessage(`${failed} cache files could not be deleted; see the Go Heap Dump log.`);
    else await vscode.window.showInformationMessage(`Deleted the analysis cache (${size}).`);
  }
}
