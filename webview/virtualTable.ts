/**
 * A table for lists of any length: rows come in pages from the worker, only the visible
 * rows exist in the DOM, rows have one fixed height (from the editor font), and past what a
 * browser can scroll (millions of rows) the scroll range is scaled. Expanding a row shows
 * detail lines (frames, say) beneath it as rows of the same height. Keyboard: arrows, Page
 * Up/Down, Home/End, Enter, Right/Left to expand/collapse, Shift+F10 for the context menu,
 * type-ahead on tables whose rows have names.
 */
import type { Page } from '../src/protocol/rpc';
import { h, clear } from './dom';
import { loadState, saveState } from './host';
import { DisplayRows, scrollWindow } from './displayRows';

export interface Column<R> {
  title: string;
  /** CSS grid track: "90px", "2fr", "minmax(120px, 1fr)". */
  width: string;
  align?: 'left' | 'right';
  /** Sortable by this key when set. */
  sortKey?: string;
  /** Tooltip of the header. */
  help?: string;
  render(row: R): Node | string;
}

export interface DetailLine {
  render(): Node | string;
  /** Enter or click on the line. */
  onActivate?(): void;
}

export interface SortState {
  key: string;
  descending: boolean;
}

export interface VirtualTableOptions<R> {
  label: string;
  columns: Column<R>[];
  fetch(start: number, end: number, sort: SortState): Promise<Page<R>>;
  sort: SortState;
  /** Lines shown when a row is expanded (rows without details cannot expand). */
  details?(row: R): Promise<DetailLine[]> | undefined;
  onActivate?(row: R): void;
  /**
   * Right/Left on a table that is a tree of its own rows (the dominator tree): expand or
   * collapse the row; may answer a row index to move to (a parent, a first child).
   */
  onTreeKey?(row: R, key: 'expand' | 'collapse'): Promise<number | undefined> | number | undefined;
  /** A row's name (a type, a function, a root), for type-ahead: typing selects the next row whose name, or an identifier in it, starts so. */
  name?(row: R): string;
  /** A row's identity, when it has one: expanded rows follow it across refreshes. */
  key?(row: R): string;
  onContextMenu?(row: R, at: { x: number; y: number }): void;
  /** Key under which scroll, selection, sort and expanded rows are kept across hide/show. */
  stateKey: string;
  empty?: string;
}

interface SavedState {
  sort: SortState;
  /** Column widths the user dragged to (CSS tracks), by column title. */
  widths?: Record<string, string>;
  top: number;
  selected: number;
  expanded: number[];
}

const PAGE = 200;
/** Largest scroll height used; taller lists are scaled into it. */
const MAX_SCROLL_PX = 4_000_000;
const OVERSCAN = 8;

export function rowHeight(): number {
  const size = parseFloat(getComputedStyle(document.documentElement).getPropertyValue('--vscode-editor-font-size'));
  return Math.max(18, Math.round((Number.isFinite(size) ? size : 13) * 1.65));
}

export class VirtualTable<R> {
  readonly element: HTMLElement;
  private readonly header: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly window: HTMLElement;
  private readonly status: HTMLElement;
  private readonly rowH = rowHeight();
  private total: number | undefined;
  private pages = new Map<number, R[]>();
  private loading = new Set<number>();
  private generation = 0;
  private readonly display = new DisplayRows();
  private details = new Map<number, DetailLine[]>();
  private selected = 0;
  private widths: Record<string, string>;
  /** Type-ahead: what was typed, and when last. */
  private typed = '';
  private typedAt = 0;
  /** Keys of the rows the user expanded (tables with row keys), kept while a filter hides them. */
  private readonly expandedKeys = new Set<string>();
  private sort: SortState;
  private restoreTop: number | undefined;
  private error: string | undefined;

  constructor(private readonly opts: VirtualTableOptions<R>) {
    const saved = loadState<SavedState | undefined>(opts.stateKey, undefined);
    this.sort = saved?.sort ?? opts.sort;
    this.selected = saved?.selected ?? 0;
    this.restoreTop = saved?.top;
    this.widths = saved?.widths ?? {};
    const template = this.template();
    this.header = h('div', { class: 'vt-header', role: 'row', style: `grid-template-columns: ${template}` }, h('span'));
    opts.columns.forEach((c, k) => this.header.append(this.headerCell(c, k)));
    this.spacer = h('div', { class: 'vt-spacer' });
    this.window = h('div', { class: 'vt-window', role: 'rowgroup' });
    // The grid is the scrolling box and the one Tab stop: what keyboard users focus is what
    // scrolls (its header row sticks to the top). Rows that expand make it a tree grid
    // (aria-expanded and aria-level belong to those).
    this.scroller = h('div', {
      class: 'vt-scroller', role: opts.details ? 'treegrid' : 'grid', tabindex: 0, 'aria-label': opts.label,
    }, this.header, this.spacer, this.window);
    this.status = h('div', { class: 'vt-status', 'aria-live': 'polite' });
    this.element = h('div', { class: 'vt', style: `--vt-columns: ${template}; --vt-row: ${this.rowH}px` }, this.scroller, this.status);
    this.scroller.addEventListener('scroll', () => {
      this.render();
      this.persist();
    });
    this.element.addEventListener('keydown', (e) => this.onKey(e));
    // Clipped text (it ends in an ellipsis) shows whole as the cell's tooltip.
    this.element.addEventListener('mouseover', (e) => {
      const cell = (e.target as Element).closest?.('.vt-cell, .vt-head');
      if (cell instanceof HTMLElement && !cell.title && cell.scrollWidth > cell.clientWidth) cell.title = cell.textContent ?? '';
    });
    // A click in a row keeps the focus on the grid: rows are rebuilt as they scroll, and focus
    // on a link inside one would fall back to the page.
    this.window.addEventListener('mousedown', (e) => {
      if (e.button !== 0) return;
      e.preventDefault();
      this.scroller.focus({ preventScroll: true });
    });
    new ResizeObserver(() => this.render()).observe(this.scroller);
    void this.reload(saved?.expanded ?? []);
  }

  /** Asks again for the detail lines of data row i, if it is expanded (after "show more"). */
  refreshDetails(i: number): void {
    if (this.display.isExpanded(i)) void this.toggle(i, true);
  }

  /**
   * Refetches everything (after a filter change or when new columns became available). Rows
   * stay expanded by their identity where the table has one (a filter moves rows), else by index.
   */
  refresh(): void {
    const key = this.opts.key;
    if (!key) {
      void this.reload(this.display.expandedRows());
      return;
    }
    void this.reload([], this.expandedKeys);
  }

  private async reload(expanded: number[], expandedKeys?: Set<string>): Promise<void> {
    this.generation++;
    this.pages = new Map();
    this.loading.clear();
    this.total = undefined;
    this.details = new Map();
    this.display.reset();
    await this.ensurePage(0);
    for (const i of expanded) if (this.total !== undefined && i < this.total) await this.toggle(i, true);
    const key = this.opts.key;
    if (key && expandedKeys?.size) {
      const keys = [...expandedKeys];
      for (let i = 0; i < Math.min(this.total ?? 0, PAGE); i++) {
        const r = this.rowAt(i);
        if (r !== undefined && keys.includes(key(r))) await this.toggle(i, true);
      }
    }
    if (this.restoreTop !== undefined) {
      this.scroller.scrollTop = this.restoreTop;
      this.restoreTop = undefined;
    }
    this.render();
  }

  /** The grid tracks: the twisty, then each column at its dragged width or its own. */
  private template(): string {
    return ['18px', ...this.opts.columns.map((c) => this.widths[c.title] ?? c.width)].join(' ');
  }

  /** A drag handle on a column's right edge; its width is remembered with the table's state, double-click resets it. */
  private resizeHandle(c: Column<R>, cell: HTMLElement): HTMLElement {
    const handle = h('span', { class: 'vt-resize', title: 'Drag to resize; double-click to reset' });
    handle.addEventListener('click', (e) => e.stopPropagation());
    handle.addEventListener('dblclick', (e) => {
      e.stopPropagation();
      delete this.widths[c.title];
      this.applyWidths();
    });
    handle.addEventListener('pointerdown', (e) => {
      e.preventDefault();
      e.stopPropagation();
      const startX = e.clientX;
      const start = cell.getBoundingClientRect().width;
      handle.setPointerCapture(e.pointerId);
      handle.classList.add('dragging');
      const move = (m: PointerEvent) => {
        this.widths[c.title] = `${Math.max(32, Math.round(start + m.clientX - startX))}px`;
        this.applyWidths();
      };
      const up = () => {
        handle.classList.remove('dragging');
        handle.removeEventListener('pointermove', move);
        handle.removeEventListener('pointerup', up);
        this.persist();
      };
      handle.addEventListener('pointermove', move);
      handle.addEventListener('pointerup', up);
    });
    return handle;
  }

  private applyWidths(): void {
    const template = this.template();
    this.header.style.gridTemplateColumns = template;
    this.element.style.setProperty('--vt-columns', template);
    this.persist();
  }

  private headerCell(c: Column<R>, k: number): HTMLElement {
    const cell = h('span', { class: `vt-head ${c.align === 'right' ? 'right' : ''}`, role: 'columnheader', title: c.help ?? c.title }, c.title);
    if (k < this.opts.columns.length - 1) cell.append(this.resizeHandle(c, cell));
    if (c.sortKey) {
      cell.classList.add('sortable');
      cell.tabIndex = 0;
      const key = c.sortKey;
      const activate = () => {
        this.sort = this.sort.key === key ? { key, descending: !this.sort.descending } : { key, descending: true };
        this.selected = 0;
        this.scroller.scrollTop = 0;
        this.updateHeader();
        void this.reload([]);
        this.persist();
      };
      cell.addEventListener('click', activate);
      cell.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          activate();
        }
      });
      cell.dataset.sortKey = key;
    }
    queueMicrotask(() => this.updateHeader());
    return cell;
  }

  private updateHeader(): void {
    for (const el of this.header.querySelectorAll<HTMLElement>('.vt-head.sortable')) {
      const on = el.dataset.sortKey === this.sort.key;
      el.classList.toggle('sorted', on);
      el.setAttribute('aria-sort', on ? (this.sort.descending ? 'descending' : 'ascending') : 'none');
      el.dataset.arrow = on ? (this.sort.descending ? '▼' : '▲') : '';
    }
  }

  private async ensurePage(p: number): Promise<void> {
    if (this.pages.has(p) || this.loading.has(p)) return;
    this.loading.add(p);
    const gen = this.generation;
    try {
      const page = await this.opts.fetch(p * PAGE, (p + 1) * PAGE, this.sort);
      if (gen !== this.generation) return;
      this.error = undefined;
      this.total = page.total;
      this.display.setTotal(page.total);
      this.pages.set(p, page.rows);
    } catch (e) {
      if (gen === this.generation) this.error = (e as Error).message;
    } finally {
      this.loading.delete(p);
    }
    if (gen === this.generation) this.render();
  }

  private rowAt(i: number): R | undefined {
    return this.pages.get(Math.floor(i / PAGE))?.[i % PAGE];
  }

  /** Expands or collapses data row i. */
  private async toggle(i: number, open = !this.display.isExpanded(i)): Promise<void> {
    const key = this.opts.key;
    const r = this.rowAt(i);
    if (key && r !== undefined) {
      if (open) this.expandedKeys.add(key(r));
      else this.expandedKeys.delete(key(r));
    }
    if (!open) {
      this.display.collapse(i);
      this.details.delete(i);
      this.render();
      this.persist();
      return;
    }
    if (!this.rowAt(i)) await this.ensurePage(Math.floor(i / PAGE));
    const row = this.rowAt(i);
    const lines = row && (await this.opts.details?.(row));
    if (!lines) return;
    this.details.set(i, lines);
    this.display.expand(i, lines.length);
    this.render();
    this.persist();
  }

  private viewport(): { first: number; offset: number; count: number } {
    // Rows show below the sticky header.
    const view = Math.max(this.rowH, (this.scroller.clientHeight || 400) - this.rowH);
    const w = scrollWindow(this.scroller.scrollTop, this.display.count, this.rowH, view, MAX_SCROLL_PX);
    this.spacer.style.height = `${w.spacerPx}px`;
    return { first: w.first, offset: w.firstTopPx, count: Math.ceil(view / this.rowH) + 1 };
  }

  private render(): void {
    this.status.textContent = this.error ? `Error: ${this.error}` : this.total === undefined ? 'Loading...' : this.total === 0 ? this.opts.empty ?? 'Nothing to show' : '';
    this.status.hidden = this.status.textContent === '';
    if (this.total === undefined) return;
    const { first, offset, count } = this.viewport();
    const from = Math.max(0, first - OVERSCAN);
    const to = Math.min(this.display.count, first + count + OVERSCAN);
    this.window.style.transform = `translateY(${offset - (first - from) * this.rowH}px)`;
    clear(this.window);
    for (let d = from; d < to; d++) {
      const [i, line] = this.display.locate(d);
      this.window.append(line < 0 ? this.dataRow(i, d) : this.detailRow(i, line, d));
      if (line < 0 && !this.rowAt(i)) void this.ensurePage(Math.floor(i / PAGE));
    }
    // One Tab stop per grid: links in the rows are reached with the arrows and Enter, not Tab.
    for (const el of this.window.querySelectorAll<HTMLElement>('[tabindex="0"]')) el.tabIndex = -1;
    this.scroller.setAttribute('aria-rowcount', String(this.display.count));
  }

  private dataRow(i: number, d: number): HTMLElement {
    const row = this.rowAt(i);
    const expandable = this.opts.details !== undefined;
    const open = this.display.isExpanded(i);
    const el = h('div', {
      class: `vt-row${d === this.selected ? ' selected' : ''}`, role: 'row', 'aria-rowindex': d + 1,
      'aria-selected': d === this.selected, 'aria-expanded': expandable ? open : undefined, 'aria-level': expandable ? 1 : undefined,
    });
    const twisty = h('span', { class: `vt-twisty codicon ${expandable ? (open ? 'codicon-chevron-down' : 'codicon-chevron-right') : ''}` });
    el.append(twisty);
    if (!row) {
      el.append(h('span', { class: 'vt-cell muted' }, '...'));
    } else {
      for (const c of this.opts.columns) el.append(h('span', { class: `vt-cell ${c.align === 'right' ? 'right' : ''}`, role: 'gridcell' }, c.render(row)));
      twisty.addEventListener('click', (e) => {
        e.stopPropagation();
        this.select(d);
        void this.toggle(i);
      });
      el.addEventListener('dblclick', () => (expandable ? void this.toggle(i) : this.opts.onActivate?.(row)));
      el.addEventListener('contextmenu', (e) => {
        e.preventDefault();
        this.select(d);
        this.opts.onContextMenu?.(row, { x: e.clientX, y: e.clientY });
      });
    }
    el.addEventListener('click', () => this.select(d));
    return el;
  }

  private detailRow(i: number, line: number, d: number): HTMLElement {
    const detail = this.details.get(i)?.[line];
    const el = h('div', { class: `vt-row vt-detail${d === this.selected ? ' selected' : ''}`, role: 'row', 'aria-rowindex': d + 1, 'aria-level': 2 },
      h('span'), h('span', { class: 'vt-detail-cell', role: 'gridcell' }, detail ? detail.render() : ''));
    el.addEventListener('click', (e) => {
      this.select(d);
      // Text drawn as a link without an action of its own ("show in sidebar") does the line's.
      if ((e.target as Element).closest?.('.link')) detail?.onActivate?.();
    });
    return el;
  }

  private select(d: number): void {
    this.selected = Math.max(0, Math.min(d, this.display.count - 1));
    const top = this.display.count * this.rowH > MAX_SCROLL_PX ? undefined : this.selected * this.rowH;
    if (top !== undefined) {
      if (top < this.scroller.scrollTop) this.scroller.scrollTop = top;
      else if (top + 2 * this.rowH > this.scroller.scrollTop + this.scroller.clientHeight) this.scroller.scrollTop = top + 2 * this.rowH - this.scroller.clientHeight;
    } else {
      // Scaled scrolling: place the selection by proportion.
      this.scroller.scrollTop = (this.selected / Math.max(1, this.display.count - 1)) * (this.scroller.scrollHeight - this.scroller.clientHeight);
    }
    this.render();
    this.persist();
  }

  private onKey(e: KeyboardEvent): void {
    if (this.total === undefined || this.display.count === 0) return;
    const pageRows = Math.max(1, Math.floor(this.scroller.clientHeight / this.rowH) - 2);
    const [i, line] = this.display.locate(this.selected);
    const row = line < 0 ? this.rowAt(i) : undefined;
    switch (e.key) {
      case 'ArrowDown': this.select(this.selected + 1); break;
      case 'ArrowUp': this.select(this.selected - 1); break;
      case 'PageDown': this.select(this.selected + pageRows); break;
      case 'PageUp': this.select(this.selected - pageRows); break;
      case 'Home': this.select(0); break;
      case 'End': this.select(this.display.count - 1); break;
      case 'ArrowRight':
        if (this.opts.onTreeKey) void this.treeKey(row, 'expand');
        else if (line < 0 && !this.display.isExpanded(i)) void this.toggle(i, true);
        break;
      case 'ArrowLeft':
        if (this.opts.onTreeKey) void this.treeKey(row, 'collapse');
        else if (line >= 0) this.select(this.display.indexOf(i));
        else if (this.display.isExpanded(i)) void this.toggle(i, false);
        break;
      case 'Enter': {
        // The row's own action, else expanding it, else its first link (an address, a frame).
        const firstLink = () => this.window.querySelector<HTMLElement>('.vt-row.selected .link')?.click();
        const action = line >= 0 ? this.details.get(i)?.[line]?.onActivate : undefined;
        if (line >= 0 && action) action();
        else if (line >= 0) firstLink();
        else if (row && this.opts.onActivate) this.opts.onActivate(row);
        else if (this.opts.details) void this.toggle(i);
        else firstLink();
        break;
      }
      case 'F10':
      case 'ContextMenu':
        if (e.key === 'F10' && !e.shiftKey) return;
        if (row) {
          const r = this.window.querySelector('.vt-row.selected')?.getBoundingClientRect();
          this.opts.onContextMenu?.(row, { x: r?.left ?? 0, y: r?.bottom ?? 0 });
        }
        break;
      default:
        if (!this.opts.name || e.key.length !== 1 || e.ctrlKey || e.metaKey || e.altKey || (e.key === ' ' && Date.now() - this.typedAt > 700)) return;
        this.typeAhead(e.key);
    }
    e.preventDefault();
  }

  /**
   * Type-ahead: the next row (of those loaded) whose name, or its last part after a package
   * path, starts with what was typed in the last 700 ms.
   */
  private typeAhead(key: string): void {
    const now = Date.now();
    const fresh = now - this.typedAt > 700;
    this.typed = (fresh ? '' : this.typed) + key.toLowerCase();
    this.typedAt = now;
    const name = this.opts.name as (row: R) => string;
    // The whole name, or any identifier after its package path: "plac" finds
    // "example.com/shop.(*service).placeOrder", "order" finds "main.Order".
    const matches = (r: R) => {
      const n = name(r).toLowerCase();
      const short = n.slice(n.lastIndexOf('/') + 1);
      return n.startsWith(this.typed) || short.startsWith(this.typed) || short.split(/[^\p{L}\p{N}_]+/u).some((w) => w.startsWith(this.typed));
    };
    // A new search starts after the selection; a longer one may stay on it.
    const from = this.selected + (this.typed.length === 1 ? 1 : 0);
    for (let k = 0; k < this.display.count; k++) {
      const d = (from + k) % this.display.count;
      const [i, line] = this.display.locate(d);
      const r = line < 0 ? this.rowAt(i) : undefined;
      if (r !== undefined && matches(r)) {
        this.select(d);
        return;
      }
    }
  }

  private async treeKey(row: R | undefined, key: 'expand' | 'collapse'): Promise<void> {
    if (row === undefined) return;
    const to = await this.opts.onTreeKey?.(row, key);
    if (to !== undefined) this.select(to);
  }

  private persist(): void {
    saveState(this.opts.stateKey, {
      sort: this.sort, widths: this.widths, top: this.scroller.scrollTop, selected: this.selected, expanded: this.display.expandedRows(),
    } satisfies SavedState);
  }
}
