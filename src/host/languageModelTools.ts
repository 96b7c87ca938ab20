/**
 * The agent tools (src/protocol/agentTools.ts) as VS Code language-model tools: Copilot's
 * agent mode, or any chat participant, asks the heap dumps open in the editor (the active one
 * when no path is given), or a dump by path after the user confirms reading it. Answers are
 * the same small JSON as `goheap mcp`, with a link that opens the viewer at the object.
 */
import * as vscode from 'vscode';
import { AGENT_TOOLS, AgentTool, HeapCaller, checkArgs, runAgentTool } from '../protocol/agentTools';
import { ActiveDumps } from './activeDumps';
import { Disposable } from './dispose';
import { WorkerPool, dumpSource } from './workerPool';
import { WorkerClient } from './workerClient';

/** Tool name in VS Code: goheap_<name> (names are global across extensions). */
export const lmToolName = (name: string) => `goheap_${name}`;

interface Input {
  dump?: string;
  binary?: string;
  [k: string]: unknown;
}

export class LanguageModelTools extends Disposable {
  constructor(private readonly dumps: ActiveDumps, private readonly pool: WorkerPool) {
    super();
    if (!vscode.lm?.registerTool) return; // a VS Code without the API: nothing to offer
    for (const tool of AGENT_TOOLS) {
      this._register(vscode.lm.registerTool<Input>(lmToolName(tool.name), {
        prepareInvocation: (options) => this.prepare(tool, options.input),
        invoke: (options) => this.invoke(tool, options.input),
      }));
    }
  }

  private prepare(tool: AgentTool, input: Input): vscode.PreparedToolInvocation {
    const reads = [input.dump, input.older].filter((p): p is string => typeof p === 'string' && !this.openDump(vscode.Uri.file(p)));
    const invocationMessage = `Asking the heap dump${input.dump ? ` ${input.dump.split('/').pop()}` : ''}: ${tool.title}`;
    if (reads.length === 0) return { invocationMessage };
    return {
      invocationMessage,
      confirmationMessages: {
        title: 'Read a heap dump',
        message: new vscode.MarkdownString(`Read and analyse ${reads.map((p) => `\`${p}\``).join(' and ')} to answer "${tool.title}"? The file is read only; a large dump takes a while and memory.`),
      },
    };
  }

  private openDump(uri: vscode.Uri) {
    return this.dumps.all.find((d) => d.uri.toString() === uri.toString());
  }

  /** The worker of a dump: an open one, else one started for the path (released after). */
  private async worker(path: string | undefined): Promise<[WorkerClient, () => void]> {
    if (path === undefined) {
      const d = this.dumps.active;
      if (!d) throw new Error('No heap dump is open: open a .heapdump file, or pass its path as "dump".');
      return [d.worker, () => undefined];
    }
    const uri = vscode.Uri.file(path);
    const open = this.openDump(uri);
    if (open) return [open.worker, () => undefined];
    return this.pool.acquire(uri);
  }

  private async invoke(tool: AgentTool, input: Input): Promise<vscode.LanguageModelToolResult> {
    const optional = { ...tool, inputSchema: { ...tool.inputSchema, required: tool.inputSchema.required.filter((k) => k !== 'dump') } };
    const args = checkArgs(optional, input);
    const [client, release] = await this.worker(input.dump);
    const releases = [release];
    try {
      const warnings: string[] = [];
      if (input.binary) {
        const check = await client.checkProgram(await dumpSource(vscode.Uri.file(input.binary)), true);
        if (!check.ok) warnings.push(`${input.binary} did not write this dump, not used: ${check.problems.join('; ')}`);
      }
      if (tool.name === 'diff') await client.loadBaseline(await dumpSource(vscode.Uri.file(args.older as string)));
      const call: HeapCaller = (method, a) => client.call(method, a);
      const answer = (await runAgentTool(tool.name, args, call)) as Record<string, unknown>;
      const uri = input.dump ? vscode.Uri.file(input.dump) : this.dumps.active?.uri;
      const index = viewerIndex(answer);
      if (uri && index !== undefined) answer.openInViewer = `command:goHeapDump.showObject?${encodeURIComponent(JSON.stringify([uri.toString(), index]))}`;
      const body = warnings.length ? { warnings, ...answer } : answer;
      return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(JSON.stringify(body))]);
    } finally {
      for (const r of releases) r();
    }
  }
}

/** The object an answer is about, for a link into the viewer: an object, a suspect's point. */
function viewerIndex(answer: Record<string, unknown>): number | undefined {
  const object = answer.object as { index?: number } | undefined;
  if (object?.index !== undefined) return object.index;
  const first = (answer.suspects as { accumulation?: { index: number } | null }[] | undefined)?.[0];
  return first?.accumulation?.index;
}
