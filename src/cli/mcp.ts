/**
 * goheap mcp: the engine as an MCP server over stdio (read-only), for coding agents. The tools
 * are those of src/protocol/agentTools.ts; every one takes the dump's path (and optionally the
 * program binary's). Analysed dumps stay loaded between calls in a least-recently-used cache
 * bounded by memory; the first call on a dump reports the analysis phases as MCP progress.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { realpathSync, statSync } from 'fs';
import { totalmem } from 'os';
import { basename } from 'path';
import { inflateSync } from 'zlib';
import { Heap } from '../engine/analysis/heap';
import type { HeapApi } from '../engine/api';
import { GoProgram } from '../engine/program/goProgram';
import { heapService } from '../engine/service';
import { AGENT_TOOLS, ArgumentError, HeapCaller, ToolName, checkArgs, runAgentTool } from '../protocol/agentTools';
import { FileByteSource, openMaybeGzipped, requireRegularFile } from '../worker/fileByteSource';
import { collectGarbage } from '../worker/reclaim';
import { ThreadedObjects } from '../worker/threadedObjects';
import { CachedDump } from './cliCache';

interface Loaded {
  key: string;
  heap: Heap;
  /** Bytes it is counted for in the cache's budget (about the file's size). */
  bytes: number;
  used: number;
  warnings: string[];
  close(): void;
}

type Progress = (progress: number, total: number, message: string) => Promise<void>;

/** The analysed dumps, most recently used last; their sizes add up to at most `budget`. */
class HeapCache {
  private readonly loaded = new Map<string, Loaded>();
  constructor(private readonly budget: number) {}

  async get(dump: string, binary: string | undefined, progress: Progress): Promise<Loaded> {
    requireRegularFile(dump);
    const st = statSync(dump);
    const key = `${realpathSync(dump)}|${st.size}|${st.mtimeMs}|${binary ? realpathSync(binary) : ''}`;
    const hit = this.loaded.get(key);
    if (hit) {
      hit.used = Date.now();
      this.loaded.delete(key);
      this.loaded.set(key, hit);
      return hit;
    }
    // Room first: the least recently used go (their arrays are freed with them).
    const bytes = st.size;
    for (const [k, l] of this.loaded) {
      if (this.total() + bytes <= this.budget) break;
      l.close();
      this.loaded.delete(k);
    }
    collectGarbage();
    const l = await analyse(dump, binary, bytes, key, progress);
    this.loaded.set(key, l);
    return l;
  }

  private total(): number {
    let t = 0;
    for (const l of this.loaded.values()) t += l.bytes;
    return t;
  }
}

/** Lets queued output (progress notifications) go out between phases. */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

async function analyse(dump: string, binary: string | undefined, bytes: number, key: string, progress: Progress): Promise<Loaded> {
  const source = openMaybeGzipped(dump);
  const opened: { close(): void }[] = source instanceof FileByteSource ? [source] : [];
  const warnings: string[] = [];
  // The analysis cache the command line keeps (cliCache.ts): a dump analysed before is read.
  const cached = CachedDump.of(dump, source.size, (why) => process.stderr.write(`goheap mcp: ${why}\n`));
  await progress(0, 3, `Reading ${basename(dump)}`);
  await breathe();
  let heap = cached?.readHeap(source, basename(dump));
  const restored = heap !== undefined;
  heap ??= Heap.read(source, basename(dump), { parallel: source instanceof FileByteSource ? new ThreadedObjects(dump) : undefined });
  heap.reclaim = collectGarbage;
  if (heap.model.error) warnings.push(`${heap.model.error.truncated ? 'truncated' : 'damaged'} dump, answers cover what was read: ${heap.model.error.message}`);
  let programUsed: string | undefined;
  if (binary) {
    const program = openMaybeGzipped(binary);
    if (program instanceof FileByteSource) opened.push(program);
    const m = heap.attachProgram(new GoProgram(program, binary, (b) => inflateSync(b)));
    if (!m.ok) warnings.push(`${binary} did not write this dump, not used: ${m.problems.join('; ')}`);
    else programUsed = binary;
  }
  if (restored) cached?.readTypes(heap, programUsed, undefined);
  await progress(1, 3, 'Indexing pointers');
  await breathe();
  heap.index();
  await progress(2, 3, 'Computing dominators and retained sizes');
  await breathe();
  heap.dominate();
  await progress(3, 3, 'Analysed');
  // Kept once this call's answer is out (a timer runs after the reply is written).
  const analysed = heap;
  if (cached) setTimeout(() => cached.write(analysed, programUsed, undefined), 0);
  return { key, heap, bytes, used: Date.now(), warnings, close: () => opened.forEach((s) => s.close()) };
}

function caller(api: HeapApi): HeapCaller {
  return async (method, args) => (api[method] as (a: unknown) => never)(args);
}

/** The memory the cache may hold: GOHEAP_MCP_MEMORY_MB, or a quarter of the machine's. */
function budgetBytes(): number {
  const mb = Number(process.env.GOHEAP_MCP_MEMORY_MB);
  return Number.isFinite(mb) && mb > 0 ? mb * 2 ** 20 : totalmem() / 4;
}

export function createMcpServer(version: string): Server {
  const cache = new HeapCache(budgetBytes());
  const server = new Server({ name: 'goheap', version }, {
    capabilities: { tools: {} },
    instructions: 'Answers about Go heap dumps (runtime/debug.WriteHeapDump): start with "suspects" and "leaks" for what leaks, then "paths" and "object" for why something is alive. Pass the dump\'s path, and the program binary\'s when you have it.',
  });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: AGENT_TOOLS.map((t) => ({ name: t.name, title: t.title, description: t.description, inputSchema: t.inputSchema, annotations: { readOnlyHint: true, openWorldHint: false } })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tool = AGENT_TOOLS.find((t) => t.name === request.params.name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `unknown tool "${request.params.name}"`);
    let args: Record<string, unknown>;
    try {
      args = checkArgs(tool, request.params.arguments ?? {});
    } catch (e) {
      throw new McpError(ErrorCode.InvalidParams, (e as Error).message);
    }
    const token = request.params._meta?.progressToken;
    const progress: Progress = async (done, total, message) => {
      if (token !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: done, total, message } });
    };
    try {
      const binary = args.binary as string | undefined;
      const loaded = await cache.get(args.dump as string, binary, progress);
      let api = heapService(loaded.heap);
      const warnings = [...loaded.warnings];
      if (tool.name === 'diff') {
        const older = await cache.get(args.older as string, binary, progress);
        api = heapService(loaded.heap, () => older.heap);
        warnings.push(...older.warnings);
      }
      const answer = await runAgentTool(tool.name as ToolName, args, caller(api));
      const body = warnings.length ? { warnings, ...(answer as object) } : answer;
      return { content: [{ type: 'text', text: JSON.stringify(body) }], structuredContent: body as Record<string, unknown> };
    } catch (e) {
      if (e instanceof ArgumentError) throw new McpError(ErrorCode.InvalidParams, e.message);
      // A dump that cannot be read is an answer the agent can act on, not a protocol error.
      return { isError: true, content: [{ type: 'text', text: (e as Error).message }] };
    }
  });
  return server;
}

/** Serves MCP over stdin/stdout until the client closes it. */
export async function runMcp(version: string): Promise<void> {
  const server = createMcpServer(version);
  await server.connect(new StdioServerTransport());
  await new Promise<void>((resolve) => {
    server.onclose = () => resolve();
  });
}
