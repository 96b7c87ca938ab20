/** Goroutines grouped by identical stack, status and wait reason; expand for frames. */
import type { GoroutineGroupRow } from '../../src/protocol/rpc';
import { formatAddress, formatBytes, formatCount, summaryFrame } from '../../src/protocol/units';
import { h } from '../dom';
import { frameLink } from '../frames';
import { loadState, query, saveState, send } from '../host';
import { DetailLine, VirtualTable } from '../virtualTable';

export class GoroutinesTab {
  readonly element = h('div', { class: 'tab-body table-tab' });
  private readonly table: VirtualTable<GoroutineGroupRow>;
  private filter = loadState('goroutines.filter', '');

  constructor() {
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
    });
    this.element.append(h('div', { class: 'toolbar' }, field), this.table.element);
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
    this.table.refresh();
  }
}
