/**
 * The extension host's end of one analysis worker: starts it on a dump, forwards its
 * progress, and turns HeapApi calls into messages and replies into promises. A crash or an
 * out-of-memory in the worker rejects what is pending and is reported; the host lives on.
 */
import * as vscode from 'vscode';
import { Worker } from 'worker_threads';
import { AnalysisStage, ApiArgs, ApiMethod, ApiResult, Overview, Phase } from '../protocol/rpc';
import { AnalysisOptions, BaselineLoaded, DumpSource, FromWorker, ProgramCheck, ToWorker } from '../protocol/workerMessages';
import { Disposable } from './dispose';
import { log } from './log';
import { startAnalysisWorker } from './workerPriority';

export type WorkerState =
  | { kind: 'running'; phase: Phase; fraction: number | undefined; stage: AnalysisStage | undefined; overview: Overview | undefined }
  | { kind: 'done'; overview: Overview }
  | { kind: 'failed'; message: string; offset: number | undefined; crashed: boolean };

export class WorkerClient extends Disposable {
  /** Started by start(), or by the first message sent. */
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly onDidChangeStateEmitter = this._register(new vscode.EventEmitter<WorkerState>());
  readonly onDidChangeState = this.onDidChangeStateEmitter.event;
  private _state: WorkerState = { kind: 'running', phase: 'reading', fraction: 0, stage: undefined, overview: undefined };

  /**
   * @param queryTimeoutMs how long a query may take once the analysis is complete (a query
   *   sent earlier waits for the phase it needs, and its clock starts when the analysis ends)
   */
  constructor(
    private readonly script: string,
    private readonly source: DumpSource,
    private readonly memoryLimitMb: number,
    private readonly options: AnalysisOptions = {},
    private readonly queryTimeoutMs = 120_000,
  ) {
    super();
  }

  /**
   * Starts the worker on the dump (once; sending any message starts it too). The editor
   * starts it after its webview's HTML is on its way, so that the page paints first.
   */
  start(): void {
    if (!this.isDisposed) this.started();
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = startAnalysisWorker(() => new Worker(this.script, { resourceLimits: { maxOldGenerationSizeMb: this.memoryLimitMb } }));
    this.worker = worker;
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (e) => this.fail(`The analysis worker stopped: ${e.message}`, true));
    // A reply that cannot be read on this side (too deep or too big to deserialize): which
    // call it answered is unknown, so every pending call is told; the worker lives on.
    worker.on('messageerror', (e) => {
      log().error(`worker: a reply could not be read: ${String(e)}`);
      this.rejectPending(new Error(`An answer from the analysis could not be read (${String(e)}). The view shows what it had; try a smaller page or another view.`));
    });
    worker.on('exit', (code) => {
      if (!this.isDisposed) this.fail(`The analysis worker exited unexpectedly (code ${code}).`, true);
    });
    const m: ToWorker = { type: 'open', source: this.source, options: this.options };
    worker.postMessage(m, 'bytes' in this.source ? [this.source.bytes] : []);
    return worker;
  }

  /** Whether the analysis was read from the analysis cache (not computed). */
  restoredFromCache = false;

  get state(): WorkerState {
    return this._state;
  }

  /** Whether all analysis phases have finished. */
  get finished(): boolean {
    return this._state.kind !== 'running';
  }

  call<M extends ApiMethod>(method: M, args: ApiArgs<M>): Promise<ApiResult<M>> {
    if (this.isDisposed) return Promise.reject(new Error('The heap dump was closed.'));
    if (this._state.kind === 'failed') return Promise.reject(new Error(this._state.message));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.track(id, method, resolve as (v: unknown) => void, reject);
      this.send({ type: 'call', id, method, args } as ToWorker);
    });
  }

  private track(id: number, what: string, resolve: (v: unknown) => void, reject: (e: Error) => void): void {
    const p: Pending = { what, resolve, reject, timer: undefined };
    this.pending.set(id, p);
    if (this.finished) this.arm(id, p);
  }

  /** Starts a pending call's clock: past the timeout it is rejected (its late reply is dropped). */
  private arm(id: number, p: Pending): void {
    if (p.timer || this.queryTimeoutMs <= 0) return;
    p.timer = setTimeout(() => {
      if (this.pending.get(id) !== p) return;
      this.pending.delete(id);
      log().error(`worker: ${p.what} took longer than ${this.queryTimeoutMs / 1000} s`);
      p.reject(new Error(`The analysis did not answer "${p.what}" within ${this.queryTimeoutMs / 1000} s (goHeapDump.queryTimeoutSeconds).`));
    }, this.queryTimeoutMs);
  }

  private rejectPending(e: Error): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(e);
    }
    this.pending.clear();
  }

  /** Loads another dump beside this one, to compare with. */
  loadBaseline(source: DumpSource): Promise<BaselineLoaded> {
    return this.request('loading the dump to compare with', (id) => ({ type: 'baseline', id, source }), source);
  }

  /** Whether a program binary wrote this dump; with `attach`, use it for names, lines and types. */
  checkProgram(source: DumpSource, attach: boolean): Promise<ProgramCheck> {
    return this.request('checking the program binary', (id) => ({ type: 'program', id, source, attach }), source);
  }

  /** Sends a message that the worker answers with a `reply`, handing over the source's bytes. */
  private request<T>(what: string, message: (id: number) => ToWorker, source: DumpSource): Promise<T> {
    if (this.isDisposed) return Promise.reject(new Error('The heap dump was closed.'));
    if (this._state.kind === 'failed') return Promise.reject(new Error(this._state.message));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.track(id, what, resolve as (v: unknown) => void, reject);
      this.send(message(id), 'bytes' in source ? [source.bytes] : []);
    });
  }

  override dispose(): void {
    this.rejectPending(new Error('The heap dump was closed.'));
    super.dispose();
    void this.worker?.terminate();
  }

  private send(m: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.started().postMessage(m, transfer);
  }

  private setState(s: WorkerState): void {
    if (s.kind !== this._state.kind || (s.kind === 'running' && this._state.kind === 'running' && s.stage !== this._state.stage)) {
      log().info(`worker: ${s.kind}${s.kind === 'running' ? ` (${s.stage ?? 'reading'})` : s.kind === 'failed' ? `: ${s.message}` : ''}`);
    }
    this._state = s;
    if (s.kind === 'done') for (const [id, p] of this.pending) this.arm(id, p);
    this.onDidChangeStateEmitter.fire(s);
  }

  private onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'progress': {
        const prev = this._state.kind === 'running' ? this._state : undefined;
        this.setState({ kind: 'running', phase: m.phase, fraction: m.fraction, stage: prev?.stage, overview: prev?.overview });
        return;
      }
      case 'stage':
        if (m.stage === 'dominated') this.setState({ kind: 'done', overview: m.overview });
        else {
          const phase: Phase = m.stage === 'decoded' ? 'indexing' : 'dominators';
          this.setState({ kind: 'running', phase, fraction: undefined, stage: m.stage, overview: m.overview });
        }
        return;
      case 'failed':
        this.fail(m.message, m.stopped ?? false, m.offset);
        return;
      case 'cache':
        if (m.event === 'restored') this.restoredFromCache = true;
        if (m.event === 'failed') log().warn(`worker: ${m.detail}`);
        else log().info(`worker: ${m.detail}`);
        return;
      case 'reply': {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        clearTimeout(p.timer);
        if ('err' in m) p.reject(new Error(m.err));
        else p.resolve(m.ok);
        return;
      }
    }
  }

  private fail(message: string, crashed: boolean, offset?: number): void {
    if (this._state.kind === 'failed') return;
    const oom = /out of memory|ERR_WORKER_OUT_OF_MEMORY/i.test(message);
    this.setState({
      kind: 'failed',
      message: oom ? 'The analysis ran out of memory. Raise "goHeapDump.workerMemoryLimitMb" or close other dumps, then reopen this one.' : message,
      offset,
      crashed,
    });
    this.rejectPending(new Error(message));
  }
}

interface Pending {
  /** The query's name, for the timeout's message. */
  what: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}
