/**
 * The dominator tree from the GC roots down: each node keeps alive everything beneath it.
 * Children are biggest first and fetched 100 at a time when a node is expanded; the visible
 * tree is a flat list shown by the virtual table.
 */
import type { DominatorNodeRow } from '../../src/protocol/rpc';
import { formatBytes, formatCount, formatPercent } from '../../src/protocol/units';
import { h } from '../dom';
import { loadState, query, saveState } from '../host';
import { Nav, objectLink, typeName } from '../objects';
import { VirtualTable } from '../virtualTable';

const CHILDREN_PAGE = 100;

interface Line {
  depth: number;
  node?: DominatorNodeRow;
  /** A "show more" line: the parent and how many children are shown. */
  more?: { parent: number; shown: number; total: number };
  expanded?: boolean;
}

export class DominatorsTab {
  readonly element = h('div', { class: 'tab-body table-tab' });
  private lines: Line[] = [];
  private total = 0;
  private readonly table: VirtualTable<Line>;
  private readonly expanded = new Set<number>(loadState<number[]>('dominators.expanded', []));

  constructor(private readonly nav: Nav) {
    this.table = new VirtualTable<Line>({
      label: 'Dominator tree',
      stateKey: 'dominators.table',
      sort: { key: 'retained', descending: true },
      empty: 'The dominator tree appears when the analysis is done',
      fetch: async (start, end) => {
        if (this.lines.length === 0) await this.load();
        return { total: this.lines.length, start, rows: this.lines.slice(start, end) };
      },
      columns: [
        { title: 'Retained by', width: 'minmax(320px, 4fr)', render: (l) => this.nameCell(l) },
        { title: 'Retained', width: '100px', align: 'right', render: (l) => (l.node ? formatBytes(l.node.retained) : '') },
        { title: '% heap', width: '70px', align: 'right', render: (l) => (l.node ? formatPercent(l.node.retained, this.total) : '') },
        { title: 'Size', width: '90px', align: 'right', render: (l) => (l.node && l.node.kind === 'object' ? formatBytes(l.node.size) : '') },
        { title: 'Children', width: '90px', align: 'right', render: (l) => (l.node ? formatCount(l.node.childCount) : '') },
      ],
      onActivate: (l) => void this.activate(l),
      onTreeKey: (l, key) => this.treeKey(l, key),
      name: (l) => l.node?.object?.type.name ?? l.node?.label ?? '',
      onContextMenu: (l, at) => l.node?.object && nav.objectMenu(l.node.object, at),
    });
    this.element.append(h('p', { class: 'toolbar muted' }, 'Expand a node (Right arrow or Enter, or click its arrow) to see what it keeps alive; Left collapses it or goes to its parent. Addresses open the object inspector.'), this.table.element);
  }

  private nameCell(l: Line): HTMLElement {
    const indent = h('span', { class: 'indent' });
    indent.style.setProperty('width', `${l.depth * 16}px`);
    if (l.more) return h('span', { class: 'tree-cell' }, indent, h('span', { class: 'link' }, `show ${formatCount(Math.min(CHILDREN_PAGE, l.more.total - l.more.shown))} more of ${formatCount(l.more.total)}`));
    const n = l.node as DominatorNodeRow;
    const twisty = h('span', { class: `codicon ${n.childCount ? (l.expanded ? 'codicon-chevron-down' : 'codicon-chevron-right') : 'codicon-blank'} twisty` });
    twisty.addEventListener('click', (e) => {
      e.stopPropagation();
      void this.activate(l);
    });
    const label = n.object ? h('span', {}, objectLink(n.object, this.nav), ' ', typeName(n.object.type))
      : h('span', { class: 'group-label' }, h('span', { class: `codicon ${n.kind === 'root' ? 'codicon-globe' : 'codicon-pinned'}` }), ` ${n.label}`);
    return h('span', { class: 'tree-cell' }, indent, twisty, label);
  }

  private async load(): Promise<void> {
    const root = await query('dominatorRoot', undefined);
    this.total = root.retained;
    this.lines = [{ depth: 0, node: root, expanded: false }];
    // Re-open what was open before the editor was hidden (the root at least).
    this.expanded.add(root.node);
    for (let k = 0; k < this.lines.length; k++) {
      const l = this.lines[k];
      if (l.node && this.expanded.has(l.node.node) && !l.expanded && l.node.childCount) await this.expand(k);
    }
  }

  private async activate(l: Line): Promise<void> {
    const k = this.lines.indexOf(l);
    if (k < 0) return;
    if (l.more) await this.more(k);
    else if (l.expanded) this.collapse(k);
    else if (l.node?.childCount) await this.expand(k);
    else if (l.node?.object) this.nav.openObject(l.node.object.index);
    this.table.refresh();
  }

  /** Right: expand, or step to the first child of an open node; Left: collapse, or step to the parent. */
  private async treeKey(l: Line, key: 'expand' | 'collapse'): Promise<number | undefined> {
    const k = this.lines.indexOf(l);
    if (k < 0 || l.more) return undefined;
    if (key === 'expand') {
      if (l.expanded) return k + 1 < this.lines.length && this.lines[k + 1].depth > l.depth ? k + 1 : undefined;
      if (!l.node?.childCount) return undefined;
      await this.expand(k);
      this.table.refresh();
      return undefined;
    }
    if (l.expanded) {
      this.collapse(k);
      this.table.refresh();
      return undefined;
    }
    for (let p = k - 1; p >= 0; p--) if (this.lines[p].depth < l.depth) return p;
    return undefined;
  }

  private async expand(k: number): Promise<void> {
    const l = this.lines[k];
    const node = (l.node as DominatorNodeRow).node;
    const page = await query('dominatorChildren', { node, start: 0, end: CHILDREN_PAGE });
    l.expanded = true;
    this.expanded.add(node);
    const kids: Line[] = page.rows.map((n) => ({ depth: l.depth + 1, node: n, expanded: false }));
    if (page.total > page.rows.length) kids.push({ depth: l.depth + 1, more: { parent: node, shown: page.rows.length, total: page.total } });
    this.lines.splice(k + 1, 0, ...kids);
    saveState('dominators.expanded', [...this.expanded]);
  }

  private collapse(k: number): void {
    const l = this.lines[k];
    let end = k + 1;
    while (end < this.lines.length && this.lines[end].depth > l.depth) end++;
    this.lines.splice(k + 1, end - k - 1);
    l.expanded = false;
    if (l.node) this.expanded.delete(l.node.node);
    saveState('dominators.expanded', [...this.expanded]);
  }

  private async more(k: number): Promise<void> {
    const m = this.lines[k].more as NonNullable<Line['more']>;
    const page = await query('dominatorChildren', { node: m.parent, start: m.shown, end: m.shown + CHILDREN_PAGE });
    const depth = this.lines[k].depth;
    const kids: Line[] = page.rows.map((n) => ({ depth, node: n, expanded: false }));
    const shown = m.shown + page.rows.length;
    if (shown < page.total) kids.push({ depth, more: { parent: m.parent, shown, total: page.total } });
    this.lines.splice(k, 1, ...kids);
  }

  refresh(): void {
    this.lines = [];
    this.table.refresh();
  }
}
