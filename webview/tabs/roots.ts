/** Roots: globals in the data and bss segments, finalizers, OS threads, other roots. */
import type { RootEntryRow, RootListKind, RootListSummary } from '../../src/protocol/rpc';
import { formatBytes, formatCount } from '../../src/protocol/units';
import { clear, h } from '../dom';
import { loadState, query, saveState } from '../host';
import { Nav, objectLink, typeName } from '../objects';
import { VirtualTable } from '../virtualTable';

export class RootsTab {
  readonly element = h('div', { class: 'tab-body table-tab' });
  private readonly lists = h('div', { class: 'root-lists', role: 'radiogroup', 'aria-label': 'Kinds of roots' });
  private kind = loadState<RootListKind>('roots.kind', 'bss');
  private readonly table: VirtualTable<RootEntryRow>;

  constructor(nav: Nav) {
    this.table = new VirtualTable<RootEntryRow>({
      label: 'Roots',
      stateKey: 'roots.table',
      sort: { key: 'retained', descending: true },
      empty: 'No roots of this kind hold heap objects',
      fetch: (start, end) => query('roots', { kind: this.kind, start, end }),
      name: (r) => r.label,
      columns: [
        { title: 'Root', width: 'minmax(140px, 1fr)', render: (r) => h('span', { class: 'mono', title: r.detail }, r.label) },
        { title: 'Holds', width: '140px', render: (r) => (r.object ? objectLink(r.object, nav) : '') },
        { title: 'Retained', width: '100px', align: 'right', render: (r) => (r.object && r.object.retained !== null ? formatBytes(r.object.retained) : '') },
        { title: 'Type', width: 'minmax(200px, 2fr)', render: (r) => (r.object ? typeName(r.object.type) : '') },
        { title: 'Detail', width: 'minmax(200px, 2fr)', render: (r) => h('span', { class: 'muted', title: r.detail }, r.detail) },
      ],
      onActivate: (r) => r.object && nav.openObject(r.object.index),
      onContextMenu: (r, at) => r.object && nav.objectMenu(r.object, at),
    });
    this.element.append(this.lists, this.table.element);
    void this.loadLists();
  }

  private async loadLists(): Promise<void> {
    const lists: RootListSummary[] = await query('rootLists', undefined);
    clear(this.lists);
    for (const l of lists) {
      const card = h('button', { class: `root-card${l.kind === this.kind ? ' selected' : ''}`, role: 'radio', 'aria-checked': l.kind === this.kind, title: l.detail },
        h('strong', {}, l.title), h('span', {}, `${formatCount(l.count)} ${l.kind === 'threads' ? 'threads' : 'entries'}`),
        h('span', { class: 'muted' }, l.retained === null ? (l.kind === 'threads' ? '' : 'retained: ...') : `retains ${formatBytes(l.retained)}`));
      card.addEventListener('click', () => {
        this.kind = l.kind;
        saveState('roots.kind', l.kind);
        void this.loadLists();
        this.table.refresh();
      });
      this.lists.append(card);
    }
  }

  refresh(): void {
    void this.loadLists();
    this.table.refresh();
  }
}
