/**
 * The analysis worker's protocol, with the built worker in a real worker_thread: stages in
 * order, queries that wait for the stage they need, replies to failed queries, a file that
 * is not a dump, and bytes handed over for non-file URIs.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, utimesSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Worker } from 'worker_threads';
import type { FromWorker, ProgramCheck, ToWorker } from '../../src/protocol/workerMessages';
import { ProgramPair, programPairs } from '../support/binaries';
import { REPO, SAMPLES } from '../support/corpus';

const SCRIPT = join(REPO, 'dist', 'worker.js');
const SAMPLE = join(SAMPLES, 'dumps', 'orders-before.heapdump');

class Client {
  readonly worker = new Worker(SCRIPT);
  readonly messages: FromWorker[] = [];
  private nextId = 1;
  private waiters: (() => void)[] = [];

  constructor() {
    this.worker.on('message', (m: FromWorker) => {
      this.messages.push(m);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  send(m: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(m, transfer);
  }

  async next(pred: (m: FromWorker) => boolean): Promise<FromWorker> {
    for (;;) {
      const hit = this.messages.find(pred);
      if (hit) return hit;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  call(method: string, args: unknown): number {
    const id = this.nextId++;
    this.send({ type: 'call', id, method, args } as ToWorker);
    return id;
  }

  reply(id: number) {
    return this.next((m) => m.type === 'reply' && m.id === id) as Promise<FromWorker & { type: 'reply' }>;
  }
}

describe('analysis worker protocol', function () {
  let client: Client | undefined;
  before(function () {
    // Build first: a worker left from an older checkout would test old code.
    this.timeout(60_000);
    assert.strictEqual(spawnSync(process.execPath, [join(REPO, 'esbuild.mjs')], { cwd: REPO }).status, 0);
    assert.ok(existsSync(SCRIPT));
  });

  it('checks a program binary, refuses one that did not write the dump, and uses the one that did', async function () {
    const pairs = programPairs();
    const right = pairs.find((p) => p.dumps.includes(SAMPLE)) as ProgramPair;
    const wrong = pairs.find((p) => p.goVersion === '1.26') as ProgramPair;
    client = new Client();
    client.send({ type: 'open', source: { path: SAMPLE, name: 'orders-before.heapdump' } });
    client.send({ type: 'program', id: 100, source: { path: wrong.binary, name: wrong.binary }, attach: true });
    const refused = (await client.reply(100)) as { ok: ProgramCheck };
    assert.strictEqual(refused.ok.ok, false);
    assert.match(refused.ok.problems.join('; '), /built with go1\.26/);
    client.send({ type: 'program', id: 101, source: { path: right.binary, name: right.binary }, attach: true });
    const used = (await client.reply(101)) as { ok: ProgramCheck };
    assert.deepStrictEqual([used.ok.ok, used.ok.program?.file, used.ok.program?.dwarfProblem], [true, right.binary, null]);
    await client.next((m) => m.type === 'stage' && m.overview.program?.file === right.binary);
    const id = client.call('goroutineGroups', { start: 0, end: 100 });
    const groups = (await client.reply(id)) as { ok: { rows: { frames: { function: string; file?: string; line?: number; approximate?: boolean }[] }[] } };
    const frames = groups.ok.rows.flatMap((r) => r.frames);
    assert.ok(frames.length > 20 && frames.every((f) => f.file && f.line && !f.approximate), 'every frame has its own line');
  });
  afterEach(async function () {
    await client?.worker.terminate();
  });

  it('reaches the stages in order and answers queries only once their stage is reached', async function () {
    client = new Client();
    // Asked before the file is even opened: it must wait for the dominator stage, not fail.
    const early = client.call('dominatorRoot', undefined);
    client.send({ type: 'open', source: { path: SAMPLE, name: 'orders-before.heapdump' } });
    const reply = await client.reply(early);
    assert.ok('ok' in reply, JSON.stringify(reply));
    const stages = client.messages.filter((m) => m.type === 'stage').map((m) => (m as { stage: string }).stage);
    assert.deepStrictEqual(stages, ['decoded', 'indexed', 'dominated']);
    const replyIndex = client.messages.indexOf(reply);
    const dominated = client.messages.findIndex((m) => m.type === 'stage' && m.stage === 'dominated');
    assert.ok(replyIndex > dominated, 'answered after the dominator stage');
    assert.ok(client.messages.some((m) => m.type === 'progress' && m.phase === 'reading'), 'progress of the reading phase');
    const summary = JSON.parse(readFileSync(SAMPLE.replace('.heapdump', '.summary.json'), 'utf8'));
    const stage = client.messages.find((m) => m.type === 'stage' && m.stage === 'dominated') as { overview: { objectCount: number } };
    assert.strictEqual(stage.overview.objectCount, summary.objects.count);
  });

  it('replies with the error message of a failed query and keeps serving', async function () {
    client = new Client();
    client.send({ type: 'open', source: { path: SAMPLE, name: 'x' } });
    const bad = await client.reply(client.call('object', { index: 1e9 }));
    assert.ok('err' in bad && /no object #1000000000/.test(bad.err), JSON.stringify(bad));
    const good = await client.reply(client.call('objects', { start: 0, end: 3, sort: { key: 'size', descending: true } }));
    assert.ok('ok' in good && (good.ok as { rows: unknown[] }).rows.length === 3);
  });

  it('reports a file that is not a heap dump with the offset, and fails pending queries', async function () {
    client = new Client();
    const pending = client.call('overview', undefined);
    client.send({ type: 'open', source: { path: join(REPO, 'package.json'), name: 'package.json' } });
    const failed = await client.next((m) => m.type === 'failed');
    assert.ok(failed.type === 'failed' && failed.offset === 0 && /bad header/.test(failed.message));
    const reply = await client.reply(pending);
    assert.ok('err' in reply);
  });

  it('keeps the analysis in its cache folder: a reopen reads it, a changed file or a damaged cache is analysed afresh', async function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), 'goheap-cache-'));
    const dump = join(dir, 'copy.heapdump');
    copyFileSync(SAMPLE, dump);
    const cache = { dir: join(dir, 'cache'), maxBytes: 2 ** 30, minDumpBytes: 0 };
    const events = (c: Client) => c.messages.flatMap((m) => (m.type === 'cache' ? [`${m.part} ${m.event}`] : []));
    const open = async () => {
      await client?.worker.terminate();
      client = new Client();
      client.send({ type: 'open', source: { path: dump, name: 'copy.heapdump' }, options: { cache } });
      const done = (await client.next((m) => m.type === 'stage' && m.stage === 'dominated')) as { overview: unknown };
      const suspects = await client.reply(client.call('suspects', undefined));
      return { overview: JSON.stringify(done.overview), suspects: JSON.stringify('ok' in suspects ? suspects.ok : suspects.err) };
    };
    try {
      const first = await open();
      await client?.next((m) => m.type === 'cache' && m.part === 'types');
      assert.deepStrictEqual(events(client as Client), ['heap saved', 'types saved']);
      assert.deepStrictEqual(readdirSync(cache.dir).filter((f) => f.endsWith('.snapshot')).length, 2);

      const second = await open();
      assert.deepStrictEqual(events(client as Client), ['types restored', 'heap restored']);
      assert.deepStrictEqual(second, first);
      const stages = (client as Client).messages.filter((m) => m.type === 'stage');
      assert.strictEqual(stages.length, 1, 'one stage message: the whole analysis at once');

      // The file changed (its modification time): a miss, analysed and saved afresh.
      utimesSync(dump, new Date(), new Date(Date.now() - 60_000));
      assert.deepStrictEqual(await open(), first);
      await client?.next((m) => m.type === 'cache' && m.part === 'types');
      assert.deepStrictEqual(events(client as Client), ['heap saved', 'types saved']);

      // A damaged snapshot: said, deleted, and the dump analysed as if there were none.
      const heapFile = readdirSync(cache.dir).filter((f) => f.startsWith('heap-')).map((f) => join(cache.dir, f))
        .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
      truncateSync(heapFile, statSync(heapFile).size - 100);
      assert.deepStrictEqual(await open(), first);
      const failed = (client as Client).messages.find((m) => m.type === 'cache' && m.event === 'failed');
      assert.ok(failed && failed.type === 'cache' && /could not be used and was deleted: the analysis cache file is damaged/.test(failed.detail), JSON.stringify(failed));
    } finally {
      await client?.worker.terminate();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the types cached for a program binary announced with the dump, and types nothing without it', async function () {
    this.timeout(60_000);
    const pair = programPairs().find((p) => p.dumps.includes(SAMPLE)) as ProgramPair;
    const dir = mkdtempSync(join(tmpdir(), 'goheap-cache-'));
    const cache = { dir, maxBytes: 2 ** 30, minDumpBytes: 0 };
    const events = (c: Client) => c.messages.flatMap((m) => (m.type === 'cache' ? [`${m.part}${m.program ? ' (binary)' : ''} ${m.event}`] : []));
    const open = async (announce: boolean) => {
      await client?.worker.terminate();
      client = new Client();
      client.send({ type: 'open', source: { path: SAMPLE, name: 'orders-before.heapdump' }, options: { cache, program: announce ? pair.binary : undefined } });
      client.send({ type: 'program', id: 7, source: { path: pair.binary, name: pair.binary }, attach: true });
      const check = (await client.reply(7)) as { ok: ProgramCheck };
      assert.ok(check.ok.ok, check.ok.problems.join('; '));
      const done = await client.next((m) => m.type === 'stage' && m.stage === 'dominated' && m.overview.program?.file === pair.binary);
      const types = await client.reply(client.call('types', { start: 0, end: 50, sort: { key: 'retained', descending: true } }));
      return { overview: JSON.stringify(done.type === 'stage' && done.overview.topRetainers), types: JSON.stringify('ok' in types && types.ok) };
    };
    try {
      const first = await open(false);
      assert.match(first.types, /"source":"dwarf"/);
      await client?.next((m) => m.type === 'cache' && m.part === 'types' && m.program !== undefined);
      assert.deepStrictEqual(events(client as Client), ['heap saved', 'types (binary) saved']);
      const again = await open(true);
      assert.deepStrictEqual(events(client as Client), ['types (binary) restored', 'heap restored']);
      assert.deepStrictEqual(again, first);
    } finally {
      await client?.worker.terminate();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('analyses bytes handed over (transferred) for files that are not on disk', async function () {
    client = new Client();
    const bytes = readFileSync(SAMPLE);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    client.send({ type: 'open', source: { bytes: buffer, name: 'remote.heapdump' } }, [buffer]);
    assert.strictEqual(buffer.byteLength, 0, 'the buffer was transferred, not copied');
    const stage = await client.next((m) => m.type === 'stage' && m.stage === 'dominated');
    assert.ok(stage.type === 'stage' && stage.overview.goroutineCount > 0);
    const contents = await client.reply(client.call('objectContents', { index: 0, offset: 0, length: 64 }));
    assert.ok('ok' in contents && (contents.ok as { bytes: ArrayBuffer }).bytes.byteLength > 0);
  });
});
