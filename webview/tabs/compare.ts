/**
 * Compare: what grew from an older dump of the same program to this one, by type, by
 * allocation site and by goroutine group; survivors (already there before) versus new
 * objects. Expanding a row shows its objects in this (the newer) dump.
 */
import type { DiffGoroutineRow, DiffRow, DiffSortKey, DiffSummary } from '../../src/protocol/rpc';
import { formatBytes, formatCount, summaryFrame } from '../../src/protocol/units';
import { clear, h, link } from '../dom';
import { frameLink } from '../frames';
import { loadState, query, saveState, send } from '../host';
import { Nav, objectSummary } from '../objects';
import { DetailLine, VirtualTable } from '../virtualTable';

type View = 'types' | 'sites' | 'goroutines';

const signed = (b: number) => `${b > 0 ? '+' : b < 0 ? '-' : ''}${formatBytes(Math.abs(b))}`;
const signedCount = (c: number) => `${c > 0 ? '+' : c < 0 ? '-' : ''}${formatCount(Math.abs(c))}`;

export class CompareTab {
  readonly element = h('div', { class: 'tab-body table-tab' });
  private readonly head = h('div', { class: 'compare-head' });
  private readonly body = h('div', { class: 'alloc-body' });
  private view = loadState<View>('compare.view', 'types');
  private tables: Partial<Record<View, { element: HTMLElement; refresh(): void }>> = {};
  private older: string | undefined;
  private hideUnchanged = loadState('compare.hideUnchanged', true);
  private readonly growth = h('section', { class: 'suspects', 'aria-label': 'What grew' });

  constructor(private readonly nav: Nav) {
    this.element.append(this.head, this.growth, this.body);
    this.renderEmpty();
    // The comparison lives in the worker: after the editor was hidden and shown again, pick
    // it up where it was.
    const older = loadState<string | undefined>('compare.older', undefined);
    if (older) void this.load(older).catch(() => {
      saveState('compare.older', undefined);
      this.older = undefined;
      this.renderEmpty();
    });
  }

  private renderEmpty(): void {
    const choose = h('vscode-button', {}, 'Choose an Older Dump...');
    choose.addEventListener('click', () => send({ type: 'compare' }));
    clear(this.head);
    this.head.append(h('div', { class: 'compare-empty' },
      h('p', {}, 'Compare this dump with an older dump of the same program to see what grew: by type, by allocation site, by goroutine group.'),
      h('p', { class: 'muted' }, 'Objects at the same address with the same size in both dumps survived from the older one (Go\'s collector does not move objects); the rest are new.'),
      choose));
  }

  /** An older dump was loaded beside this one. */
  async load(name: string): Promise<void> {
    const sum: DiffSummary = await query('diffSummary', undefined);
    this.older = name;
    saveState('compare.older', name);
    this.tables = {};
    clear(this.head);
    const pick = h('vscode-dropdown', { 'aria-label': 'Compare by' }) as HTMLElement & { value: string };
    pick.append(h('vscode-option', { value: 'types' }, 'By type'), h('vscode-option', { value: 'sites' }, 'By allocation site'), h('vscode-option', { value: 'goroutines' }, 'By goroutine group'));
    queueMicrotask(() => (pick.value = this.view));
    pick.addEventListener('change', () => {
      this.view = pick.value as View;
      saveState('compare.view', this.view);
      this.show();
    });
    const other = h('vscode-button', { appearance: 'secondary' }, 'Compare With Another...');
    other.addEventListener('click', () => send({ type: 'compare' }));
    const hide = h('vscode-checkbox', {}, 'Hide unchanged') as HTMLElement & { checked: boolean };
    if (this.hideUnchanged) hide.setAttribute('checked', '');
    hide.addEventListener('change', () => {
      this.hideUnchanged = hide.checked;
      saveState('compare.hideUnchanged', this.hideUnchanged);
      for (const t of Object.values(this.tables)) t?.refresh();
    });
    this.head.append(
      h('p', {}, h('strong', {}, sum.olderName), ' → this dump: ',
        `${formatCount(sum.before.count)} → ${formatCount(sum.after.count)} objects (${signedCount(sum.after.count - sum.before.count)}), `,
        `${formatBytes(sum.before.bytes)} → ${formatBytes(sum.after.bytes)} (${signed(sum.after.bytes - sum.before.bytes)}); `,
        `${formatCount(sum.survivors.count)} objects (${formatBytes(sum.survivors.bytes)}) survived; goroutines ${sum.goroutinesBefore} → ${sum.goroutinesAfter}.`,
        sum.sameProgram ? '' : h('span', { class: 'garbage' }, ' Different Go version or architecture: groups may not match.')),
      h('div', { class: 'toolbar' }, pick, hide, other));
    this.show();
    void this.renderGrowth();
  }

  /** The leak suspects that grew since the older dump, each in one sentence. */
  private async renderGrowth(): Promise<void> {
    this.growth.replaceChildren(h('p', { class: 'muted' }, 'Looking for what grew...'));
    const list = await query('diffSuspects', undefined);
    if (list.length === 0) {
      this.growth.replaceChildren(h('p', { class: 'muted' }, 'No leak suspect of this dump grew since the older one.'));
      return;
    }
    const ol = h('ol', { class: 'suspect-list' });
    for (const g of list) {
      const a = g.suspect.accumulation;
      ol.append(h('li', { class: 'suspect' }, h('p', { class: 'suspect-sentence' }, h('span', { class: 'codicon codicon-arrow-up', 'aria-hidden': 'true' }), ' ', g.sentence, ' ',
        a ? link('Why alive?', 'Open what holds them in the inspector', () => this.nav.openObject(a.index)) : '')));
    }
    this.growth.replaceChildren(h('h2', {}, 'What grew'), ol);
  }

  private show(): void {
    if (!this.older) return;
    const t = (this.tables[this.view] ??= this.view === 'goroutines' ? this.goroutineTable() : this.diffTable(this.view));
    this.body.replaceChildren(t.element);
  }

  private diffTable(view: 'types' | 'sites'): VirtualTable<DiffRow> {
    return new VirtualTable<DiffRow>({
      label: view === 'types' ? 'Growth by type' : 'Growth by allocation site',
      stateKey: `compare.${view}`,
      sort: { key: 'deltaBytes', descending: true },
      fetch: (start, end, sort) => query(view === 'types' ? 'diffTypes' : 'diffSites', { start, end, sort: { key: sort.key as DiffSortKey, descending: sort.descending }, hideUnchanged: this.hideUnchanged }),
      name: (r) => r.frames?.[r.userFrame ?? 0]?.function ?? r.name,
      // DevTools' Comparison columns: new, freed and their balance, in objects and bytes.
      columns: [
        { title: view === 'types' ? 'Type' : 'Allocated in', width: 'minmax(220px, 2fr)', render: (r) => { const f = r.frames?.[r.userFrame ?? 0]; return f ? frameLink(f) : h('span', { title: r.name }, r.name); } },
        { title: '# New', width: '80px', align: 'right', sortKey: 'newCount', help: 'Objects that were not in the older dump', render: (r) => formatCount(r.after.count - r.survivors.count) },
        { title: '# Freed', width: '80px', align: 'right', sortKey: 'freedCount', help: 'Objects of the older dump that are gone', render: (r) => formatCount(Math.max(0, r.before.count - r.survivors.count)) },
        { title: '# Delta', width: '80px', align: 'right', sortKey: 'deltaCount', help: 'Change in the number of objects', render: (r) => signedCount(r.after.count - r.before.count) },
        { title: 'New size', width: '90px', align: 'right', sortKey: 'newBytes', help: 'Bytes of objects that were not in the older dump', render: (r) => formatBytes(r.after.bytes - r.survivors.bytes) },
        { title: 'Freed size', width: '90px', align: 'right', sortKey: 'freedBytes', help: 'Bytes of the older dump\'s objects that are gone', render: (r) => formatBytes(Math.max(0, r.before.bytes - r.survivors.bytes)) },
        { title: 'Size delta', width: '90px', align: 'right', sortKey: 'deltaBytes', render: (r) => signed(r.after.bytes - r.before.bytes) },
        { title: 'Before', width: '80px', align: 'right', sortKey: 'beforeBytes', render: (r) => formatBytes(r.before.bytes) },
        { title: 'After', width: '80px', align: 'right', sortKey: 'afterBytes', render: (r) => formatBytes(r.after.bytes) },
      ],
      details: (r) => this.details(view, r),
    });
  }

  private async details(view: 'types' | 'sites', r: DiffRow): Promise<DetailLine[]> {
    const lines: DetailLine[] = (r.frames ?? []).slice((r.userFrame ?? 0) + 1).map((f) => ({ render: () => frameLink(f), onActivate: () => send({ type: 'openFrame', frame: f }) }));
    if (r.group < 0) return [...lines, { render: () => h('span', { class: 'muted' }, 'None left in this dump.') }];
    const page = view === 'types' ? await query('typeInstances', { type: r.group, start: 0, end: 50 }) : await query('sampledObjects', { site: r.group, start: 0, end: 50 });
    lines.push(...page.rows.map((o) => ({ render: () => objectSummary(o, this.nav), onActivate: () => this.nav.openObject(o.index) })));
    if (page.total > page.rows.length) lines.push({ render: () => h('span', { class: 'muted' }, `... ${formatCount(page.total - page.rows.length)} more in this dump (see the Types tab)`) });
    return lines;
  }

  private goroutineTable(): VirtualTable<DiffGoroutineRow> {
    return new VirtualTable<DiffGoroutineRow>({
      label: 'Goroutine groups before and after',
      stateKey: 'compare.goroutines',
      sort: { key: 'delta', descending: true },
      fetch: (start, end) => query('diffGoroutines', { start, end }),
      columns: [
        { title: 'Change', width: '80px', align: 'right', render: (g) => signedCount(g.after - g.before) },
        { title: 'Before', width: '70px', align: 'right', render: (g) => formatCount(g.before) },
        { title: 'After', width: '70px', align: 'right', render: (g) => formatCount(g.after) },
        { title: 'State', width: 'minmax(160px, 1fr)', render: (g) => (g.waitReason ? `${g.status}: ${g.waitReason}` : g.status) },
        { title: 'In', width: 'minmax(220px, 2fr)', render: (g) => { const f = summaryFrame(g.frames); return f ? frameLink(f) : ''; } },
      ],
      name: (g) => summaryFrame(g.frames)?.function ?? '',
      details: (g) => Promise.resolve(g.frames.map((f) => ({ render: () => frameLink(f), onActivate: () => send({ type: 'openFrame', frame: f }) }))),
    });
  }

  refresh(): void {
    if (this.older) void this.load(this.older);
  }
}
