/**
 * The extension inside a real VS Code extension host: opens the sample dump with the custom
 * editor, checks the goroutines tree against the engine, jumps to source from a memory
 * profile frame and from a goroutine frame, and opens malformed dumps.
 */
import * as assert from 'assert';
import * as inspector from 'inspector';
import { existsSync, readdirSync, writeFileSync } from 'fs';
import { monitorEventLoopDelay } from 'perf_hooks';
import { ownStalls, watchStalls } from './stalls';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/extension';
import type { HeapDumpDocument } from '../../src/host/heapDumpDocument';

const EXTENSION_ID = 'goheapdump.go-heap-dump-viewer';

function workspaceFile(...parts: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests need the samples folder open as the workspace');
  return vscode.Uri.joinPath(folder.uri, ...parts);
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function openDump(api: ExtensionApi, uri: vscode.Uri): Promise<HeapDumpDocument> {
  await vscode.commands.executeCommand('vscode.openWith', uri, 'goHeapDump.editor');
  return until(`the editor of ${uri.path}`, () => (api.dumps.active?.uri.toString() === uri.toString() ? api.dumps.active : undefined));
}

async function settled(doc: HeapDumpDocument): Promise<void> {
  await until('the analysis to finish', () => (doc.state.kind === 'loading' ? undefined : true));
}

describe('Go Heap Dump Viewer in VS Code', function () {
  let api: ExtensionApi;
  const sample = () => workspaceFile('dumps', 'orders.heapdump');

  before(async function () {
    const ext = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    api = await ext.activate();
  });

  after(async function () {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens the sample dump in the heap dump editor and analyses it in a worker', async function () {
    const doc = await openDump(api, sample());
    await settled(doc);
    assert.strictEqual(doc.state.kind, 'ready', JSON.stringify(doc.state));
    const summary = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(workspaceFile('dumps', 'orders.summary.json'))));
    if (doc.state.kind !== 'ready') return;
    assert.strictEqual(doc.state.overview.goVersion, summary.params.buildversion);
    assert.strictEqual(doc.state.overview.objectCount, summary.objects.count);
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputCustom && tab.input.viewType === 'goHeapDump.editor', 'the custom editor is the active tab');
  });

  it('answers every language-model tool on the open dump, as goheap mcp does', async function () {
    const doc = await openDump(api, sample());
    await settled(doc);
    const summaryFile = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(workspaceFile('dumps', 'orders.summary.json'))));
    const ask = async (name: string, input: object) => {
      const result = await vscode.lm.invokeTool(`goheap_${name}`, { input, toolInvocationToken: undefined });
      const text = result.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : '')).join('');
      return JSON.parse(text);
    };
    const registered = vscode.lm.tools.filter((t) => t.name.startsWith('goheap_')).map((t) => t.name).sort();
    assert.deepStrictEqual(registered, ['diff', 'goroutines', 'leaks', 'object', 'paths', 'sites', 'summary', 'suspects', 'types'].map((n) => `goheap_${n}`));
    const summary = await ask('summary', {});
    assert.strictEqual(summary.objects, summaryFile.memstats.HeapObjects);
    const suspects = await ask('suspects', { n: 2 });
    assert.match(suspects.suspects[0].sentence, /are held by the map .*; allocated in main\.newOrder/);
    assert.match(suspects.openInViewer, /^command:goHeapDump\.showObject\?/);
    const leaks = await ask('leaks', {});
    assert.deepStrictEqual(leaks.leaks.filter((l: { proof: string }) => l.proof === 'proven'), []);
    const types = await ask('types', { start: 0, end: 3 });
    assert.strictEqual(types.rows.length, 3);
    const object = await ask('object', { index: summary.topRetainers[0].index });
    assert.strictEqual(object.object.index, summary.topRetainers[0].index);
    const paths = await ask('paths', { index: summary.topRetainers[0].index });
    assert.ok(paths.paths.length > 0);
    const goroutines = await ask('goroutines', { end: 5 });
    assert.ok(goroutines.rows.some((g: { frames: string[] }) => g.frames.some((f) => f.startsWith('main.worker'))));
    const sites = await ask('sites', { end: 3 });
    assert.ok(sites.rows.length > 0);
    const diff = await ask('diff', { older: workspaceFile('dumps', 'orders-before.heapdump').fsPath, n: 3 });
    assert.ok(diff.types[0].growthBytes > 0);
  });

  it('finds the program next to a dump, offers it, and uses it after one click', async function () {
    // Stand in for the user: answer the offer with its first button.
    const window = vscode.window as { showInformationMessage: (m: string, ...items: string[]) => Thenable<string | undefined> };
    const original = window.showInformationMessage;
    const offers: string[] = [];
    window.showInformationMessage = async (message: string, ...items: string[]) => {
      offers.push(message);
      return items[0] === 'Use It' ? 'Use It' : undefined;
    };
    try {
      const doc = await openDump(api, workspaceFile('dumps', 'orders-before.heapdump'));
      const program = await until('the program in use', () => (doc.state.kind !== 'failed' ? doc.state.overview?.program ?? undefined : undefined));
      assert.match(offers.join('\n'), /bin\/orderservice \(go1\.19\.8\) wrote orders-before\.heapdump/);
      assert.match(program.file, /\/samples\/bin\/orderservice$/);
      const groups = await doc.worker.call('goroutineGroups', { start: 0, end: 100 });
      const frame = groups.rows.flatMap((r) => r.frames).find((f) => f.function === 'main.worker');
      assert.deepStrictEqual([frame?.file?.endsWith('/background.go'), frame?.line, frame?.approximate], [true, 40, undefined]);
      const roots = await doc.worker.call('roots', { kind: 'bss', start: 0, end: 100 });
      assert.ok(roots.rows.some((r) => r.detail.startsWith('main.History ')), roots.rows.map((r) => r.detail).join('\n'));
    } finally {
      window.showInformationMessage = original;
    }
  });

  it('refuses a program that did not write the dump and uses nothing from it', async function () {
    const doc = await openDump(api, workspaceFile('dumps', 'orders-go1.26.heapdump'));
    await settled(doc);
    const check = await api.programs.attach(doc, workspaceFile('bin', 'orderservice'));
    assert.strictEqual(check.ok, false);
    assert.match(check.problems.join('; '), /built with go1\.19\.8, the dump written by go1\.26/);
    assert.strictEqual(doc.state.kind === 'ready' ? doc.state.overview.program : 'not ready', null);
  });

  it('shows as many goroutines in the sidebar tree as the dump holds', async function () {
    const doc = await openDump(api, sample());
    await settled(doc);
    const groups = await until('tree groups', async () => {
      const g = await api.tree.getChildren();
      return g.length > 0 && g[0].kind === 'group' ? g : undefined;
    });
    let total = 0;
    for (const g of groups) if (g.kind === 'group') total += (await api.tree.getChildren(g)).length;
    const summary = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(workspaceFile('dumps', 'orders.summary.json'))));
    assert.strictEqual(total, summary.goroutines.length, 'goroutines in the tree vs the reference decoder');
    const workers = groups.find((g) => g.kind === 'group' && g.row.count === 6);
    assert.ok(workers, 'the six blocked workers form one group');
  });

  it('jumps from a memory-profile frame to its line in the workspace', async function () {
    const doc = await openDump(api, sample());
    await settled(doc);
    const sites = await doc.worker.call('allocationSites', { start: 0, end: 50, sort: { key: 'inuseBytes', descending: true } });
    const frame = sites.rows.flatMap((s) => s.frames).find((f) => f.function === 'main.newOrder' && f.file?.endsWith('orders.go'));
    assert.ok(frame?.line, 'a main.newOrder frame with file and line');
    assert.ok(frame.file?.startsWith('/home/gopher/'), `the dump holds the build machine's path (${frame.file})`);
    await vscode.commands.executeCommand('goHeapDump.openFrame', frame);
    const editor = await until('the source editor', () => {
      const e = vscode.window.activeTextEditor;
      return e?.document.uri.path.endsWith('/orderservice/orders.go') ? e : undefined;
    });
    assert.strictEqual(editor.selection.active.line + 1, frame.line);
    assert.strictEqual(editor.document.uri.toString(), workspaceFile('orderservice', 'orders.go').toString());
  });

  it('opens the declaration for a goroutine frame that has no line', async function () {
    await vscode.commands.executeCommand('goHeapDump.openFrame', { function: 'main.lockStuck' });
    const editor = await until('background.go', () => {
      const e = vscode.window.activeTextEditor;
      return e?.document.uri.path.endsWith('/orderservice/background.go') ? e : undefined;
    });
    assert.match(editor.document.lineAt(editor.selection.active.line).text, /^func lockStuck\(/);
  });

  it('compares with an older dump, whichever of the two the user starts from', async function () {
    const before = workspaceFile('dumps', 'orders-before.heapdump');
    for (const [start, other] of [[sample(), before], [before, sample()]]) {
      const doc = await openDump(api, start);
      await settled(doc);
      const name = await vscode.commands.executeCommand<string | undefined>('goHeapDump.compare', other);
      assert.strictEqual(name, 'orders-before.heapdump', 'the older dump is the baseline');
      const newer = api.dumps.active as HeapDumpDocument;
      assert.ok(newer.uri.path.endsWith('/orders.heapdump'), `the comparison is shown in the newer dump (${newer.uri.path})`);
      const summary = await newer.worker.call('diffSummary', undefined);
      assert.ok(summary.after.count > summary.before.count);
      const top = await newer.worker.call('diffTypes', { start: 0, end: 3, sort: { key: 'deltaBytes', descending: true } });
      assert.ok(top.rows[0].after.bytes - top.rows[0].before.bytes > 100_000, JSON.stringify(top.rows[0]));
    }
  });

  it('annotates Go lines with the memory allocated there', async function () {
    const doc = await openDump(api, sample());
    await settled(doc);
    const orders = workspaceFile('orderservice', 'orders.go');
    const stats = await until('annotations for orders.go', () => {
      const s = api.annotations.statsFor(orders.fsPath);
      return s.some((x) => x.flat.inuseBytes > 0) ? s : undefined;
    });
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(orders)).split('\n');
    const top = stats.sort((a, b) => b.flat.inuseBytes - a.flat.inuseBytes)[0];
    assert.match(text[top.line - 1], /Notes:|map\[|fmt\.Sprintf|renderReceipt|make\(/, `line ${top.line} allocates: ${text[top.line - 1]}`);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', orders);
    const lens = lenses.find((l) => l.range.start.line === top.line - 1);
    assert.match(lens?.command?.title ?? '', /in use \([\d,]+ objects\) allocated here/);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', orders, new vscode.Position(top.line - 1, 2));
    const md = hovers.flatMap((h) => h.contents).map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : '')).join('\n');
    assert.match(md, /Memory from orders\.heapdump/);
  });

  it('exports a pprof profile of the active dump', async function () {
    const doc = await openDump(api, sample());
    await settled(doc);
    const target = vscode.Uri.joinPath(vscode.Uri.file(process.env.TMPDIR ?? '/tmp'), `orders-${Date.now()}.memory.pb.gz`);
    const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('goHeapDump.exportPprof', 'memory', target);
    assert.strictEqual(written?.toString(), target.toString());
    const bytes = await vscode.workspace.fs.readFile(target);
    assert.deepStrictEqual([bytes[0], bytes[1]], [0x1f, 0x8b], 'gzipped');
    assert.ok(bytes.length > 1000);
    await vscode.workspace.fs.delete(target);
  });

  it('shows a clear error for a file that is not a heap dump, and keeps working', async function () {
    const bad = vscode.Uri.joinPath(vscode.Uri.file(process.env.TMPDIR ?? '/tmp'), `not-a-dump-${Date.now()}.heapdump`);
    await vscode.workspace.fs.writeFile(bad, new TextEncoder().encode('this is not a heap dump at all\n'));
    const doc = await openDump(api, bad);
    await settled(doc);
    assert.strictEqual(doc.state.kind, 'failed');
    if (doc.state.kind === 'failed') {
      assert.match(doc.state.message, /offset 0: bad header/);
      assert.strictEqual(doc.state.offset, 0);
    }
    const good = await openDump(api, sample());
    await settled(good);
    assert.strictEqual(good.state.kind, 'ready');
  });

  it('opens a truncated dump with what was read and the problem', async function () {
    const bytes = await vscode.workspace.fs.readFile(sample());
    const cut = vscode.Uri.joinPath(vscode.Uri.file(process.env.TMPDIR ?? '/tmp'), `truncated-${Date.now()}.heapdump`);
    await vscode.workspace.fs.writeFile(cut, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    const doc = await openDump(api, cut);
    await settled(doc);
    assert.strictEqual(doc.state.kind, 'ready');
    if (doc.state.kind === 'ready') {
      assert.ok(doc.state.overview.problem?.truncated, 'marked truncated');
      assert.ok(doc.state.overview.objectCount > 0, 'objects before the cut are shown');
    }
  });

  it('reopens a dump from the analysis cache in its global storage once its worker is gone', async function () {
    this.timeout(120_000);
    const config = vscode.workspace.getConfiguration('goHeapDump');
    await config.update('analysisCache.minimumDumpSizeMb', 0, vscode.ConfigurationTarget.Global);
    // A copy with a name of its own: no editor or worker of it is left from the other tests.
    const bytes = await vscode.workspace.fs.readFile(workspaceFile('dumps', 'orders-go1.26.heapdump'));
    const copy = vscode.Uri.joinPath(vscode.Uri.file(process.env.TMPDIR ?? '/tmp'), `cached-${Date.now()}.heapdump`);
    await vscode.workspace.fs.writeFile(copy, bytes);
    try {
      const dir = api.cache.dir;
      assert.ok(dir, 'the global storage is a local folder');
      const snapshots = () => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.snapshot')) : []);
      const before = snapshots().length;
      const first = await openDump(api, copy);
      await settled(first);
      assert.strictEqual(first.worker.restoredFromCache, false);
      const overview = first.state.kind === 'ready' ? JSON.stringify(first.state.overview) : '';
      assert.ok(overview);
      await until('the heap and types snapshots to be written', () => (snapshots().length >= before + 2 ? true : undefined));

      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      // The pool keeps a closed dump's worker a few seconds: then it is gone.
      await until('the worker to stop', () => (api.pool.size === 0 ? true : undefined), 30_000);
      const again = await openDump(api, copy);
      await settled(again);
      assert.notStrictEqual(again.worker, first.worker);
      assert.strictEqual(again.worker.restoredFromCache, true);
      assert.strictEqual(again.state.kind === 'ready' ? JSON.stringify(again.state.overview) : '', overview);
      const suspects = await again.worker.call('suspects', undefined);
      assert.ok(suspects.suspects.length > 0);
    } finally {
      await config.update('analysisCache.minimumDumpSizeMb', undefined, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.workspace.fs.delete(copy);
    }
  });

  it('keeps the extension host responsive (no stall of its own over 200 ms; the goal is 50) while a 1 GB dump opens and is browsed', async function () {
    this.timeout(600_000);
    // Made by the runner (test/integration/run.ts) with the benchmark's generator, when Go is there.
    const file = process.env.GOHEAP_STALL_DUMP;
    if (!file) {
      console.log('      no 1 GB dump (Go is needed to generate one): the host stall is not measured');
      this.skip();
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // GOHEAP_PROFILE_HOST=file.cpuprofile: a CPU profile of this thread (the extension host's) meanwhile.
    const profiler = process.env.GOHEAP_PROFILE_HOST ? await startHostProfile() : undefined;
    // Sampled every millisecond: each sample is the interval between timer callbacks, so the
    // longest one overstates the longest block by at most that millisecond.
    const loop = monitorEventLoopDelay({ resolution: 1 });
    const watch = watchStalls();
    const snapshotsBefore = api.cache.dir && existsSync(api.cache.dir) ? readdirSync(api.cache.dir).filter((f) => f.endsWith('.snapshot')).length : 0;
    const started = Date.now();
    loop.enable();
    const doc = await openDump(api, vscode.Uri.file(file as string));
    await until('the 1 GB analysis to finish', () => (doc.state.kind === 'loading' ? undefined : true), 480_000);
    assert.strictEqual(doc.state.kind, 'ready', JSON.stringify(doc.state).slice(0, 300));
    // Browse as the tabs do: the pages each tab asks for first, replies relayed by this thread.
    await doc.worker.call('overview', undefined);
    await doc.worker.call('suspects', undefined);
    await doc.worker.call('types', { start: 0, end: 200, sort: { key: 'retained', descending: true } });
    const objects = await doc.worker.call('objects', { start: 0, end: 200, sort: { key: 'retained', descending: true } });
    await doc.worker.call('object', { index: objects.rows[0].index });
    const root = await doc.worker.call('dominatorRoot', undefined);
    await doc.worker.call('dominatorChildren', { node: root.node, start: 0, end: 200 });
    await doc.worker.call('goroutineGroups', { start: 0, end: 100 });
    loop.disable();
    const { host, machine } = await watch.stop();
    if (profiler) writeFileSync(process.env.GOHEAP_PROFILE_HOST as string, JSON.stringify(await profiler()));
    assert.ok(machine, 'the idle process beside the host reported nothing');
    const stalls = ownStalls(host, machine);
    const worst = stalls.reduce((a, b) => (b.own > a.own ? b : a), { gap: [0, 0], ms: 0, own: 0 });
    const at = (t: number) => `${((t - started) / 1000).toFixed(2)} s`;
    const long = stalls.filter((x) => x.ms > 25).map((x) => `${x.ms.toFixed(0)} ms at ${at(x.gap[0])} (${new Date(x.gap[0]).toISOString().slice(11, 23)}, own ${x.own.toFixed(0)})`);
    const machineMax = Math.max(0, ...machine.map(([s, e]) => e - s));
    console.log(`      ${((Date.now() - started) / 1000).toFixed(1)} s open and browse; host event loop: longest stall ${(loop.max / 1e6).toFixed(0)} ms, p99.9 ${(loop.percentile(99.9) / 1e6).toFixed(0)} ms; an idle process beside it: longest stall ${machineMax.toFixed(0)} ms; host's own longest: ${worst.own.toFixed(0)} ms; over 25 ms: ${long.join(', ') || 'none'}`);
    // What the machine does to every process at once (code-server and Chromium busy on two
    // shared cores) is not the host's. The goal is no stall of its own over 50 ms; measured over
    // 17 runs its longest was 16-58 ms in 11 and 81-140 ms in 6, the main thread waiting on
    // a futex while V8's shared worker threads served the analysis (issue 18's notes), so the
    // bound that does not flake is 200 ms. It still fails on the 440-930 ms of relaying big
    // replies on this thread, or a synchronous step of the analysis landing here.
    assert.ok(worst.own < 200, `the extension host stalled ${worst.ms.toFixed(0)} ms at ${at(worst.gap[0])}, ${worst.own.toFixed(0)} ms of it its own`);
    const over = stalls.filter((x) => x.own >= 50).length;
    if (over) console.log(`      ${over} stall${over > 1 ? 's' : ''} of the host's own over the 50 ms goal`);

    // Reopened once its worker is gone: read from the analysis cache (on by default), the same.
    const dir = api.cache.dir as string;
    const written = () => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.snapshot')).length : 0);
    await until('the analysis cache to be written', () => (written() >= snapshotsBefore + 2 ? true : undefined), 120_000);
    const overview = JSON.stringify(doc.state.kind === 'ready' ? doc.state.overview : null);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await until('the worker to stop', () => (api.pool.size === 0 ? true : undefined), 30_000);
    const reopened = Date.now();
    const again = await openDump(api, vscode.Uri.file(file as string));
    await settled(again);
    const ready = Date.now() - reopened;
    assert.strictEqual(again.worker.restoredFromCache, true);
    assert.strictEqual(JSON.stringify(again.state.kind === 'ready' ? again.state.overview : null), overview);
    await again.worker.call('suspects', undefined);
    console.log(`      reopened from the analysis cache: ready in ${(ready / 1000).toFixed(2)} s, suspects ${((Date.now() - reopened) / 1000).toFixed(2)} s after the open (the first open took ${((reopened - started) / 1000).toFixed(1)} s with browsing)`);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});

/** Starts V8's sampling profiler on this thread; the function returned stops it and gives the profile. */
async function startHostProfile(): Promise<() => Promise<object>> {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) => new Promise<unknown>((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));
  await post('Profiler.enable');
  // GOHEAP_PROFILE_HOST_US: the sampling interval in microseconds (default 1000).
  await post('Profiler.setSamplingInterval', { interval: Number(process.env.GOHEAP_PROFILE_HOST_US) || 1000 });
  await post('Profiler.start');
  return async () => {
    const { profile } = await post('Profiler.stop') as { profile: object };
    session.disconnect();
    return profile;
  };
}
