/**
 * Objects: every object (sortable by retained size, size, address) and the inspector of one
 * object: type and why, contents as hex with pointer words as links, references, referrers,
 * paths to GC roots, dominators, allocation site. Back/forward history and Go to address.
 */
import type { DominatorNodeRow, EdgeRow, ObjectContents, ObjectDetail, ObjectRow, ObjectSortKey, PathQuery, PathStep, RetainerTarget, RootPath } from '../../src/protocol/rpc';
import { retainerTree } from '../retainerTree';
import { formatAddress, formatBytes, formatCount } from '../../src/protocol/units';
import { clear, h, link } from '../dom';
import { frameLink } from '../frames';
import { copyText, loadState, query, saveState } from '../host';
import { Nav, objectLink, objectSummary, typeName } from '../objects';
import { VirtualTable } from '../virtualTable';

const HEX_WINDOW = 512;
const EDGES_PAGE = 50;

export class ObjectsTab {
  readonly element = h('div', { class: 'tab-body objects-tab' });
  private readonly list: VirtualTable<ObjectRow>;
  private readonly inspector = h('div', { class: 'inspector', tabindex: -1, 'aria-label': 'Object inspector' });
  private readonly backButton = h('vscode-button', { appearance: 'icon', 'aria-label': 'Back', title: 'Back (Alt+Left)' }, h('span', { class: 'codicon codicon-arrow-left' }));
  private readonly forwardButton = h('vscode-button', { appearance: 'icon', 'aria-label': 'Forward', title: 'Forward (Alt+Right)' }, h('span', { class: 'codicon codicon-arrow-right' }));
  private readonly addressField = h('vscode-text-field', { placeholder: 'Go to address: 0xc000123456 or c000123456 (inside an object is fine)', 'aria-label': 'Go to address' }) as HTMLElement & { value: string };
  private history: number[] = loadState('objects.history', []);
  private position = loadState('objects.position', -1);
  private generation = 0;

  constructor(private readonly nav: Nav) {
    this.list = new VirtualTable<ObjectRow>({
      label: 'All objects',
      stateKey: 'objects.table',
      sort: { key: 'retained', descending: true },
      fetch: (start, end, sort) => query('objects', { start, end, sort: { key: sort.key as ObjectSortKey, descending: sort.descending } }),
      columns: [
        { title: 'Address', width: '140px', sortKey: 'address', render: (r) => objectLink(r, nav) },
        { title: 'Size', width: '90px', align: 'right', sortKey: 'size', render: (r) => formatBytes(r.size) },
        { title: 'Retained', width: '100px', align: 'right', sortKey: 'retained', render: (r) => (r.retained === null ? '...' : formatBytes(r.retained)) },
        { title: 'Type', width: 'minmax(240px, 1fr)', render: (r) => typeName(r.type) },
        { title: '', width: '70px', render: (r) => (r.reachable === false ? h('span', { class: 'garbage' }, 'garbage') : '') },
      ],
      onActivate: (r) => nav.openObject(r.index),
      onContextMenu: (r, at) => nav.objectMenu(r, at),
      name: (r) => r.type.name,
    });
    this.backButton.addEventListener('click', () => this.step(-1));
    this.forwardButton.addEventListener('click', () => this.step(1));
    const go = h('vscode-button', { appearance: 'secondary' }, 'Go');
    go.addEventListener('click', () => void this.goToAddress(this.addressField.value));
    this.addressField.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') void this.goToAddress(this.addressField.value);
    });
    this.element.addEventListener('keydown', (e) => {
      if (e.altKey && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
        e.preventDefault();
        this.step(e.key === 'ArrowLeft' ? -1 : 1);
      }
    });
    this.element.append(
      h('div', { class: 'toolbar' }, this.backButton, this.forwardButton, this.addressField, go),
      h('div', { class: 'objects-split' }, h('div', { class: 'objects-list' }, this.list.element), this.inspector),
    );
    if (this.position >= 0 && this.history[this.position] !== undefined) void this.render(this.history[this.position]);
    else this.inspector.append(h('p', { class: 'muted' }, 'Select an object (Enter or double-click), or go to an address.'));
    this.updateButtons();
  }

  /** Shows who holds a group of objects, in place of the inspector. */
  showRetainers(of: RetainerTarget, title: string): void {
    this.generation++;
    this.inspector.replaceChildren(retainerTree(of, title));
  }

  /** Shows object `index`, recording it in the history. */
  show(index: number): void {
    this.history = [...this.history.slice(0, this.position + 1), index].slice(-100);
    this.position = this.history.length - 1;
    this.persist();
    void this.render(index);
  }

  refresh(): void {
    this.list.refresh();
    if (this.position >= 0) void this.render(this.history[this.position]);
  }

  private step(delta: number): void {
    const p = this.position + delta;
    if (p < 0 || p >= this.history.length) return;
    this.position = p;
    this.persist();
    void this.render(this.history[p]);
  }

  private persist(): void {
    saveState('objects.history', this.history);
    saveState('objects.position', this.position);
    this.updateButtons();
  }

  private updateButtons(): void {
    this.backButton.toggleAttribute('disabled', this.position <= 0);
    this.forwardButton.toggleAttribute('disabled', this.position >= this.history.length - 1);
  }

  private async goToAddress(text: string): Promise<void> {
    const hit = await query('findAddress', { address: text });
    if (!hit) {
      this.inspector.replaceChildren(h('p', { class: 'error-text', role: 'alert' }, `No object contains ${text.trim() || 'that address'}.`));
      return;
    }
    this.show(hit.index);
  }

  private async render(index: number): Promise<void> {
    const gen = ++this.generation;
    clear(this.inspector);
    this.inspector.append(h('p', { class: 'muted' }, 'Loading...'));
    let detail: ObjectDetail;
    try {
      detail = await query('object', { index });
    } catch (e) {
      this.inspector.replaceChildren(h('p', { class: 'error-text' }, (e as Error).message));
      return;
    }
    if (gen !== this.generation) return;
    const r = detail.row;
    const copy = h('vscode-button', { appearance: 'secondary' }, 'Copy Address');
    copy.addEventListener('click', () => copyText(formatAddress(r.address)));
    const paths = h('section', { 'aria-label': 'Paths to GC roots' }, h('h3', {}, 'Paths to GC roots'), h('p', { class: 'muted' }, 'Finding the shortest paths...'));
    const contents = h('section', { 'aria-label': 'Contents' }, h('h3', {}, 'Contents'));
    const refs = h('section', { 'aria-label': 'References' }, h('h3', {}, `References (${formatCount(detail.referenceCount)})`));
    const referrers = h('section', { 'aria-label': 'Referrers' }, h('h3', {}, `Referrers (${formatCount(detail.referrerCount)})`));
    clear(this.inspector);
    this.inspector.append(
      h('header', { class: 'inspector-head' },
        h('h2', {}, h('span', { class: 'mono' }, formatAddress(r.address)), ` ${formatBytes(r.size)} `, typeName(r.type)),
        h('p', {}, r.retained !== null ? `Retains ${formatBytes(r.retained)}` : 'Retained size: computing...',
          r.reachable === false ? h('span', { class: 'garbage' }, ' · garbage: no root reaches it (not yet collected)') : '', ' ', copy)),
      this.evidence(detail),
      detail.fields ? this.fields(detail.fields) : '',
      detail.allocation ? h('section', { 'aria-label': 'Allocation site' }, h('h3', {}, 'Allocated at'),
        h('ol', { class: 'frames' }, ...detail.allocation.frames.map((f) => h('li', {}, frameLink(f))))) : '',
      paths,
      this.dominators(detail.dominators, detail.dominatorDepth),
      refs,
      referrers,
      contents,
    );
    void this.fillPaths(paths, index, gen);
    void this.fillEdges(refs, 'references', index, EDGES_PAGE, gen);
    void this.fillEdges(referrers, 'referrers', index, EDGES_PAGE, gen);
    void this.fillContents(contents, index, 0, r.size, gen);
  }

  private evidence(d: ObjectDetail): HTMLElement {
    return h('section', { 'aria-label': 'Type evidence' }, h('h3', {}, 'Type, and why'),
      h('ul', { class: 'plain' }, ...d.typeEvidence.map((t, k) => h('li', {}, typeName(t), k === 0 ? h('span', { class: 'muted' }, ' (shown)') : ''))));
  }

  /** Named fields from the program's DWARF, with values; pointers link to their objects. */
  private fields(f: NonNullable<ObjectDetail['fields']>): HTMLElement {
    const body = h('tbody');
    for (const r of f.rows) {
      const value = r.value ?? '';
      // Map entries and slice elements live in buckets and backing arrays, not in this object: no offset, and indented.
      const valueCell = h('td', { class: 'mono' }, r.target !== undefined ? link(value || 'open', 'Open the object it points into', () => this.nav.openObject(r.target as number)) : value);
      if (r.more) {
        // A long string: its first bytes, and the rest (up to 4 KB) on request.
        const full = r.more;
        const more = link('more', 'Show more of the string', () => {
          more.remove();
          valueCell.append(h('div', { class: 'string-more' }, full));
        });
        valueCell.append(' ', more);
      }
      body.append(h('tr', r.entry ? { class: 'map-entry' } : {},
        h('td', { class: 'right mono muted' }, r.entry ? '' : `+${r.offset}`),
        h('td', { class: 'mono', title: r.entry ? "Read from the map's buckets or the slice's backing array, not from this object" : '' }, r.name),
        h('td', {}, r.type),
        valueCell));
    }
    return h('section', { 'aria-label': 'Fields' }, h('h3', {}, 'Fields'),
      h('table', { class: 'simple fields' },
        h('thead', {}, h('tr', {}, h('th', { class: 'right' }, 'Offset'), h('th', {}, 'Field'), h('th', {}, 'Type'), h('th', {}, 'Value'))),
        body),
      f.truncated ? h('p', { class: 'muted' }, `The first ${f.rows.length} fields; the hex view below has all the bytes.`) : '');
  }

  private dominators(chain: DominatorNodeRow[] | null, depth: number | null): HTMLElement {
    const s = h('section', { 'aria-label': 'Dominators' }, h('h3', {}, 'Dominated by'));
    if (!chain) {
      s.append(h('p', { class: 'muted' }, 'Computing the dominator tree...'));
      return s;
    }
    s.append(h('p', { class: 'muted' }, 'Each object below keeps this one alive: freeing it would free this one.'));
    const ol = h('ol', { class: 'plain chain' });
    for (const d of chain) ol.append(h('li', {}, d.object ? objectSummary(d.object, this.nav) : h('span', {}, d.label, h('span', { class: 'muted' }, ` retains ${formatBytes(d.retained)}`))));
    if (depth !== null && depth > chain.length) {
      ol.append(h('li', { class: 'muted' }, `… ${formatCount(depth - chain.length)} more up to the root: open the last one above to go on`));
    }
    s.append(ol);
    return s;
  }

  /**
   * Paths from the roots, globals first; "exclude stack roots" and "ignore this reference"
   * ask again without them.
   */
  private async fillPaths(section: HTMLElement, index: number, gen: number, options: { excludeStacks: boolean; ignore: [number, number][] } = { excludeStacks: false, ignore: [] }): Promise<void> {
    const ask = { index, maxPaths: 5, excludeStacks: options.excludeStacks, ignore: options.ignore };
    const paths: RootPath[] = await query('pathsToRoots', ask);
    if (gen !== this.generation) return;
    const again = (o: typeof options) => {
      section.replaceChildren(h('h3', {}, 'Paths to GC roots'), h('p', { class: 'muted' }, 'Finding the shortest paths...'));
      void this.fillPaths(section, index, gen, o);
    };
    const exclude = h('vscode-checkbox', {}, 'Exclude stack roots') as HTMLElement & { checked: boolean };
    if (options.excludeStacks) exclude.setAttribute('checked', '');
    exclude.addEventListener('change', () => again({ ...options, excludeStacks: exclude.checked }));
    const why = link('Who else holds it (merged)', 'Every object that points at it, merged by type, towards the roots', () => this.showRetainers({ object: index }, `object #${index}`));
    section.replaceChildren(h('h3', {}, 'Paths to GC roots'), h('div', { class: 'toolbar' }, exclude, why,
      options.ignore.length ? link(`restore ${options.ignore.length} ignored reference${options.ignore.length > 1 ? 's' : ''}`, 'Follow every reference again', () => again({ ...options, ignore: [] })) : ''));
    if (paths.length === 0) {
      section.append(h('p', { class: 'muted' }, options.excludeStacks || options.ignore.length
        ? 'No other path: without those roots and references nothing reaches it.'
        : 'No root reaches this object: it is garbage the collector has not freed yet.'));
      return;
    }
    const stepItem = (step: PathStep, next: PathStep | undefined) =>
      h('li', {}, objectSummary(step.object, this.nav), step.offset !== undefined ? h('span', { class: 'muted mono' }, ` .+${step.offset} →`) : '',
        next ? h('span', {}, ' ', link('ignore', 'Ignore this reference and look for another path', () => again({ ...options, ignore: [...options.ignore, [step.object.index, next.object.index]] }))) : '');
    paths.forEach((p, pathNumber) => {
      const ol = h('ol', { class: 'path' });
      ol.append(h('li', { class: 'root' }, h('span', { class: 'codicon codicon-pinned' }), ` ${p.root.kind}: `, h('span', { class: 'mono' }, p.root.description)));
      const gap = p.elided;
      p.steps.forEach((step, k) => {
        if (gap && k === gap.after) ol.append(this.pathGap(ask, pathNumber, gap, stepItem, gen));
        ol.append(stepItem(step, gap && k === gap.after - 1 ? undefined : p.steps[k + 1]));
      });
      section.append(ol);
    });
  }

  /**
   * The left-out middle of a long path: an item that loads its steps a page at a time, in
   * place, so a path of any length stays small on screen.
   */
  private pathGap(ask: PathQuery, path: number, gap: { after: number; count: number }, stepItem: (s: PathStep, next: PathStep | undefined) => HTMLElement, gen: number): HTMLElement {
    const PAGE = 100;
    const end = gap.after + gap.count;
    let from = gap.after;
    const item = h('li', { class: 'path-gap' });
    const label = () => `${formatCount(end - from)} more step${end - from === 1 ? '' : 's'}: show ${formatCount(Math.min(PAGE, end - from))}`;
    const more = link(label(), 'Show the next steps of this path', () => {
      void query('pathSteps', { ...ask, path, start: from, end: Math.min(from + PAGE, end) + 1 }).then((page) => {
        if (gen !== this.generation) return;
        const shown = page.rows.slice(0, Math.min(PAGE, end - from));
        shown.forEach((step, k) => item.before(stepItem(step, page.rows[k + 1])));
        from += shown.length;
        if (from >= end || shown.length === 0) item.remove();
        else more.textContent = label();
      });
    });
    item.append(h('span', { class: 'muted' }, '… '), more);
    return item;
  }

  private async fillEdges(section: HTMLElement, kind: 'references' | 'referrers', index: number, count: number, gen: number): Promise<void> {
    const page = await query(kind, { index, start: 0, end: count });
    if (gen !== this.generation) return;
    section.querySelector('ul')?.remove();
    section.querySelector('.more')?.remove();
    const ul = h('ul', { class: 'plain edges' });
    for (const e of page.rows as EdgeRow[]) {
      const where = kind === 'references' ? `field +${e.offsets.join(', +')} → ` : '';
      const via = kind === 'referrers' ? ` via field +${e.offsets.join(', +')}` : '';
      ul.append(h('li', {}, h('span', { class: 'muted mono' }, where), objectSummary(e.object, this.nav, via)));
    }
    section.append(ul);
    if (page.total > page.rows.length) {
      section.append(h('p', { class: 'more' }, link(`show more (${formatCount(page.total - page.rows.length)} left)`, 'Load more',
        () => void this.fillEdges(section, kind, index, count + 200, gen))));
    }
  }

  private async fillContents(section: HTMLElement, index: number, offset: number, size: number, gen: number): Promise<void> {
    const c: ObjectContents = await query('objectContents', { index, offset, length: HEX_WINDOW });
    if (gen !== this.generation) return;
    section.querySelector('.more')?.remove();
    section.append(hexView(c, this.nav));
    const end = c.offset + c.bytes.byteLength;
    if (end < size) {
      section.append(h('p', { class: 'more' }, link(`show more (${formatBytes(size - end)} left)`, 'Load the next bytes',
        () => void this.fillContents(section, index, end, size, gen))));
    }
  }
}

/** 16 bytes per line: offset, hex (pointer words marked, heap pointers as links), ASCII. */
function hexView(c: ObjectContents, nav: Nav): HTMLElement {
  const bytes = new Uint8Array(c.bytes);
  const pointerAt = new Map(c.pointers.map((p) => [p.offset, p]));
  const table = h('div', { class: 'hex', role: 'table', 'aria-label': 'Object bytes' });
  let ptrLeft = 0;
  let current: (typeof c.pointers)[number] | undefined;
  for (let line = 0; line < bytes.length; line += 16) {
    const row = h('div', { class: 'hex-row', role: 'row' }, h('span', { class: 'hex-offset', role: 'rowheader' }, (c.offset + line).toString(16).padStart(6, '0')));
    const hex = h('span', { class: 'hex-bytes', role: 'cell' });
    let ascii = '';
    for (let k = line; k < Math.min(line + 16, bytes.length); k++) {
      const p = pointerAt.get(c.offset + k);
      if (p) {
        current = p;
        ptrLeft = 8;
      }
      const text = bytes[k].toString(16).padStart(2, '0');
      const cls = ptrLeft > 0 ? (current && current.target >= 0 ? 'ptr heap' : 'ptr') : bytes[k] === 0 ? 'zero' : '';
      const span = h('span', { class: `hex-byte ${cls}` }, text);
      if (ptrLeft > 0 && current) {
        const target = current;
        span.title = `pointer field +${target.offset}: ${formatAddress(target.value)}${target.target >= 0 ? ' (click to open the object it points into)' : ''}`;
        if (target.target >= 0) {
          span.addEventListener('click', () => nav.openObject(target.target));
          if (p) {
            // The first byte of a heap pointer is the keyboard stop for the link.
            span.tabIndex = 0;
            span.setAttribute('role', 'link');
            span.addEventListener('keydown', (e) => {
              if (e.key === 'Enter') nav.openObject(target.target);
            });
          }
        }
        ptrLeft--;
      }
      hex.append(span, (k - line) % 8 === 7 ? ' ' : '');
      ascii += bytes[k] >= 0x20 && bytes[k] < 0x7f ? String.fromCharCode(bytes[k]) : '.';
    }
    row.append(hex, h('span', { class: 'hex-ascii', role: 'cell' }, ascii));
    table.append(row);
  }
  return table;
}
