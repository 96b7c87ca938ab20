/**
 * Messages between the extension host and the heap dump editor's webview. The webview
 * starts the exchange with `ready` (pull handshake); the host answers with `state`.
 */
import type { AnalysisStage, Call, Overview, Phase, Reply, SourceFrame } from './rpc';

/** Where the analysis of the dump stands, as the editor shows it. */
export type EditorState =
  | { kind: 'loading'; phase: Phase; fraction: number | undefined; stage: AnalysisStage | undefined; overview: Overview | undefined }
  /** fromCache: read from the analysis cache, not computed this time. */
  | { kind: 'ready'; overview: Overview; fromCache: boolean }
  | { kind: 'failed'; message: string; offset: number | undefined; crashed: boolean };

export type ToHost =
  /** The webview has loaded and listens: send the state. */
  | { type: 'ready' }
  /** A HeapApi query, relayed to the worker; answered by `reply`. */
  | ({ type: 'call' } & Call)
  /** Open the source of a frame beside the editor. */
  | { type: 'openFrame'; frame: SourceFrame }
  /** Which local file a build path opens (for a frame's tooltip); answered by `sourceResolved`. */
  | { type: 'resolveSource'; file: string }
  /** Put text on the clipboard. */
  | { type: 'copy'; text: string }
  /** Reopen this file with VS Code's text editor. */
  | { type: 'reopenAsText' }
  /** Show a goroutine group in the sidebar tree. */
  | { type: 'revealGoroutine'; goroutine: number }
  /** Choose an older dump to compare this one with. */
  | { type: 'compare' }
  /** Choose the program binary that wrote this dump. */
  | { type: 'chooseBinary' }
  /** Run Heap Dump: Clear Analysis Cache... (it asks first). */
  | { type: 'clearAnalysisCache' }
  /** The page's Content-Security-Policy blocked something (logged: a bug to fix). */
  | { type: 'cspViolation'; directive: string; source: string; sample: string };

export type ToWebview =
  | { type: 'state'; state: EditorState; fileName: string }
  | ({ type: 'reply' } & Reply)
  /** Show an object in the inspector (from a command such as "Reveal Object by Address"). */
  | { type: 'showObject'; index: number }
  /** The local file a frame's build path opens (null: none yet), and a note for its tooltip. */
  | { type: 'sourceResolved'; file: string; path: string | null; note: string }
  /** An older dump is loaded beside this one: show the comparison. */
  | { type: 'baseline'; name: string };
