/**
 * UI test: the packaged .vsix in a real VS Code (code-server + Debian Chromium, driven by
 * playwright-core). Opens the sample from the Explorer, reads the overview, switches tabs,
 * clicks an allocation frame in the webview and a frame in the sidebar tree, and checks the
 * editor lands on the right line. Screenshots of each step go to test-results/e2e/.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { basename, join } from 'path';
import type { Browser, FrameLocator, Locator, Page } from 'playwright-core';
import { unpackSampleProgram } from '../support/binaries';
import { REPO, SAMPLES } from '../support/corpus';
import { CodeServer, launchChromium, startCodeServer, workbenchUrl } from '../vscode/codeServer';

const SHOTS = join(REPO, 'test-results', 'e2e');
/**
 * Run in the page: the WCAG contrast of each labelled frame's text on its background. A
 * string compiled there (the test's bundler would wrap named functions in helpers the page
 * does not have).
 */
const LABEL_CONTRASTS = new Function('flame', `
  const rgb = (c) => (/(\\d+(?:\\.\\d+)?)[,\\s]+(\\d+(?:\\.\\d+)?)[,\\s]+(\\d+(?:\\.\\d+)?)/.exec(c) || []).slice(1, 4).map(Number);
  const lum = (c) => c.map((v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4)).reduce((a, v, k) => a + v * [0.2126, 0.7152, 0.0722][k], 0);
  return [...flame.querySelectorAll('.flame-node')].filter((b) => b.textContent).map((b) => {
    const s = getComputedStyle(b);
    const [l1, l2] = [lum(rgb(s.color)), lum(rgb(s.backgroundColor))].sort((x, y) => y - x);
    return { label: b.textContent, color: s.color, background: s.backgroundColor, ratio: (l1 + 0.05) / (l2 + 0.05) };
  });
`) as (flame: unknown) => unknown;
const VSIX = join(REPO, 'go-heap-dump-viewer.vsix');
/** axe-core's browser build, evaluated inside the webview (a script tag would break its CSP). */
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
/** Run in the page after AXE: serious and critical violations, a few nodes each. */
const AXE_RUN = new Function(`
  return window.axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ' | ' + n.failureSummary) })));
`) as () => Promise<{ id: string; impact: string; help: string; nodes: string[] }[]>;
const TABS = ['overview', 'types', 'objects', 'dominators', 'goroutines', 'allocations', 'roots', 'compare'];

describe('Go Heap Dump Viewer UI (code-server + Chromium)', function () {
  this.timeout(180_000);
  let server: CodeServer;
  let browser: Browser;
  let page: Page;
  let editor: FrameLocator;
  const consoleLog: string[] = [];
  const summary = JSON.parse(readFileSync(join(SAMPLES, 'dumps', 'orders.summary.json'), 'utf8'));

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });
  const statusLine = async () => (await page.locator('[id="status.editor.selection"]').innerText()).trim();
  const activeTabNamed = (name: string) => page.locator('.editor-group-container.active .tab.active', { hasText: name }).waitFor({ timeout: 30_000 });
  const cursorAtLine = (line: number) => page.locator('[id="status.editor.selection"]', { hasText: `Ln ${line},` }).waitFor({ timeout: 30_000 });
  /** Runs a command from the palette (focus first leaves the webview, which keeps keys). */
  const runCommand = async (title: string) => {
    await page.locator('.part.sidebar .composite.title').first().click();
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(`>${title}`);
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().click();
  };
  /** The Heap Dump sidebar's Goroutines view, opened if it is not (a second click would close it). */
  const showHeapDumpView = async () => {
    const view = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Goroutines' }) });
    if (!(await view.isVisible())) await page.locator('.activitybar [aria-label*="Heap Dump"]').first().click();
    await view.waitFor();
    return view;
  };
  /**
   * Answers VS Code's own file dialog (a quick input over the folder) in the browser. It writes
   * its start folder into the box a moment after it shows, which can overwrite what was typed
   * or picked: wait for that, type the whole path, check it stayed, then accept.
   */
  const pickFile = async (path: string) => {
    const input = page.locator('.quick-input-box input');
    await input.waitFor();
    for (let tries = 0; (await input.inputValue()) === '' && tries < 50; tries++) await page.waitForTimeout(100);
    await page.waitForTimeout(300);
    for (let tries = 0; (await input.inputValue()) !== path; tries++) {
      assert.ok(tries < 20, `the dialog keeps its own path: ${await input.inputValue()}`);
      await input.fill(path);
      await page.waitForTimeout(300);
    }
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  };
  /** Switches the color theme through the palette's theme picker. */
  const setTheme = async (theme: string) => {
    await runCommand('Preferences: Color Theme');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(theme);
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: theme }).first().click();
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  };
  /** Opens a workspace file by name through Quick Open (Ctrl+P). */
  const quickOpen = async (name: string) => {
    await page.locator('.part.sidebar .composite.title').first().click();
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(name);
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().click();
  };
  const activeTab = async () => (await page.locator('.editor-group-container.active .tab.active').first().innerText()).replace(/\s+/g, '');

  before(async function () {
    mkdirSync(SHOTS, { recursive: true });
    execFileSync('npm', ['run', 'package'], { cwd: REPO, stdio: 'inherit' });
    // Discovery would offer the sample program as soon as the dump opens; the last step chooses it.
    // The sample dumps are small: cached all the same, so that the last step can reopen one from the cache.
    server = await startCodeServer({ vsix: [VSIX], settings: { 'goHeapDump.discoverBinary': false, 'goHeapDump.analysisCache.minimumDumpSizeMb': 0 } });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // The workbench's own log, kept beside the screenshots for when a step fails.
    page.on('console', (m) => consoleLog.push(`${new Date().toISOString()} [${m.type()}] ${m.text()}`));
    await page.goto(workbenchUrl(server, SAMPLES));
    editor = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await shot(`failed-${this.currentTest.title.replace(/\W+/g, '-')}`);
  });

  after(async function () {
    writeFileSync(join(SHOTS, 'workbench-console.log'), consoleLog.join('\n'));
    await browser?.close();
    server?.stop();
  });

  it('opens the sample dump from the Explorer and shows the overview figures', async function () {
    // The extension's own contribution first: a file opened before it registers gets the text editor.
    await page.locator('.activitybar [aria-label*="Heap Dump"]').first().waitFor({ timeout: 90_000 });
    await page.getByRole('treeitem', { name: 'dumps', exact: true }).click();
    const opened = Date.now();
    await page.getByRole('treeitem', { name: 'orders.heapdump', exact: true }).click();
    // What the user waits for (reported, not asserted: the bench measures speed).
    await editor.locator('.app-header .file-name').waitFor({ timeout: 60_000 });
    const framed = Date.now();
    await editor.locator('.app-header .phase.muted').waitFor({ timeout: 60_000 });
    console.log(`      opening ${basename(SAMPLES)}/dumps/orders.heapdump (3.6 MB): frame after ${framed - opened} ms, complete after ${Date.now() - opened} ms`);
    await editor.getByText(summary.params.buildversion, { exact: true }).first().waitFor({ timeout: 60_000 });
    const count = summary.objects.count.toLocaleString('en-US');
    await editor.getByText(new RegExp(`^${count} \\(`)).first().waitFor();
    await editor.getByText('Biggest retainers').waitFor();
    await editor.locator('.facts').getByText(/100\.0%|\d+\.\d%/).first().waitFor({ timeout: 60_000 });
    assert.strictEqual(await activeTab(), 'orders.heapdump');
    // The answer first: the leak (the order index map, filled by newOrder) as one sentence.
    const suspect = editor.locator('.suspect').first();
    await suspect.waitFor({ timeout: 60_000 });
    assert.match(await suspect.locator('.suspect-sentence').innerText(), /^\s*[\d,]+ .+ \(\d+\.\d% of the reachable heap, .+\) are held by the map bss\+0x[0-9a-f]+; allocated in main\.newOrder orders\.go:\d+/);
    await suspect.locator('summary').click();
    const hops = suspect.locator('.suspect-path li');
    await hops.nth(1).waitFor();
    assert.match(await hops.first().innerText(), /global: bss\+0x/);
    await shot('1-overview');
    // Scrolled down to the GC pause chart (with its axes), the tab strip stays in view.
    const chart = editor.locator('.pause-chart');
    await chart.scrollIntoViewIfNeeded();
    assert.deepStrictEqual(await chart.locator('.axis-label').allTextContents().then((t) => [t[0], t.at(-1)]), ['0 ns', 'collection']);
    const strip = await editor.locator('vscode-panel-tab#tab-overview').boundingBox();
    const area = await page.locator('iframe.webview.ready').boundingBox();
    assert.ok(strip && area && strip.y >= area.y && strip.y < area.y + 80, `tab strip at y=${strip?.y}, webview at y=${area?.y}`);
    await shot('1b-overview-scrolled');
    await chart.evaluate((c) => c.closest('section')?.parentElement?.scrollIntoView());
  });

  it('switches to the Goroutines tab and groups the blocked workers', async function () {
    await editor.locator('vscode-panel-tab#tab-goroutines').click();
    const row = editor.locator('#view-goroutines .vt-row', { hasText: 'main.worker' }).first();
    await row.waitFor();
    assert.match(await row.innerText(), /^\s*6\b/);
    assert.match(await row.innerText(), /chan receive/);
    await row.locator('.vt-twisty').click();
    await editor.locator('.vt-detail', { hasText: 'created by' }).first().waitFor();
    await shot('2-goroutines');
  });

  it('clicks an allocation frame in the webview and lands on its line', async function () {
    await editor.locator('vscode-panel-tab#tab-allocations').click();
    const frame = editor.locator('.vt-row .frame', { hasText: 'main.newOrder' }).first();
    await frame.waitFor();
    const where = (await frame.locator('.frame-where').innerText()).trim();
    const line = Number(/orders\.go:(\d+)$/.exec(where)?.[1]);
    assert.ok(line > 0, `frame location "${where}"`);
    await shot('3-allocations');
    // Its tooltip names the local file the click opens, resolved by the extension host.
    const local = `Open ${join(SAMPLES, 'orderservice', 'orders.go')}:${line}`;
    await frame.locator('.link').hover();
    let tooltip: string | null = null;
    for (let k = 0; k < 50 && !tooltip?.startsWith(local); k++) {
      await page.waitForTimeout(100);
      tooltip = await frame.locator('.link').getAttribute('title');
    }
    assert.ok(tooltip?.startsWith(local), `tooltip "${tooltip}", expected "${local}"`);
    // The file:line is part of the frame's link, not plain text.
    await frame.locator('.link .frame-where').click();
    await activeTabNamed('orders.go');
    await cursorAtLine(line);
    assert.match(await statusLine(), new RegExp(`Ln ${line}, Col 1`));
    await shot('4-jump-from-allocation');
    await page.screenshot({ path: join(REPO, 'media', 'screenshots', 'jump-to-source.png') });
  });

  it('clicks a frame in the sidebar tree and lands on the function', async function () {
    const view = await showHeapDumpView();
    const group = view.getByRole('treeitem', { name: /main\.worker/ }).first();
    await group.waitFor({ timeout: 30_000 });
    assert.match(await group.innerText(), /6 × chan receive/);
    await group.click();
    const goroutine = view.getByRole('treeitem', { name: /^goroutine \d+/ }).first();
    await goroutine.click();
    await shot('5-sidebar');
    // A goroutine frame has no line of its own without the binary: the tree shows a line of the
    // same function from the memory profile (marked ~), and the click opens that line.
    const frame = view.getByRole('treeitem', { name: /^main\.worker/ }).last();
    const line = Number(/~background\.go:(\d+)/.exec(await frame.innerText())?.[1]);
    const source = readFileSync(join(SAMPLES, 'orderservice', 'background.go'), 'utf8').split('\n');
    const declared = source.findIndex((l) => l.startsWith('func worker(')) + 1;
    assert.ok(line > declared && line < declared + 8, `line ${line} lies in func worker (declared at ${declared})`);
    await frame.click();
    await activeTabNamed('background.go');
    await cursorAtLine(line);
    assert.match(await statusLine(), new RegExp(`Ln ${line}, Col 1`));
    await page.locator('.statusbar', { hasText: 'from the memory profile' }).waitFor({ timeout: 10_000 });
    await shot('6-jump-from-sidebar');
  });

  it('explores from the biggest type to an instance, its path to a root, and the dominator tree', async function () {
    await page.locator('.tabs-container .tab', { hasText: 'orders.heapdump' }).first().click();
    await editor.locator('vscode-panel-tab#tab-types').click();
    const biggest = editor.locator('#view-types .vt-row').first();
    await biggest.locator('.type-name').waitFor();
    const typeName = (await biggest.locator('.type-name').innerText()).trim();
    await editor.locator('#view-types .coverage').getByText(/of objects/).first().waitFor();
    await biggest.locator('.vt-twisty').click();
    const instance = editor.locator('#view-types .vt-detail .object-summary').first();
    await instance.waitFor();
    await shot('7-types');
    const address = (await instance.locator('.link').first().innerText()).trim();
    await instance.locator('.link').first().click();
    const inspector = editor.locator('.inspector');
    await inspector.locator('h2', { hasText: address }).waitFor();
    assert.match(await inspector.locator('h2').innerText(), new RegExp(typeName.replace(/^\w+\s+/, '').slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    const path = inspector.locator('ol.path').first();
    await path.waitFor();
    const root = (await path.locator('li.root').innerText()).trim();
    assert.match(root, /segment|stack frame|finalizer|goroutine/, `the path starts at a root: ${root}`);
    await shot('8-inspector');
    // Follow the path to the object its root holds.
    const held = path.locator('li:not(.root) .link').first();
    const heldAddress = (await held.innerText()).trim();
    await held.click();
    await inspector.locator('h2', { hasText: heldAddress }).waitFor();
    await inspector.locator('ol.path li.root').first().waitFor();
    await shot('9-root-object');
    await editor.locator('vscode-panel-tab#tab-dominators').click();
    const rows = editor.locator('#view-dominators .vt-row');
    await rows.filter({ hasText: 'GC roots' }).first().waitFor();
    await rows.nth(1).waitFor();
    assert.ok((await rows.count()) > 2, 'the root is expanded into its groups');
    await shot('10-dominators');
  });

  it('proves leaked goroutines as Go 1.26 does, on the Overview, the Goroutines tab and the sidebar', async function () {
    const leaked = readFileSync(join(SAMPLES, 'leaks', 'dumps', 'chan-go1.26.goroutineleak.txt'), 'utf8').match(/\(leaked\)\]/g)?.length ?? 0;
    assert.ok(leaked > 0, 'the runtime found leaked goroutines in this run');
    await quickOpen('chan-go1.26.heapdump.gz');
    await activeTabNamed('chan-go1.26.heapdump.gz');
    const leak = editor.locator('.suspect.leak').first();
    await leak.waitFor({ timeout: 60_000 });
    assert.match(await leak.locator('.suspect-sentence').innerText(), new RegExp(`^\\s*${leaked} goroutines leaked, blocked forever \\[chan send\\]`));
    await shot('11-leaked-goroutines-overview');
    await editor.locator('vscode-panel-tab#tab-goroutines').click();
    await editor.locator('#view-goroutines .finding', { hasText: `${leaked} goroutines leaked` }).locator('.link').click();
    const row = editor.locator('#view-goroutines .vt-row', { hasText: 'proven' }).first();
    await row.waitFor();
    assert.match(await row.innerText(), new RegExp(`^\\s*${leaked}\\b`));
    await shot('11-leaked-goroutines');
    const view = await showHeapDumpView();
    const node = view.locator('.monaco-list-row', { hasText: 'Leaked' }).first();
    await node.waitFor({ timeout: 30_000 });
    assert.match(await node.innerText(), new RegExp(`${leaked} goroutines blocked forever`));
    await shot('11-leaked-sidebar');
  });

  it('compares with the older dump through the command and shows the growth', async function () {
    await page.locator('.tabs-container .tab', { hasText: 'orders.heapdump' }).first().click();
    await runCommand('Heap Dump: Compare With Another Heap Dump');
    // VS Code's own file dialog (a quick input listing the folder) in the browser. It fills in
    // its start folder asynchronously, so typing a path can be overwritten: pick from the list.
    await pickFile(join(SAMPLES, 'dumps', 'orders-before.heapdump'));
    const growth = editor.locator('#view-compare .vt-row').first();
    await growth.waitFor({ timeout: 60_000 });
    assert.match(await editor.locator('#view-compare .compare-head').innerText(), /orders-before\.heapdump → this dump/);
    assert.match(await growth.innerText(), /\+\d[\d.]* (B|KiB|MiB)/, 'the first row grew');
    await shot('12-compare');
  });

  it('annotates the Go source with the memory allocated on each line', async function () {
    // Keep the dump's editor open (a preview tab would be replaced by the Go file).
    await page.locator('.tabs-container .tab', { hasText: 'orders.heapdump' }).first().dblclick();
    await page.locator('.activitybar [aria-label*="Explorer"]').first().click();
    const file = page.getByRole('treeitem', { name: 'orders.go', exact: true });
    if (!(await file.isVisible())) await page.getByRole('treeitem', { name: 'orderservice', exact: true }).click();
    await file.click();
    await activeTabNamed('orders.go');
    // Scroll to newOrder, whose lines allocate.
    await page.locator('.editor-group-container.active .view-lines').click();
    await page.keyboard.press('Control+G');
    await page.keyboard.type('91');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Home');
    const lens = page.locator('.contentWidgets .codelens-decoration, .codelens-decoration', { hasText: 'in use' }).first();
    await lens.waitFor({ state: 'attached', timeout: 30_000 });
    assert.match((await lens.textContent()) ?? '', /in use \([\d,]+ objects\)/);
    await shot('13-source-annotations');
  });

  it('uses the program binary: exact lines in the sidebar, and a frame opens its own line', async function () {
    const binary = unpackSampleProgram();
    await page.locator('.tabs-container .tab', { hasText: 'orders.heapdump' }).first().click();
    await runCommand('Heap Dump: Choose Program Binary...');
    await pickFile(binary);
    await page.locator('.statusbar-item', { hasText: basename(binary) }).first().waitFor({ timeout: 30_000 });
    await editor.locator('vscode-panel-tab#tab-overview').click();
    await editor.locator('.facts dd', { hasText: `${binary} (go1.19.8` }).waitFor();
    // With the program the suspect names the type and the global, field by field.
    await editor.locator('#view-overview .suspect-sentence', { hasText: /main\.Order .* are held by the map main\.OrderIndex\.byID/ }).waitFor({ timeout: 60_000 });
    await shot('14-program');

    // With the program every frame has its own line: main.worker waits at `for j := range jobs`.
    const source = readFileSync(join(SAMPLES, 'orderservice', 'background.go'), 'utf8').split('\n');
    const line = source.findIndex((l) => l.includes('for j := range jobs')) + 1;
    const view = await showHeapDumpView();
    const expand = async (row: Locator) => {
      await row.waitFor({ timeout: 30_000 });
      if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
    };
    await expand(view.getByRole('treeitem', { name: /main\.worker/ }).first());
    await expand(view.getByRole('treeitem', { name: /^goroutine \d+/ }).first());
    const frame = view.getByRole('treeitem', { name: /^main\.worker/ }).last();
    await frame.filter({ hasText: `background.go:${line}` }).waitFor({ timeout: 30_000 });
    assert.doesNotMatch(await frame.innerText(), /~/, 'an exact line, not one from the memory profile');
    await frame.click();
    await activeTabNamed('background.go');
    await cursorAtLine(line);
    assert.match(await statusLine(), new RegExp(`Ln ${line}, Col 1`));
    await shot('15-exact-frame-line');

    // Types from the program's DWARF: main.Order by name, and its fields in the inspector.
    await page.locator('.tabs-container .tab', { hasText: 'orders.heapdump' }).first().click();
    await editor.locator('vscode-panel-tab#tab-types').click();
    await editor.locator('#view-types .coverage').getByText(/from the program/).first().waitFor({ timeout: 30_000 });
    const order = editor.locator('#view-types .vt-row', { has: editor.locator('.type-name[title="main.Order"]') }).first();
    await order.waitFor();
    await order.locator('.vt-twisty').click();
    await editor.locator('#view-types .vt-detail .object-summary', { has: editor.locator('.type-name[title^="main.Order\\a "]') }).locator('.link').first().click();
    const fields = editor.locator('.inspector section[aria-label="Fields"]');
    await fields.locator('td', { hasText: /^"ord-\d+" \(\d+ bytes\)$/ }).first().waitFor();
    assert.match(await fields.innerText(), /Customer\s+\*main\.Customer/);
    await shot('16-typed-fields');
  });

  it('drives the flame graph with the keyboard: select, zoom, Esc, filter, callers and callees', async function () {
    await editor.locator('vscode-panel-tab#tab-allocations').click();
    const view = editor.locator('#view-allocations vscode-dropdown[aria-label="View"]');
    await view.click();
    await editor.locator('#view-allocations vscode-option', { hasText: 'Flame graph' }).click();
    const frame = editor.locator('.flame-node', { hasText: /^main\.newOrder$/ }).first();
    await frame.waitFor({ timeout: 30_000 });
    await frame.click();
    const details = editor.locator('.flame-details');
    await details.locator('strong', { hasText: 'main.newOrder' }).waitFor();
    assert.match(await details.innerText(), /main\.newOrder\s+orders\.go:\d+\s+.*(KiB|MiB).*% of all/);
    // One Tab stop: the selected frame holds it.
    assert.strictEqual(await editor.locator('.flame-node[tabindex="0"]').count(), 1);
    // Every label readable on its hue (WCAG AA, 4.5:1), in this theme.
    const contrasts = await editor.locator('.flame').evaluate(LABEL_CONTRASTS) as { label: string; ratio: number }[];
    assert.ok(contrasts.length > 3, 'labelled frames');
    for (const c of contrasts) assert.ok(c.ratio >= 4.5, `label contrast ${JSON.stringify(c)}`);
    await page.keyboard.press('Space');
    const crumbs = editor.locator('.flame-crumbs');
    await crumbs.locator('strong', { hasText: 'main.newOrder' }).waitFor();
    assert.strictEqual(await editor.locator('.flame-crumbs vscode-button', { hasText: 'Reset zoom' }).getAttribute('disabled'), null);
    await page.keyboard.press('ArrowDown');
    await details.locator('strong').filter({ hasNotText: 'main.newOrder' }).waitFor();
    // Esc zooms out one level; Reset zoom shows everything.
    await page.keyboard.press('Escape');
    await crumbs.locator('strong', { hasText: 'main.(*service).placeOrder' }).waitFor();
    await editor.locator('.flame-crumbs vscode-button', { hasText: 'Reset zoom' }).click();
    await crumbs.locator('strong', { hasText: /^all$/ }).waitFor();
    // The filter highlights the frames that match and dims the rest.
    await editor.locator('#view-allocations vscode-text-field').locator('input').fill('renderReceipt');
    await editor.locator('.flame-node.match').first().waitFor();
    assert.ok(await editor.locator('.flame-node.dim').count() > 0);
    assert.match(await crumbs.innerText(), /\d+ frames? match "renderReceipt"/);
    await editor.locator('#view-allocations vscode-text-field').locator('input').fill('');
    await editor.locator('.flame-node.match').first().waitFor({ state: 'detached' });
    await editor.locator('.flame-node', { hasText: /^main\.newOrder$/ }).first().click();
    await editor.locator('.flame-details vscode-button', { hasText: 'Callers and callees' }).click();
    await editor.locator('.flame-section', { hasText: 'Callers of main.newOrder' }).waitFor();
    assert.ok(await editor.locator('.flame-canvas').nth(1).locator('.flame-node').count() > 1, 'callees drawn');
    await page.keyboard.press('Escape');
    await editor.locator('.flame-section').first().waitFor({ state: 'detached' });
    await view.click();
    await editor.locator('#view-allocations vscode-option', { hasText: 'Table' }).click();
    await editor.locator('#view-allocations .vt-row').first().waitFor();
  });

  it('takes the README screenshots of every tab, dark and light', async function () {
    // Kept in the repository: when the UI changes, these change with it (git shows it).
    const out = join(REPO, 'media', 'screenshots');
    mkdirSync(out, { recursive: true });
    // The dump's editor alone, full width.
    await page.locator('.tabs-container .tab', { hasText: 'orders.heapdump' }).first().click();
    await runCommand('View: Close Editors in Other Groups');
    for (const [theme, name] of [['Dark Modern', 'dark'], ['Light Modern', 'light']] as const) {
      await setTheme(theme);
      await editor.locator(`body.${name === 'dark' ? 'vscode-dark' : 'vscode-light'}`).waitFor({ timeout: 30_000 });
      await runCommand('View: Close Primary Side Bar');
      for (const tab of TABS) {
        await editor.locator(`vscode-panel-tab#tab-${tab}`).click();
        await editor.locator(`#view-${tab}`).waitFor();
        await page.waitForTimeout(500); // rows and charts settle
        await page.screenshot({ path: join(out, `${tab}-${name}.png`) });
        if (tab === 'allocations') {
          const view = editor.locator('#view-allocations vscode-dropdown[aria-label="View"]');
          await view.click();
          await editor.locator('#view-allocations vscode-option', { hasText: 'Flame graph' }).click();
          await editor.locator('.flame-node', { hasText: /^main\.newOrder$/ }).first().click();
          await page.waitForTimeout(300);
          await page.screenshot({ path: join(out, `flame-graph-${name}.png`) });
          await view.click();
          await editor.locator('#view-allocations vscode-option', { hasText: 'Table' }).click();
        }
      }
      // The side bar back (its title bar is where commands start from).
      await page.locator('.activitybar [aria-label*="Explorer"]').first().click();
    }
  });

  it('walks a table with the keyboard only: one Tab stop, arrows, Right expands, Enter follows, state kept on return', async function () {
    await editor.locator('vscode-panel-tab#tab-types').click();
    const grid = editor.locator('#view-types [role="treegrid"]');
    await grid.locator('.vt-row').first().waitFor();
    await grid.focus();
    // Links inside rows are no Tab stops of their own: the grid is one.
    assert.strictEqual(await grid.locator('.vt-window [tabindex="0"]').count(), 0);
    const selected = grid.locator('.vt-row.selected');
    await page.keyboard.press('End');
    await page.keyboard.press('Home');
    assert.strictEqual(await selected.getAttribute('aria-rowindex'), '1');
    if ((await selected.getAttribute('aria-expanded')) === 'true') await page.keyboard.press('ArrowLeft');
    const typeOf = async (row: Locator) => ((await row.locator('.type-name').first().getAttribute('title')) ?? '').split('\n')[0];
    const other = await typeOf(grid.locator('.vt-row[aria-rowindex="2"]'));
    await page.keyboard.press('ArrowRight');
    await grid.locator('.vt-row[aria-rowindex="1"][aria-expanded="true"]').waitFor();
    // Down twice: past "Why ... alive?" to the first instance, then Enter opens it in the inspector.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.strictEqual(await selected.getAttribute('aria-rowindex'), '3');
    assert.ok(await grid.evaluate((el) => el === el.ownerDocument.activeElement), 'focus stays on the grid');
    const address = (await selected.locator('.link').first().innerText()).trim();
    await page.keyboard.press('Enter');
    await editor.locator('#view-objects .inspector-head', { hasText: address }).waitFor();
    // Back on Types: the same row selected, still expanded.
    await editor.locator('vscode-panel-tab#tab-types').click();
    assert.strictEqual(await grid.locator('.vt-row.selected').getAttribute('aria-rowindex'), '3');
    assert.strictEqual(await grid.locator('.vt-row[aria-rowindex="1"]').getAttribute('aria-expanded'), 'true');
    // A filter that leaves the expanded type out opens no other row in its place; clearing it brings it back.
    const name = await typeOf(grid.locator('.vt-row[aria-rowindex="1"]'));
    const filter = editor.locator('#view-types vscode-text-field input');
    await filter.fill(other);
    await grid.locator('.vt-row[aria-rowindex="1"] .type-name', { hasText: other }).waitFor();
    await page.waitForTimeout(500); // expansions are restored after the first page arrives
    const expanded = await Promise.all((await grid.locator('.vt-row[aria-expanded="true"]').all()).map(typeOf));
    assert.ok(expanded.every((n) => n === name), `only ${name} may stay open, not ${expanded.join(', ')}`);
    await filter.fill('');
    await grid.locator('.vt-row[aria-rowindex="1"][aria-expanded="true"] .type-name', { hasText: name }).waitFor();
    // A mouse click on the line's link text does what Enter does: who holds these objects.
    await grid.locator('.vt-detail[aria-rowindex="2"] .link').click();
    await editor.locator('#view-objects .retainer-tree').waitFor();
    await editor.locator('vscode-panel-tab#tab-types').click();
    // Columns resize by dragging their edge, and keep the width when the tab comes back.
    const head = grid.locator('.vt-head', { hasText: 'Count' });
    const before = (await head.boundingBox())?.width ?? 0;
    const handle = (await head.locator('.vt-resize').boundingBox())!;
    await page.mouse.move(handle.x + 3, handle.y + handle.height / 2);
    await page.mouse.down();
    await page.mouse.move(handle.x + 63, handle.y + handle.height / 2, { steps: 5 });
    await page.mouse.up();
    const after = (await head.boundingBox())?.width ?? 0;
    assert.ok(Math.abs(after - before - 60) < 4, `Count column ${before} -> ${after} px`);
    await editor.locator('vscode-panel-tab#tab-objects').click();
    await editor.locator('vscode-panel-tab#tab-types').click();
    assert.ok(Math.abs(((await head.boundingBox())?.width ?? 0) - after) < 2, 'width kept');
    // The dominator tree: Right steps into an open node and opens a closed one, Left closes it, then goes to the parent.
    await editor.locator('vscode-panel-tab#tab-dominators').click();
    const tree = editor.locator('#view-dominators [role="grid"]');
    await tree.locator('.vt-row').nth(1).waitFor();
    await tree.focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await tree.locator('.vt-row.selected[aria-rowindex="2"]').waitFor();
    assert.ok(await tree.locator('.vt-row.selected .codicon-chevron-right').count(), 'the biggest retainer has children');
    await page.keyboard.press('ArrowRight');
    await tree.locator('.vt-row.selected .codicon-chevron-down').waitFor();
    await page.keyboard.press('ArrowLeft');
    await tree.locator('.vt-row.selected .codicon-chevron-right').waitFor();
    await page.keyboard.press('ArrowLeft');
    await tree.locator('.vt-row.selected[aria-rowindex="1"]').waitFor();
    // Type-ahead in Types: the first letters of a name select a row with that name.
    await editor.locator('vscode-panel-tab#tab-types').click();
    await grid.focus();
    await page.keyboard.press('Home');
    const prefix = other.slice(0, 5);
    await page.keyboard.type(prefix);
    const picked = await typeOf(grid.locator('.vt-row.selected'));
    assert.ok(picked.toLowerCase().startsWith(prefix.toLowerCase()), `typed "${prefix}", selected ${picked}`);
  });

  it('walks every other tab by keyboard only: open a row, follow it, come back to the same row', async function () {
    this.timeout(300_000);
    const order = ['overview', 'types', 'objects', 'dominators', 'goroutines', 'allocations', 'roots', 'compare'];
    /** Moves along the tab strip with the arrow keys from the active tab to `id`. */
    const toTab = async (id: string) => {
      const active = await editor.locator('vscode-panel-tab[aria-selected="true"]').getAttribute('id');
      const from = order.indexOf((active ?? '').replace(/^tab-/, ''));
      await editor.locator(`vscode-panel-tab#${active}`).focus();
      const to = order.indexOf(id);
      for (let k = 0; k < Math.abs(to - from); k++) await page.keyboard.press(to > from ? 'ArrowRight' : 'ArrowLeft');
      await editor.locator(`vscode-panel-tab#tab-${id}[aria-selected="true"]`).waitFor();
    };
    const gridOf = (id: string) => editor.locator(`#view-${id} [role="treegrid"], #view-${id} [role="grid"]`).first();
    const selectedIndex = async (grid: Locator) => grid.locator('.vt-row.selected, .vt-detail.selected').first().getAttribute('aria-rowindex');
    /** Down from the selection to the first line holding `what`, by keyboard. */
    const downTo = async (grid: Locator, what: string) => {
      for (let k = 0; k < 30; k++) {
        if (await grid.locator(`.selected ${what}`).count()) return;
        await page.keyboard.press('ArrowDown');
      }
      assert.fail(`no line with ${what} below the selection`);
    };
    /** Back to the heap dump editor (first group) from a source file opened beside it. */
    const backToDump = async () => {
      await page.keyboard.press('Control+1');
      await activeTabNamed('orders.heapdump');
    };

    // Frames in Goroutines and Allocations: Right opens a group, Down to a frame, Enter opens its source.
    for (const id of ['goroutines', 'allocations']) {
      await toTab(id);
      const grid = gridOf(id);
      await grid.locator('.vt-row').first().waitFor();
      await grid.focus();
      await page.keyboard.press('Home');
      const first = grid.locator('.vt-row.selected[aria-rowindex="1"]');
      await first.waitFor();
      if ((await first.getAttribute('aria-expanded')) !== 'true') await page.keyboard.press('ArrowRight');
      await grid.locator('.vt-row[aria-rowindex="1"][aria-expanded="true"]').waitFor();
      await page.keyboard.press('ArrowDown');
      await downTo(grid, '.frame-where');
      const where = (await grid.locator('.selected .frame-where').first().innerText()).trim().replace(/^~/, '');
      const line = await selectedIndex(grid);
      await page.keyboard.press('Enter');
      await activeTabNamed(where.split(':')[0]);
      await backToDump();
      await toTab(id);
      assert.strictEqual(await selectedIndex(grid), line, `${id}: the frame line stays selected`);
    }
    // Roots and Objects: Enter on a row opens its object in the inspector; the row stays selected.
    for (const id of ['roots', 'objects']) {
      await toTab(id);
      const grid = gridOf(id);
      await grid.locator('.vt-row .link').first().waitFor();
      await grid.focus();
      await page.keyboard.press('Home');
      await grid.locator('.vt-row.selected[aria-rowindex="1"]').waitFor();
      await downTo(grid, '.link');
      const address = (await grid.locator('.vt-row.selected .link').first().innerText()).trim();
      const line = await selectedIndex(grid);
      await page.keyboard.press('Enter');
      await editor.locator('#view-objects .inspector-head', { hasText: address }).waitFor();
      if (id === 'roots') {
        await toTab('roots');
        assert.strictEqual(await selectedIndex(grid), line, 'roots: the row stays selected');
      } else {
        assert.strictEqual(await selectedIndex(grid), line, 'objects: the row stays selected');
      }
    }
    // Compare: a growth row opens to its frames or objects; Enter follows the first of them.
    await toTab('compare');
    const diff = gridOf('compare');
    await diff.locator('.vt-row').first().waitFor();
    await diff.focus();
    await page.keyboard.press('Home');
    await diff.locator('.vt-row.selected[aria-rowindex="1"]').waitFor();
    await page.keyboard.press('ArrowRight');
    await diff.locator('.vt-row[aria-rowindex="1"][aria-expanded="true"]').waitFor();
    await page.keyboard.press('ArrowDown');
    assert.strictEqual(await selectedIndex(diff), '2');
    // Overview: the leak suspect's "Why alive?" is a Tab stop; Enter opens the object it names.
    await toTab('overview');
    const why = editor.locator('.suspect .link', { hasText: /Why alive/ }).first();
    await why.waitFor();
    for (let k = 0; k < 40 && !(await why.evaluate((el) => el === el.ownerDocument.activeElement)); k++) await page.keyboard.press('Tab');
    assert.ok(await why.evaluate((el) => el === el.ownerDocument.activeElement), 'Tab reaches "Why alive?"');
    const held = /0x[0-9a-f]+/.exec(await why.innerText())?.[0] ?? '?';
    await page.keyboard.press('Enter');
    await editor.locator('#view-objects .inspector-head', { hasText: held }).waitFor();
    await shot('17-keyboard-walk');
  });

  it('passes axe-core on every tab in dark, light and both high-contrast themes', async function () {
    this.timeout(600_000);
    const frame = await (await editor.locator('body').elementHandle())?.ownerFrame();
    assert.ok(frame, "the editor's webview frame");
    await frame.evaluate(`${AXE}\n;void 0`);
    const found: string[] = [];
    for (const [theme, name] of [['Dark High Contrast', 'hc-dark'], ['Light High Contrast', 'hc-light'], ['Dark Modern', 'dark'], ['Light Modern', 'light']] as const) {
      await setTheme(theme);
      await editor.locator(`body.${name === 'hc-dark' ? 'vscode-high-contrast' : name === 'hc-light' ? 'vscode-high-contrast-light' : `vscode-${name}`}`).waitFor({ timeout: 30_000 });
      for (const tab of TABS) {
        await editor.locator(`vscode-panel-tab#tab-${tab}`).click();
        await editor.locator(`#view-${tab}`).waitFor();
        await page.waitForTimeout(400); // rows and charts settle
        if (name.startsWith('hc')) await shot(`axe-${name}-${tab}`);
        for (const v of await frame.evaluate(AXE_RUN)) found.push(`${theme} / ${tab}: ${v.impact} ${v.id} (${v.help})\n    ${v.nodes.join('\n    ')}`);
      }
    }
    await setTheme('Dark Modern');
    writeFileSync(join(SHOTS, 'axe-violations.txt'), found.join('\n'));
    assert.deepStrictEqual(found, [], found.join('\n'));
  });

  it('breaks no rule of the webview\'s Content-Security-Policy on any tab', async function () {
    // Counted by the webview itself (webview/main.ts): a blocked style or script fails here.
    assert.strictEqual(await editor.locator('body').getAttribute('data-csp-violations'), null);
  });

  it('reopens the dump from the analysis cache once its worker is gone, and the Overview says so', async function () {
    await runCommand('View: Close All Editors');
    // The pool keeps a closed dump's worker 5 s (src/host/workerPool.ts).
    await page.waitForTimeout(7000);
    await quickOpen('orders.heapdump');
    const row = editor.locator('.facts dd', { hasText: 'read from the analysis cache' });
    await row.waitFor({ timeout: 60_000 });
    assert.strictEqual(await row.locator('vscode-button').innerText(), 'Clear Analysis Cache...');
    // The same figures as the first open.
    await editor.getByText(new RegExp(`^${summary.objects.count.toLocaleString('en-US')} \\(`)).first().waitFor();
    await editor.locator('.suspect').first().waitFor({ timeout: 60_000 });
    await shot('18-reopened-from-cache');
  });
});
