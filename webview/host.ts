/**
 * The webview's end of the channel to the extension host: typed queries (each with an id,
 * answered by a reply), the messages the host pushes, and the view state VS Code keeps
 * while the editor is hidden (setState).
 */
import type { ApiArgs, ApiMethod, ApiResult, SourceFrame } from '../src/protocol/rpc';
import type { ToHost, ToWebview } from '../src/protocol/webviewMessages';

interface VsCodeApi {
  postMessage(message: ToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
let nextId = 1;
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
const listeners: ((m: ToWebview) => void)[] = [];

window.addEventListener('message', (e: MessageEvent<ToWebview>) => {
  const m = e.data;
  if (m.type === 'reply') {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if ('err' in m) p.reject(new Error(m.err));
    else p.resolve(m.ok);
    return;
  }
  for (const l of listeners) l(m);
});

export function onHostMessage(l: (m: ToWebview) => void): void {
  listeners.push(l);
}

/** A HeapApi query answered by the worker. */
export function query<M extends ApiMethod>(method: M, args: ApiArgs<M>): Promise<ApiResult<M>> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    vscode.postMessage({ type: 'call', id, method, args } as ToHost);
  });
}

export function send(m: ToHost): void {
  vscode.postMessage(m);
}

export function openFrame(frame: SourceFrame): void {
  send({ type: 'openFrame', frame });
}

export function copyText(text: string): void {
  send({ type: 'copy', text });
}

/** Per-tab view state, kept by VS Code across hide and show. */
const saved = (vscode.getState() as Record<string, unknown> | undefined) ?? {};

export function loadState<T>(key: string, fallback: T): T {
  return (saved[key] as T | undefined) ?? fallback;
}

export function saveState(key: string, value: unknown): void {
  saved[key] = value;
  vscode.setState(saved);
}
