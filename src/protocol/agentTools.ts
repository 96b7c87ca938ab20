/**
 * The engine's answers for coding agents: the tools that `goheap mcp` serves over MCP and
 * the extension registers as VS Code language-model tools. One list of definitions (name,
 * what it answers, a JSON Schema of its arguments) and one function per tool that asks the
 * engine through a HeapApi caller and shapes a small, paged JSON answer: a heap dump is far
 * too large for a model to read, so every list is capped and strings are cut.
 */
import type { ApiArgs, ApiMethod, ApiResult, LeakGroup, ObjectRow, SourceFrame, Suspect } from './rpc';

/** Asks the engine of one analysed dump. */
export type HeapCaller = <M extends ApiMethod>(method: M, args: ApiArgs<M>) => Promise<ApiResult<M>>;

export type ToolName = 'summary' | 'suspects' | 'leaks' | 'types' | 'object' | 'paths' | 'goroutines' | 'sites' | 'diff';

interface JsonSchema {
  type: 'object';
  properties: Record<string, { type: 'string' | 'integer' | 'boolean'; description: string; enum?: string[]; minimum?: number; maximum?: number }>;
  required: string[];
  additionalProperties: false;
}

export interface AgentTool {
  name: ToolName;
  title: string;
  description: string;
  inputSchema: JsonSchema;
}

/** Rows any list answer holds at most. */
export const MAX_ROWS = 100;
const MAX_STRING = 300;

const DUMP = { type: 'string' as const, description: 'Path of the heap dump (.heapdump, may be gzipped) written by runtime/debug.WriteHeapDump.' };
const BINARY = { type: 'string' as const, description: 'Optional: path of the Go program (ELF) that wrote the dump, for exact type names, globals and lines.' };
const START = { type: 'integer' as const, description: 'First row of the page (default 0).', minimum: 0 };
const END = { type: 'integer' as const, description: `Row after the last of the page (default start+20, at most start+${MAX_ROWS}).`, minimum: 0 };

function schema(props: JsonSchema['properties'], required: string[] = []): JsonSchema {
  return { type: 'object', properties: { dump: DUMP, binary: BINARY, ...props }, required: ['dump', ...required], additionalProperties: false };
}

export const AGENT_TOOLS: AgentTool[] = [
  { name: 'summary', title: 'Heap dump summary', description: 'What the dump is: Go version, heap size, objects, reachable vs garbage bytes, goroutines, key MemStats, the biggest retainers.', inputSchema: schema({}) },
  { name: 'suspects', title: 'Leak suspects', description: 'What holds most of the reachable heap and why: per suspect one sentence, the accumulated type and count, the holder (global and fields), the path from the root and where it was allocated. Start here for "what leaks?"', inputSchema: schema({ n: { type: 'integer', description: 'How many suspects (default 5, at most 20).', minimum: 1, maximum: 20 } }) },
  { name: 'leaks', title: 'Leaked goroutines', description: 'Goroutines blocked forever on a channel or lock that nothing but blocked goroutines can reach (Go 1.26 goroutineleak criterion), grouped by stack: count, wait reason, where blocked, who created them, the object waited on, bytes only they keep alive, and whether it is proven.', inputSchema: schema({}) },
  { name: 'types', title: 'Type histogram', description: 'One page of the type histogram: per type group its name, evidence, count, bytes and retained bytes.', inputSchema: schema({ start: START, end: END, sort: { type: 'string', description: 'Sort key, descending (default retained).', enum: ['retained', 'bytes', 'count'] }, filter: { type: 'string', description: 'Only types whose name contains this text.' } }) },
  { name: 'object', title: 'One object', description: 'One object by index or address: type and evidence, size, retained bytes, fields (with the binary), dominators, and a page of its referrers. Contents only when asked.', inputSchema: schema({ index: { type: 'integer', description: 'Object index (from other answers).', minimum: 0 }, address: { type: 'string', description: 'An address inside the object, e.g. 0xc000123456.' }, contents: { type: 'boolean', description: 'Include the first 256 bytes as hex (default false).' } }) },
  { name: 'paths', title: 'Why is it alive', description: 'Why an object or a group is alive: for an object (index), paths from the roots (globals first); for a type group (type) or allocation site (site), who points at its objects, merged by type, with the roots holding them.', inputSchema: schema({ index: { type: 'integer', description: 'Object index.', minimum: 0 }, type: { type: 'integer', description: 'Type group id (from the types tool).', minimum: 0 }, site: { type: 'integer', description: 'Allocation site id (from the sites tool).', minimum: 0 }, excludeStacks: { type: 'boolean', description: 'Leave out goroutine stacks as roots.' } }) },
  { name: 'goroutines', title: 'Goroutine groups', description: 'One page of goroutines grouped by identical stack: count, status and wait reason, the frames, who created them, bytes their stacks retain.', inputSchema: schema({ start: START, end: END, filter: { type: 'string', description: 'Only groups whose function, wait reason or status contains this text.' } }) },
  { name: 'sites', title: 'Allocation sites', description: 'One page of allocation sites (memory profile), named by their first frame outside the runtime: in-use and allocated bytes and objects, and what their sampled objects retain.', inputSchema: schema({ start: START, end: END, sort: { type: 'string', description: 'Sort key, descending (default retainedBytes).', enum: ['retainedBytes', 'inuseBytes', 'inuseObjects', 'allocBytes', 'allocObjects', 'liveBytes'] } }) },
  { name: 'diff', title: 'Compare two dumps', description: 'What grew from an older dump of the same program to this one: totals, then the types and allocation sites that grew the most.', inputSchema: schema({ older: { type: 'string', description: 'Path of the older dump.' }, n: { type: 'integer', description: 'Rows per table (default 10, at most 50).', minimum: 1, maximum: 50 } }, ['older']) },
];

/** Arguments after checking: a message for the caller (an MCP "invalid params") otherwise. */
export function checkArgs(tool: AgentTool, args: unknown): Record<string, unknown> {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new ArgumentError('arguments must be an object');
  const a = args as Record<string, unknown>;
  for (const k of Object.keys(a)) if (!(k in tool.inputSchema.properties)) throw new ArgumentError(`unknown argument "${k}" for ${tool.name}`);
  for (const k of tool.inputSchema.required) if (a[k] === undefined) throw new ArgumentError(`${tool.name} needs "${k}"`);
  for (const [k, spec] of Object.entries(tool.inputSchema.properties)) {
    const v = a[k];
    if (v === undefined) continue;
    if (spec.type === 'integer' && (!Number.isInteger(v) || (spec.minimum !== undefined && (v as number) < spec.minimum) || (spec.maximum !== undefined && (v as number) > spec.maximum))) {
      throw new ArgumentError(`"${k}" must be an integer${spec.minimum !== undefined ? ` >= ${spec.minimum}` : ''}${spec.maximum !== undefined ? ` <= ${spec.maximum}` : ''}`);
    }
    if (spec.type === 'string' && (typeof v !== 'string' || v.length === 0 || v.length > 4096)) throw new ArgumentError(`"${k}" must be a non-empty string`);
    if (spec.type === 'boolean' && typeof v !== 'boolean') throw new ArgumentError(`"${k}" must be true or false`);
    if (spec.enum && !spec.enum.includes(v as string)) throw new ArgumentError(`"${k}" must be one of ${spec.enum.join(', ')}`);
  }
  return a;
}

export class ArgumentError extends Error {}

function page(a: Record<string, unknown>): { start: number; end: number } {
  const start = (a.start as number | undefined) ?? 0;
  const end = Math.min((a.end as number | undefined) ?? start + 20, start + MAX_ROWS);
  return { start, end: Math.max(start, end) };
}

function cut(s: string): string {
  return s.length > MAX_STRING ? `${s.slice(0, MAX_STRING)}...` : s;
}

function frame(f: SourceFrame | null | undefined): string | null {
  if (!f) return null;
  return f.file && f.line ? `${f.function} ${f.file}:${f.line}` : f.function;
}

function objectBrief(o: ObjectRow) {
  return { index: o.index, address: `0x${o.address.toString(16)}`, size: o.size, retained: o.retained, type: cut(o.type.name), evidence: o.type.source, reachable: o.reachable };
}

function suspectBrief(s: Suspect) {
  return {
    kind: s.kind, name: s.name, count: s.count, retainedBytes: s.retainedBytes, share: Number(s.share.toFixed(4)),
    holding: s.holding ?? null, holder: s.holder,
    accumulation: s.accumulation ? { ...s.accumulation, address: `0x${s.accumulation.address.toString(16)}` } : null,
    root: s.root, path: s.path.slice(0, 20), allocatedAt: s.allocatedAt.map((f) => ({ at: frame(f), count: f.count })), sentence: s.sentence,
  };
}

function leakBrief(l: LeakGroup) {
  return {
    count: l.count, goids: l.goids.slice(0, 1000), waitReason: l.waitReason, blockedFor: l.blockedFor, blockedIn: frame(l.blockedIn), createdBy: frame(l.createdBy),
    object: l.object ? { ...l.object, address: `0x${l.object.address.toString(16)}` } : null, pinnedBytes: l.pinnedBytes, proof: l.proof,
    frames: l.frames.slice(0, 12).map(frame),
  };
}

/**
 * Runs tool `name` against a dump's engine (and, for diff, the engine of the newer dump with
 * the older one loaded beside it: the caller arranges that).
 */
export async function runAgentTool(name: ToolName, a: Record<string, unknown>, call: HeapCaller): Promise<unknown> {
  switch (name) {
    case 'summary': {
      const o = await call('overview', undefined);
      const keep = new Set(['HeapAlloc', 'HeapSys', 'HeapObjects', 'HeapInuse', 'StackInuse', 'Sys', 'NumGC', 'PauseTotalNs']);
      return {
        goVersion: o.goVersion, arch: o.arch, fileSize: o.fileSize, objects: o.objectCount, objectBytes: o.objectBytes, phantomSlots: o.phantomSlots,
        reachableObjects: o.reachableCount, reachableBytes: o.reachableBytes, goroutines: o.goroutineCount,
        memStats: Object.fromEntries(o.memStats.filter((m) => keep.has(m.name)).map((m) => [m.name, Number(m.value)])),
        topRetainers: o.topRetainers.slice(0, 5).map(objectBrief), program: o.program ? { file: o.program.file, goVersion: o.program.goVersion } : null,
        problem: o.problem,
      };
    }
    case 'suspects': {
      const r = await call('suspects', undefined);
      return { reachableBytes: r.reachableBytes, threshold: r.threshold, suspects: r.suspects.slice(0, (a.n as number | undefined) ?? 5).map(suspectBrief) };
    }
    case 'leaks': {
      const r = await call('leaks', undefined);
      return { version: r.version, syncWaitsLinked: r.syncWaitsLinked, leaks: r.leaks.slice(0, MAX_ROWS).map(leakBrief) };
    }
    case 'types': {
      const p = await call('types', { ...page(a), sort: { key: ((a.sort as string | undefined) ?? 'retained') as 'retained' | 'bytes' | 'count', descending: true }, filter: a.filter as string | undefined });
      return { total: p.total, start: p.start, rows: p.rows.map((t) => ({ id: t.id, name: cut(t.name), evidence: t.source, confidence: t.confidence, count: t.count, bytes: t.bytes, retained: t.retained })) };
    }
    case 'object': {
      let index = a.index as number | undefined;
      if (index === undefined) {
        if (a.address === undefined) throw new ArgumentError('object needs "index" or "address"');
        const hit = await call('findAddress', { address: a.address as string });
        if (!hit) throw new ArgumentError(`no object contains ${a.address as string}`);
        index = hit.index;
      }
      const d = await call('object', { index });
      const referrers = await call('referrers', { index, start: 0, end: 20 });
      const out: Record<string, unknown> = {
        object: objectBrief(d.row), evidence: d.typeEvidence.map((t) => `${t.source}: ${cut(t.name)}`),
        fields: d.fields?.rows.slice(0, 40).map((f) => ({ name: f.name, offset: f.offset, type: cut(f.type), value: f.value === undefined ? undefined : cut(f.value), target: f.target })) ?? null,
        dominators: d.dominators?.slice(0, 10).map((n) => (n.object ? objectBrief(n.object) : { label: n.label, retained: n.retained })) ?? null,
        roots: d.roots.map((r) => cut(r.description)),
        referrers: { total: referrers.total, rows: referrers.rows.map((e) => ({ ...objectBrief(e.object), offsets: e.offsets })) },
        allocatedAt: d.allocation ? d.allocation.frames.slice(0, 8).map(frame) : null,
      };
      if (a.contents) {
        const c = await call('objectContents', { index, offset: 0, length: 256 });
        out.contents = Array.from(new Uint8Array(c.bytes), (b) => b.toString(16).padStart(2, '0')).join('');
      }
      return out;
    }
    case 'paths': {
      const exclude = a.excludeStacks as boolean | undefined;
      if (a.index !== undefined) {
        const paths = await call('pathsToRoots', { index: a.index as number, maxPaths: 5, excludeStacks: exclude });
        return { paths: paths.map((p) => ({ root: { kind: p.root.kind, name: cut(p.root.global ?? p.root.description) }, steps: p.steps.map((s) => ({ ...objectBrief(s.object), field: s.offset })), length: p.length, ...(p.elided ? { omitted: `${p.elided.count} steps after step ${p.elided.after} left out` } : {}) })) };
      }
      const of = a.type !== undefined ? { type: a.type as number } : a.site !== undefined ? { site: a.site as number } : undefined;
      if (!of) throw new ArgumentError('paths needs "index", "type" or "site"');
      const level = await call('retainers', { of, path: [], excludeStacks: exclude });
      return { objects: level.objects, retainers: level.groups.slice(0, 20).map((g) => ({ ...g, name: cut(g.name) })), roots: level.roots.slice(0, 20) };
    }
    case 'goroutines': {
      const p = await call('goroutineGroups', { ...page(a), filter: a.filter as string | undefined });
      return { total: p.total, start: p.start, rows: p.rows.map((g) => ({ id: g.id, count: g.count, status: g.status, waitReason: g.waitReason, system: g.isSystem, goids: g.goids.slice(0, 20), frames: g.frames.slice(0, 12).map(frame), createdBy: frame(g.createdBy), retained: g.retained })) };
    }
    case 'sites': {
      const key = ((a.sort as string | undefined) ?? 'retainedBytes') as 'retainedBytes';
      const p = await call('allocationSites', { ...page(a), sort: { key, descending: true } });
      return { total: p.total, start: p.start, rows: p.rows.map((s) => ({ id: s.id, site: frame(s.frames[s.userFrame]), stack: s.frames.slice(s.userFrame, s.userFrame + 6).map(frame), inuseBytes: s.inuseBytes, inuseObjects: s.inuseObjects, allocBytes: s.allocBytes, allocObjects: s.allocObjects, liveObjects: s.liveObjects, liveBytes: s.liveBytes, retainedBytes: s.retainedBytes })) };
    }
    case 'diff': {
      const n = (a.n as number | undefined) ?? 10;
      const sort = { key: 'deltaBytes' as const, descending: true };
      const summary = await call('diffSummary', undefined);
      const row = (r: ApiResult<'diffTypes'>['rows'][number]) => ({ name: cut(r.name), evidence: r.source, before: r.before, after: r.after, growthBytes: r.after.bytes - r.before.bytes, growthCount: r.after.count - r.before.count, newBytes: r.after.bytes - r.survivors.bytes });
      return {
        summary,
        types: (await call('diffTypes', { start: 0, end: n, sort })).rows.map(row),
        sites: (await call('diffSites', { start: 0, end: n, sort })).rows.map(row),
      };
    }
  }
}
