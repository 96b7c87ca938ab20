/** Goroutines grouped by identical stack, status and wait reason; expand for frames. */
import type { GoroutineGroupRow, GoroutineTriage, WaitRow } from '../../src/protocol/rpc';
import { formatAddress, formatBytes, formatCount, summaryFrame } from '../../src/protocol/units';
import { Nav, objectLink, typeName } from '../objects';
import { h } from '../dom';
import { frameLink } from '../frames';
import { loadState, query, saveState, send } from '../host';
import { DetailLine, VirtualTable } from '../virtualTable';

export class GoroutinesTab {
  readonly element = h('div', { class: 'tab-body table-tab' });
  private readonly table: VirtualTable<GoroutineGroupRow>;
  private readonly waits: VirtualTable<WaitRow>;
  private readonly findings = h('div', { class: 'findings', 'aria-live': 'polite' });
  private readonly body = h('div', { class: 'alloc-body' });
  private filter = loadState('goroutines.filter', '');
  private view = loadState<'stack' | 'object'>('goroutines.view', 'stack');
  private triage: Promise<GoroutineTriage> | undefined;

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
    });
    this.waits = new VirtualTable<WaitRow>({
      label: 'Goroutines by the object they wait on',
      stateKey: 'goroutines.waits',
      sort: { key: 'count', descending: true },
      empty: 'No blocked goroutine waits on an object found in its frames',
      fetch: async (start, end) => {
        const rows = (await this.loadTriage()).waits;
        return { total: rows.length, start, rows: rows.slice(start, end) };
      },
      columns: [
        { title: 'Goroutines', width: '90px', align: 'right', render: (w) => formatCount(w.goroutines.length) },
        { title: 'Waiting on', width: 'minmax(220px, 2fr)', render: (w) => (w.object ? h('span', {}, `${w.kind} `, objectLink(w.object, this.nav), ' ', typeName(w.object.type)) : h('span', {}, `${w.kind} `, h('span', { class: 'mono' }, formatAddress(w.address)), h('span', { class: 'muted' }, ' (a global)'))) },
        { title: 'Reason', width: 'minmax(120px, 1fr)', render: (w) => w.waitReason },
        { title: 'Also held by', width: 'minmax(200px, 2fr)', help: 'Who else could wake them: other goroutines\' stacks, globals, heap objects', render: (w) => holders(w) },
      ],
      details: (w) => Promise.resolve([
        { render: () => h('span', { class: 'muted' }, `waiting: goroutines ${w.goids.slice(0, 40).join(' ')}${w.goids.length > 40 ? ' ...' : ''}`), onActivate: () => send({ type: 'revealGoroutine', goroutine: w.goroutines[0] }) },
        ...(w.otherGoroutines.length ? [{ render: () => h('span', { class: 'muted' }, `stacks that also point at it: goroutine indices ${w.otherGoroutines.slice(0, 20).join(' ')}`), onActivate: () => send({ type: 'revealGoroutine', goroutine: w.otherGoroutines[0] }) }] : []),
      ]),
    });
    const pick = h('vscode-dropdown', { 'aria-label': 'Group goroutines by' }) as HTMLElement & { value: string };
    pick.append(h('vscode-option', { value: 'stack' }, 'Group by stack'), h('vscode-option', { value: 'object' }, 'Group by what they wait on'));
    queueMicrotask(() => (pick.value = this.view));
    pick.addEventListener('change', () => {
      this.view = pick.value as 'stack' | 'object';
      saveState('goroutines.view', this.view);
      this.show();
    });
    this.element.append(h('div', { class: 'toolbar' }, pick, field), this.findings, this.body);
    this.show();
    void this.renderFindings();
  }

  private show(): void {
    this.body.replaceChildren(this.view === 'stack' ? this.table.element : this.waits.element);
  }

  private loadTriage(): Promise<GoroutineTriage> {
    return (this.triage ??= query('goroutineTriage', undefined));
  }

  private async renderFindings(): Promise<void> {
    const t = await this.loadTriage();
    this.findings.replaceChildren(...t.findings.map((f) => h('div', { class: `finding finding-${f.severity}`, role: f.severity === 'error' ? 'alert' : 'note' },
      h('span', { class: `codicon ${f.severity === 'error' ? 'codicon-error' : 'codicon-warning'}` }), ' ', h('strong', {}, f.title), ' ',
      h('span', { class: 'muted' }, f.detail), ' ',
      f.object ? objectLink(f.object, this.nav) : '')));
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
    this.triage = undefined;
    this.table.refresh();
    this.waits.refresh();
    void this.renderFindings();
  }
}

function holders(w: WaitRow): string {
  const parts = [w.otherGoroutines.length && `${w.otherGoroutines.length} other goroutine stack${w.otherGoroutines.length > 1 ? 's' : ''}`,
    w.globalRoots && 'a global', w.heapReferrers && `${w.heapReferrers} heap object${w.heapReferrers > 1 ? 's' : ''}`].filter(Boolean);
  return w.object ? (parts.length ? parts.join(', ') : 'nothing else') : 'reachable by all (a global)';
}
