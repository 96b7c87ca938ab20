/** The extension's log ("Go Heap Dump" in the Output panel; also a file in the extension's log folder). */
import * as vscode from 'vscode';

let channel: vscode.LogOutputChannel | undefined;

export function log(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('Go Heap Dump', { log: true });
  return channel;
}
