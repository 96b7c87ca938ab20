/** Allocation sites from the memory profile: a sortable table with stacks, and a flame graph. */
import type { AllocationSiteRow, SiteMetric } from '../../src/protocol/rpc';
import { formatBytes, formatCount, samplingText } from '../../src/protocol/units';
import type { Nav } from '../objects';
import { h } from '../dom';
import { frameLink } from '../frames';
import { loadState, query, saveState, send } from '../host';
import { VirtualTable } from '../virtualTable';
import { FlameGraph } from './flameGraph';

const METRICS: { key: SiteMetric; title: string; bytes: boolean; help: string }[] = [
  { key: 'inuseBytes', title: 'In-use bytes', bytes: true, help: 'allocated - freed, times the size (memory profile, as of the last GC)' },
  { key: 'inuseObjects', title: 'In-use objects', bytes: false, help: 'objects allocated and not yet freed (memory profile)' },
  { key: 'allocBytes', title: 'Allocated bytes', bytes: true, help: 'all bytes ever allocated at this stack' },
  { key: 'allocObjects', title: 'Allocated objects', bytes: false, help: 'all objects ever allocated at this stack' },
  { key: 'liveBytes', title: 'Live bytes', bytes: true, help: 'bytes of the sampled objects of this stack that are in the dump' },
  { key: 'retainedBytes', title: 'Retained', bytes: true, help: 'bytes kept alive by the sampled objects of this stack' },
];

export class AllocationsTab {
  readonly element = h('div', { class: 'tab-body table-tab' });
  private readonly table: VirtualTable<AllocationSiteRow>;
  private readonly flame = new FlameGraph((fn) => query('flameSandwich', { metric: this.metric, function: fn }));
  private view = loadState<'table' | 'flame'>('allocations.view', 'table');
  private metric = loadState<SiteMetric>('allocations.metric', 'inuseBytes');
  private filter = loadState('allocations.filter', '');
  private readonly body = h('div', { class: 'alloc-body' });

  constructor(private readonly nav: Nav) {
    const value = (m: SiteMetric, r: AllocationSiteRow) => (m === 'retainedBytes' ? r.retainedBytes : r[m]);
    this.table = new VirtualTable<AllocationSiteRow>({
      label: 'Allocation sites',
      stateKey: 'allocations.table',
      sort: { key: 'inuseBytes', descending: true },
      empty: 'No memory-profile records in this dump (set runtime.MemProfileRate before allocating to get them)',
      fetch: (start, end, sort) => query('allocationSites', { start, end, sort: { key: sort.key as SiteMetric, descending: sort.descending }, filter: this.filter || undefined }),
      columns: [
        ...METRICS.map((m) => ({
          title: m.title, width: '105px', align: 'right' as const, sortKey: m.key, help: m.help,
          render: (r: AllocationSiteRow) => {
            const v = value(m.key, r);
            return v === null ? '...' : m.bytes ? formatBytes(v) : formatCount(v);
          },
        })),
        { title: 'Allocated in', width: 'minmax(220px, 1fr)', render: (r) => { const f = r.frames[r.userFrame]; return f ? frameLink(f) : '?'; } },
      ],
      name: (r) => r.frames[r.userFrame]?.function ?? '',
      details: (r) => Promise.resolve([
        ...(r.liveObjects > 0 ? [{ render: () => h('span', { class: 'link' }, `Why are its ${formatCount(r.liveObjects)} sampled objects alive? Who holds them, merged`), onActivate: () => this.nav.whyAlive({ site: r.id }, `objects allocated in ${r.frames[r.userFrame]?.function ?? 'this site'}`) }] : []),
        ...r.frames.map((f) => ({ render: () => frameLink(f), onActivate: () => send({ type: 'openFrame', frame: f }) })),
        { render: () => h('span', { class: 'muted' }, `object size${r.sizes.length > 1 ? 's' : ''}: ${r.sizes.map(formatBytes).join(', ')}`) },
      ]),
      onActivate: (r) => {
        const f = r.frames[r.userFrame];
        if (f) send({ type: 'openFrame', frame: f });
      },
    });
    const viewPick = h('vscode-dropdown', { 'aria-label': 'View' }) as HTMLElement & { value: string };
    viewPick.append(h('vscode-option', { value: 'table' }, 'Table'), h('vscode-option', { value: 'flame' }, 'Flame graph'));
    const metricPick = h('vscode-dropdown', { 'aria-label': 'Flame graph measure' }) as HTMLElement & { value: string };
    for (const m of METRICS) metricPick.append(h('vscode-option', { value: m.key }, m.title));
    const field = h('vscode-text-field', { placeholder: 'Filter: function or file', value: this.filter, 'aria-label': 'Filter allocation sites' }) as HTMLElement & { value: string };
    let timer: number | undefined;
    field.addEventListener('input', () => {
      clearTimeout(timer);
      timer = window.setTimeout(() => {
        this.filter = field.value;
        saveState('allocations.filter', this.filter);
        this.table.refresh();
        this.flame.setFilter(this.filter);
      }, 200);
    });
    queueMicrotask(() => {
      viewPick.value = this.view;
      metricPick.value = this.metric;
    });
    viewPick.addEventListener('change', () => {
      this.view = viewPick.value as 'table' | 'flame';
      saveState('allocations.view', this.view);
      this.show();
    });
    metricPick.addEventListener('change', () => {
      this.metric = metricPick.value as SiteMetric;
      saveState('allocations.metric', this.metric);
      void this.loadFlame();
    });
    // A profile the program never recorded: its few sites are the runtime's start-up, not culprits.
    const off = h('div', { class: 'banner', role: 'note', hidden: true });
    void query('overview', undefined).then((o) => {
      if (o.samplingRate?.source !== 'off') return;
      off.textContent = `${samplingText(o.samplingRate)}.`;
      off.hidden = false;
    }, () => undefined);
    this.element.append(off, h('div', { class: 'toolbar' }, viewPick, h('label', { class: 'muted' }, 'measure'), metricPick, field), this.body);
    this.show();
  }

  private show(): void {
    this.body.replaceChildren(this.view === 'table' ? this.table.element : this.flame.element);
    if (this.view === 'flame') void this.loadFlame();
  }

  private async loadFlame(): Promise<void> {
    const m = METRICS.find((x) => x.key === this.metric) ?? METRICS[0];
    const frames = await query('flameGraph', { metric: m.key });
    this.flame.setFilter(this.filter);
    this.flame.show(frames, m.bytes ? formatBytes : formatCount);
  }

  refresh(): void {
    this.table.refresh();
    if (this.view === 'flame') void this.loadFlame();
  }
}
