/** Goroutines grouped by identical stack, status and wait reason; expand for frames. */
import type { GoroutineGroupRow, LeakGroup, LeakReport } from '../../src/protocol/rpc';
import { formatAddress, formatBytes, formatCount, summaryFrame } from '../../src/protocol/units';
import type { Nav } from '../objects';
import { h, link } from '../dom';
import { frameLink } from '../frames';
import { loadState, query, saveState, send } from '../host';
import { DetailLine, VirtualTable } from '../virtualTable';

export class GoroutinesTab {
  readonly element = h('div', { class: 'tab-body table-tab' });
  private readonly table: VirtualTable<GoroutineGroupRow>;
  private readonly leaked: VirtualTable<LeakGroup>;
  private readonly findings = h('div', { class: 'findings', 'aria-live': 'polite' });
  private readonly body = h('div', { class: 'alloc-body' });
  private filter = loadState('goroutines.filter', '');
  private view = loadState<'stack' | 'leaked'>('goroutines.view', 'stack');
  private leaks: Promise<LeakReport> | undefined;

  constructor(private readonly nav: Nav) {
    const field = h('vscode-text-field', { placeholder: 'Filter: function, wait reason, status or goroutine id', value: this.filter, 'aria-label': 'Filter goroutines' }) as HTMLElement & { value: string };
    let timer: number | undefined;
    field.addEventListener('input', () => {
      clearTimeout(timer);
      timer = window.setTimeout(() => {
        this.filter = field.value;
        saveState('goroutines.filter', this.filter);
        this.table.refresh();
      }, 200);
    });
    this.table = new VirtualTable<GoroutineGroupRow>({
      label: 'Goroutine groups',
      stateKey: 'goroutines.table',
      sort: { key: 'count', descending: true },
      empty: 'No goroutine matches the filter',
      fetch: (start, end) => query('goroutineGroups', { start, end, filter: this.filter || undefined }),
      columns: [
        { title: 'Goroutines', width: '90px', align: 'right', render: (r) => formatCount(r.count) },
        { title: 'State', width: 'minmax(180px, 1fr)', render: (r) => h('span', { class: `status status-${r.status}` }, r.waitReason ? `${r.status}: ${r.waitReason}` : r.status, r.isSystem ? h('span', { class: 'muted' }, ' (system)') : '') },
        { title: 'In', width: 'minmax(200px, 3fr)', render: (r) => { const f = summaryFrame(r.frames); return f ? frameLink(f) : h('span', { class: 'muted' }, 'no frames'); } },
        { title: 'Retained', width: '100px', align: 'right', help: 'Bytes kept alive only by these goroutines\' stacks', render: (r) => (r.retained === null ? '...' : formatBytes(r.retained)) },
        { title: 'Created by', width: 'minmax(160px, 2fr)', render: (r) => (r.createdBy ? frameLink(r.createdBy) : '') },
      ],
      details: (r) => this.details(r),
      name: (r) => summaryFrame(r.frames)?.function ?? '',
    });
    this.leaked = new VirtualTable<LeakGroup>({
      label: 'Leaked goroutines',
      stateKey: 'goroutines.leaked',
      sort: { key: 'count', descending: true },
      empty: 'No goroutine is blocked forever: each one waits on something a live root can still reach',
      fetch: async (start, end) => {
        const rows = (await this.loadLeaks()).leaks;
        return { total: rows.length, start, rows: rows.slice(start, end) };
      },
      columns: [
        { title: 'Goroutines', width: '90px', align: 'right', render: (l) => formatCount(l.count) },
        { title: 'Proof', width: '100px', help: 'proven: by Go 1.26\'s goroutineleak criterion; cannot prove: the dump does not link lock waits to their locks (before Go 1.26)', render: (l) => h('span', { class: l.proof === 'proven' ? 'error-text' : 'muted' }, l.proof) },
        { title: 'Blocked in', width: 'minmax(200px, 2fr)', render: (l) => (l.blockedIn ? frameLink(l.blockedIn) : '') },
        { title: 'Reason', width: 'minmax(120px, 1fr)', render: (l) => l.waitReason },
        { title: 'For', width: '110px', help: 'Blocked at least this long (up to the last collection the dump records)', render: (l) => l.blockedFor ?? '' },
        { title: 'Keeps alive', width: '100px', align: 'right', help: 'Bytes only their stacks keep alive', render: (l) => (l.pinnedBytes === null ? '...' : formatBytes(l.pinnedBytes)) },
        { title: 'Waiting on', width: 'minmax(180px, 2fr)', render: (l) => (l.object ? h('span', {}, link(formatAddress(l.object.address), 'Open in the object inspector', () => this.nav.openObject((l.object as { index: number }).index)), ` ${l.object.type}`) : h('span', { class: 'muted' }, 'nothing (nil channel or empty select)')) },
      ],
      name: (l) => l.blockedIn?.function ?? '',
      details: (l) => Promise.resolve([
        ...l.frames.map((f) => ({ render: () => frameLink(f), onActivate: () => send({ type: 'openFrame', frame: f }) })),
        ...(l.createdBy ? [{ render: () => frameLink(l.createdBy as NonNullable<LeakGroup['createdBy']>, 'created by '), onActivate: () => send({ type: 'openFrame', frame: l.createdBy as NonNullable<LeakGroup['createdBy']> }) }] : []),
        ...(l.object ? [{ render: () => h('span', { class: 'muted' }, `held only by ${(l.object as { holders: string }).holders}`) }] : []),
        { render: () => h('span', { class: 'muted' }, `goroutines ${l.goids.slice(0, 40).join(' ')}${l.count > 40 ? ' ...' : ''}  `, h('span', { class: 'link' }, 'show in sidebar')), onActivate: () => send({ type: 'revealGoroutine', goroutine: l.goroutines[0] }) },
      ]),
    });
    const pick = h('vscode-dropdown', { 'aria-label': 'Group goroutines by' }) as HTMLElement & { value: string };
    pick.append(h('vscode-option', { value: 'stack' }, 'All, grouped by stack'), h('vscode-option', { value: 'leaked' }, 'Leaked (blocked forever)'));
    queueMicrotask(() => (pick.value = this.view));
    pick.addEventListener('change', () => {
      this.view = pick.value as 'stack' | 'leaked';
      saveState('goroutines.view', this.view);
      this.show();
    });
    this.element.append(h('div', { class: 'toolbar' }, pick, field), this.findings, this.body);
    this.show();
    void this.renderFindings();
  }

  private show(): void {
    this.body.replaceChildren(this.view === 'stack' ? this.table.element : this.leaked.element);
  }

  private loadLeaks(): Promise<LeakReport> {
    return (this.leaks ??= query('leaks', undefined));
  }

  /** One line when goroutines leak, with a way to the list. */
  private async renderFindings(): Promise<void> {
    const proven = (await this.loadLeaks()).leaks.filter((l) => l.proof === 'proven');
    const count = proven.reduce((a, l) => a + l.count, 0);
    if (count === 0) {
      this.findings.replaceChildren();
      return;
    }
    this.findings.replaceChildren(h('div', { class: 'finding finding-error', role: 'note' },
      h('span', { class: 'codicon codicon-error', 'aria-hidden': 'true' }), ' ',
      h('strong', {}, `${formatCount(count)} goroutine${count === 1 ? '' : 's'} leaked`), ' ',
      h('span', { class: 'muted' }, 'blocked on a channel or lock that only blocked goroutines can reach. '),
      link('Show them', 'List the leaked goroutines', () => {
        this.view = 'leaked';
        saveState('goroutines.view', this.view);
        this.show();
      })));
  }

  private async details(r: GoroutineGroupRow): Promise<DetailLine[]> {
    const lines: DetailLine[] = r.frames.map((f) => ({ render: () => frameLink(f), onActivate: () => send({ type: 'openFrame', frame: f }) }));
    if (r.createdBy) {
      const c = r.createdBy;
      lines.push({ render: () => frameLink(c, 'created by '), onActivate: () => send({ type: 'openFrame', frame: c }) });
    }
    const ids = r.goids.slice(0, 40).join(' ') + (r.count > 40 ? ` ... (${formatCount(r.count)} in all)` : '');
    lines.push({
      render: () => h('span', { class: 'muted' }, `goroutines ${ids}  `, h('span', { class: 'link', title: 'Show in the Goroutines view of the sidebar' }, 'show in sidebar')),
      onActivate: () => send({ type: 'revealGoroutine', goroutine: r.goroutines[0] }),
    });
    if (r.hasDefer || r.hasPanic) {
      const g = await query('goroutine', { index: r.goroutines[0] });
      for (const d of g.defers) lines.push({ render: () => h('span', {}, `defer ${d.function ?? formatAddress(d.fnPc)} at pc ${formatAddress(d.pc)}`) });
      for (const p of g.panics) {
        lines.push({ render: () => h('span', { class: 'error-text' }, `panic: value type ${formatAddress(p.argType)}, data ${formatAddress(p.argData)}${p.object ? ` (object of ${formatBytes(p.object.size)})` : ''}`) });
      }
    }
    return lines;
  }

  refresh(): void {
    this.leaks = undefined;
    this.table.refresh();
    this.leaked.refresh();
    void this.renderFindings();
  }
}
