/**
 * Compare: what grew from an older dump of the same program to this one, by type, by
 * allocation site and by goroutine group; survivors (already there before) versus new
 * objects. Expanding a row shows its objects in this (the newer) dump.
 */
import type { DiffGoroutineRow, DiffRow, DiffSortKey, DiffSummary } from '../../src/protocol/rpc';
import { formatBytes, formatCount, summaryFrame } from '../../src/protocol/units';
import { clear, h } from '../dom';
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

  constructor(private readonly nav: Nav) {
    this.element.append(this.head, this.body);
    this.renderEmpty();
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
    this.older = name;
    this.tables = {};
    const sum: DiffSummary = await query('diffSummary', undefined);
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
    this.head.append(
      h('p', {}, h('strong', {}, sum.olderName), ' → this dump: ',
        `${formatCount(sum.before.count)} → ${formatCount(sum.after.count)} objects (${signedCount(sum.after.count - sum.before.count)}), `,
        `${formatBytes(sum.before.bytes)} → ${formatBytes(sum.after.bytes)} (${signed(sum.after.bytes - sum.before.bytes)}); `,
        `${formatCount(sum.survivors.count)} objects (${formatBytes(sum.survivors.bytes)}) survived; goroutines ${sum.goroutinesBefore} → ${sum.goroutinesAfter}.`,
        sum.sameProgram ? '' : h('span', { class: 'garbage' }, ' Different Go version or architecture: groups may not match.')),
      h('div', { class: 'toolbar' }, pick, other));
    this.show();
  }

  private show(): void {
    if (!this.older) return;
    const t = (this.tables[this.view] ??= this.view === 'goroutines' ? this.goroutineTable() : this.diffTable(this.view));
    this.body.replaceChildren(t.element);
  }

  private diffTable(view: 'types' | 'sites'): VirtualTable<DiffRow> {
    const money = (r: DiffRow, key: 'before' | 'after') => formatBytes(r[key].bytes);
    return new VirtualTable<DiffRow>({
      label: view === 'types' ? 'Growth by type' : 'Growth by allocation site',
      stateKey: `compare.${view}`,
      sort: { key: 'deltaBytes', descending: true },
      fetch: (start, end, sort) => query(view === 'types' ? 'diffTypes' : 'diffSites', { start, end, sort: { key: sort.key as DiffSortKey, descending: sort.descending } }),
      columns: [
        { title: view === 'types' ? 'Type' : 'Allocated in', width: 'minmax(220px, 2fr)', render: (r) => { const f = r.frames?.[r.userFrame ?? 0]; return f ? frameLink(f) : h('span', { title: r.name }, r.name); } },
        { title: 'Growth', width: '90px', align: 'right', sortKey: 'deltaBytes', render: (r) => signed(r.after.bytes - r.before.bytes) },
        { title: 'Before', width: '80px', align: 'right', render: (r) => money(r, 'before') },
        { title: 'After', width: '80px', align: 'right', sortKey: 'afterBytes', render: (r) => money(r, 'after') },
        { title: 'Objects', width: '80px', align: 'right', sortKey: 'deltaCount', help: 'Change in the number of objects', render: (r) => signedCount(r.after.count - r.before.count) },
        { title: 'New', width: '80px', align: 'right', sortKey: 'newBytes', help: 'Bytes of objects that were not in the older dump', render: (r) => formatBytes(r.after.bytes - r.survivors.bytes) },
        { title: 'Survived', width: '80px', align: 'right', help: 'Bytes of objects already in the older dump (same address and size)', render: (r) => formatBytes(r.survivors.bytes) },
      ],
      details: (r) => this.details(view, r),
    });
  }

  private async details(view: 'types' | 'sites', r: DiffRow): Promise<DetailLine[]> {
    const lines: DetailLine[] = (r.frames ?? []).slice(1).map((f) => ({ render: () => frameLink(f), onActivate: () => send({ type: 'openFrame', frame: f }) }));
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
      details: (g) => Promise.resolve(g.frames.map((f) => ({ render: () => frameLink(f), onActivate: () => send({ type: 'openFrame', frame: f }) }))),
    });
  }

  refresh(): void {
    if (this.older) void this.load(this.older);
  }
}
