/** The type histogram: groups by best type key, with counts, bytes, retained; expand for instances. */
import type { TypeCoverage, TypeRow } from '../../src/protocol/rpc';
import { formatBytes, formatCount, formatPercent } from '../../src/protocol/units';
import { h } from '../dom';
import { loadState, query, saveState } from '../host';
import { Nav, objectSummary, typeBadge } from '../objects';
import { DetailLine, VirtualTable } from '../virtualTable';

const PAGE = 50;

export class TypesTab {
  readonly element = h('div', { class: 'tab-body table-tab' });
  private readonly table: VirtualTable<TypeRow>;
  private readonly coverage = h('div', { class: 'coverage muted', 'aria-live': 'polite' });
  private filter = loadState('types.filter', '');
  /** Instances shown per expanded type (grows with "show more"). */
  private readonly shown = new Map<number, number>();

  constructor(private readonly nav: Nav) {
    const field = h('vscode-text-field', { placeholder: 'Filter: type, package, site or shape', value: this.filter, 'aria-label': 'Filter types' }) as HTMLElement & { value: string };
    let timer: number | undefined;
    field.addEventListener('input', () => {
      clearTimeout(timer);
      timer = window.setTimeout(() => {
        this.filter = field.value;
        saveState('types.filter', this.filter);
        this.table.refresh();
      }, 200);
    });
    let rowIndex = new Map<number, number>();
    this.table = new VirtualTable<TypeRow>({
      label: 'Type histogram',
      stateKey: 'types.table',
      sort: { key: 'retained', descending: true },
      empty: 'No type matches the filter',
      fetch: async (start, end, sort) => {
        const page = await query('types', { start, end, sort: { key: sort.key as 'count' | 'bytes' | 'retained', descending: sort.descending }, filter: this.filter || undefined });
        if (start === 0) rowIndex = new Map();
        page.rows.forEach((r, k) => rowIndex.set(r.id, start + k));
        return page;
      },
      columns: [
        { title: 'Type', width: 'minmax(260px, 4fr)', render: (r) => h('span', { class: 'type-name', title: r.name }, typeBadge(r), ' ', r.name) },
        { title: 'Count', width: '90px', align: 'right', sortKey: 'count', render: (r) => formatCount(r.count) },
        { title: 'Bytes', width: '90px', align: 'right', sortKey: 'bytes', help: 'Shallow size: the objects themselves', render: (r) => formatBytes(r.bytes) },
        { title: '% heap', width: '70px', align: 'right', render: (r) => formatPercent(r.share, 1) },
        { title: 'Retained', width: '100px', align: 'right', sortKey: 'retained', help: 'Bytes freed if every object of this group went away', render: (r) => (r.retained === null ? '...' : formatBytes(r.retained)) },
        { title: 'Reachable', width: '90px', align: 'right', help: 'Objects a root still reaches (the rest is garbage not yet collected)', render: (r) => (r.reachableCount === null ? '...' : formatCount(r.reachableCount)) },
      ],
      details: (r) => this.instances(r, () => rowIndex.get(r.id)),
      key: (r) => String(r.id),
      name: (r) => r.name,
    });
    this.element.append(h('div', { class: 'toolbar' }, field, this.coverage), this.table.element);
    void this.loadCoverage();
  }

  private async instances(r: TypeRow, index: () => number | undefined): Promise<DetailLine[]> {
    const n = this.shown.get(r.id) ?? PAGE;
    const page = await query('typeInstances', { type: r.id, start: 0, end: n });
    const lines: DetailLine[] = [{ render: () => h('span', { class: 'link' }, r.count === 1 ? 'Why is it alive? Who holds it' : `Why are these ${formatCount(r.count)} alive? Who holds them, merged`), onActivate: () => this.nav.whyAlive({ type: r.id }, r.name) }];
    lines.push(...page.rows.map((o) => ({ render: () => objectSummary(o, this.nav), onActivate: () => this.nav.openObject(o.index) })));
    if (page.total > page.rows.length) {
      const more = () => {
        this.shown.set(r.id, n + PAGE * 4);
        const i = index();
        if (i !== undefined) this.table.refreshDetails(i);
      };
      lines.push({ render: () => h('span', { class: 'link', title: 'Show more instances' }, `show ${formatCount(Math.min(PAGE * 4, page.total - page.rows.length))} more of ${formatCount(page.total)}`), onActivate: more });
    }
    return lines;
  }

  private async loadCoverage(): Promise<void> {
    const cov: TypeCoverage[] = await query('typeCoverage', undefined);
    const objects = cov.reduce((a, c) => a + c.objects, 0);
    const bytes = cov.reduce((a, c) => a + c.bytes, 0);
    const label = { exact: 'exact', program: 'from the program', inferred: 'inferred', site: 'by allocation site', shape: 'shape only' };
    this.coverage.replaceChildren(...cov.filter((c) => c.objects > 0).flatMap((c, k) => [k ? ' · ' : '',
      h('span', { class: `coverage-${c.category}` }, `${label[c.category]} ${formatPercent(c.objects, objects)} of objects (${formatPercent(c.bytes, bytes)} of bytes)`)]));
  }

  refresh(): void {
    this.table.refresh();
    void this.loadCoverage();
  }
}
