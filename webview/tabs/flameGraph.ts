/**
 * A flame graph of allocation stacks: callers at the top, allocation sites at the bottom
 * (icicle), width proportional to the measure. The graph arrives flat (FlameFrame[]) and is
 * drawn without recursion, at most MAX_ROWS levels below the zoomed frame and only frames wide
 * enough to see, so a deep or wide profile never builds more DOM than it shows.
 *
 * Mouse: click selects a frame (its details and actions show above the graph), double-click
 * zooms into it. Keyboard: the graph is one Tab stop; arrows move between frames (Up to the
 * caller, Down to the heaviest callee, Left/Right along the row), Enter opens the source, Space
 * zooms, Esc zooms out, Home selects the root. The filter highlights matching frames and dims
 * the rest. "Callers and callees" shows the selected function's sandwich.
 */
import type { FlameFrame, SourceFrame } from '../../src/protocol/rpc';
import { baseName, formatPercent } from '../../src/protocol/units';
import { labelColourOn, parseRgb } from '../contrast';
import { clear, h, link } from '../dom';
import { openFrame } from '../host';

/** Levels drawn below the zoomed frame; deeper ones are reached by zooming. */
const MAX_ROWS = 120;
/** Frames narrower than this share of the zoomed frame are not drawn (nor their callees). */
const MIN_WIDTH_PERCENT = 0.1;
/** Frames wider than this share get their name written in. */
const LABEL_WIDTH_PERCENT = 1.5;
const HUES = 5;

export interface Sandwich {
  callers: FlameFrame[];
  callees: FlameFrame[];
}

/** One drawn icicle: a flat graph, the frame it is zoomed to, and its buttons by frame. */
class Icicle {
  readonly element = h('div', { class: 'flame-canvas', role: 'tree' });
  readonly buttons = new Map<number, HTMLButtonElement>();
  private readonly children: number[][];
  /** Whether the root is drawn at the bottom (callers of a function, read upwards). */
  private readonly inverted: boolean;
  truncated = false;

  constructor(
    readonly frames: FlameFrame[],
    readonly focus: number,
    private readonly opts: {
      label: string;
      inverted?: boolean;
      filter: string;
      format: (v: number) => string;
      total: number;
      onSelect: (i: number) => void;
      onZoom?: (i: number) => void;
    },
  ) {
    this.inverted = opts.inverted ?? false;
    this.element.setAttribute('aria-label', opts.label);
    this.children = frames.map(() => []);
    for (let i = 1; i < frames.length; i++) if (frames[i].parent >= 0) this.children[frames[i].parent].push(i);
    this.draw();
  }

  childrenOf(i: number): number[] {
    return this.children[i] ?? [];
  }

  private draw(): void {
    const { frames, focus } = this;
    const rows: HTMLElement[] = [];
    const top = frames[focus];
    const needle = this.opts.filter.toLowerCase();
    const work: { i: number; left: number; width: number }[] = [{ i: focus, left: 0, width: 100 }];
    for (let w = work.pop(); w; w = work.pop()) {
      const f = frames[w.i];
      const depth = f.depth - top.depth;
      if (depth >= MAX_ROWS) {
        this.truncated = true;
        continue;
      }
      while (rows.length <= depth) rows.push(h('div', { class: 'flame-row', role: 'group' }));
      const label = f.file && f.line ? `${f.name} ${baseName(f.file)}:${f.line}` : f.name;
      const matches = needle !== '' && (f.name.toLowerCase().includes(needle) || (f.file ?? '').toLowerCase().includes(needle));
      const el = h('button', {
        class: `flame-node hue-${hue(f.name)}${needle ? (matches ? ' match' : ' dim') : ''}`,
        role: 'treeitem', tabindex: -1,
        title: `${label}\n${this.opts.format(f.value)}: ${formatPercent(f.value, this.opts.total)} of all${focus > 0 ? `, ${formatPercent(f.value, top.value)} of ${top.name}` : ''}`,
        'aria-label': `${f.name}, ${this.opts.format(f.value)}, ${formatPercent(f.value, this.opts.total)}`,
      }, w.width >= LABEL_WIDTH_PERCENT ? f.name : '');
      el.style.left = `${w.left}%`;
      el.style.width = `${w.width}%`;
      el.dataset.frame = String(w.i);
      el.addEventListener('click', () => this.opts.onSelect(w.i));
      const zoom = this.opts.onZoom;
      if (zoom) el.addEventListener('dblclick', () => zoom(w.i));
      rows[depth].append(el);
      this.buttons.set(w.i, el);
      // Children right to left on the work stack, so they are drawn left to right.
      let x = w.left;
      const placed: { i: number; left: number; width: number }[] = [];
      for (const c of this.childrenOf(w.i)) {
        const cw = f.value > 0 ? (w.width * frames[c].value) / f.value : 0;
        if (cw >= MIN_WIDTH_PERCENT) placed.push({ i: c, left: x, width: cw });
        x += cw;
      }
      for (let k = placed.length - 1; k >= 0; k--) work.push(placed[k]);
    }
    this.element.append(...(this.inverted ? rows.reverse() : rows));
  }

  /** The frame an arrow key moves to from frame i, or undefined. */
  neighbour(i: number, key: string): number | undefined {
    const up = this.inverted ? 'ArrowDown' : 'ArrowUp';
    const down = this.inverted ? 'ArrowUp' : 'ArrowDown';
    if (key === up) return i === this.focus ? undefined : this.frames[i].parent;
    if (key === down) return this.childrenOf(i).find((c) => this.buttons.has(c));
    if (key === 'ArrowLeft' || key === 'ArrowRight') {
      const el = this.buttons.get(i);
      const next = key === 'ArrowLeft' ? el?.previousElementSibling : el?.nextElementSibling;
      return next instanceof HTMLElement && next.dataset.frame ? Number(next.dataset.frame) : undefined;
    }
    if (key === 'Home') return this.focus;
    return undefined;
  }
}

export class FlameGraph {
  readonly element = h('div', { class: 'flame' });
  private frames: FlameFrame[] = [];
  private zoomPath: number[] = [];
  private selected = 0;
  private filter = '';
  private format: (v: number) => string = String;
  private sandwich: { name: string; data: Sandwich } | undefined;
  private icicles: Icicle[] = [];
  /** Which icicle the selection is in (0: the graph or the callers, 1: the callees). */
  private selectedIn = 0;

  constructor(private readonly loadSandwich: (fn: string) => Promise<Sandwich>) {
    this.element.addEventListener('keydown', (e) => this.onKey(e));
    // VS Code swaps the body's theme class and colour variables when the theme changes.
    new MutationObserver(() => this.chooseLabelColours()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  /** Label colours with the best contrast on each hue of the current theme. */
  private chooseLabelColours(): void {
    for (let k = 0; k < HUES; k++) {
      const probe = h('button', { class: `flame-node hue-${k}`, 'aria-hidden': 'true' });
      probe.style.visibility = 'hidden';
      this.element.append(probe);
      const rgb = parseRgb(getComputedStyle(probe).backgroundColor);
      probe.remove();
      if (rgb) this.element.style.setProperty(`--flame-fg-${k}`, labelColourOn(rgb));
    }
  }

  show(frames: FlameFrame[], format: (v: number) => string): void {
    const keepSandwich = this.sandwich?.name;
    this.frames = frames;
    this.zoomPath = [];
    this.selected = 0;
    this.selectedIn = 0;
    this.format = format;
    this.sandwich = undefined;
    if (keepSandwich && frames.some((f) => f.name === keepSandwich)) void this.openSandwich(keepSandwich);
    else this.render();
  }

  setFilter(filter: string): void {
    if (filter === this.filter) return;
    this.filter = filter;
    this.render();
  }

  private get focus(): number {
    return this.zoomPath[this.zoomPath.length - 1] ?? 0;
  }

  private render(keepFocus = false): void {
    const hadFocus = keepFocus || this.element.contains(document.activeElement);
    clear(this.element);
    this.icicles = [];
    const all = this.frames[0];
    if (!all || all.value <= 0) {
      this.element.append(h('p', { class: 'muted' }, 'Nothing to show for this measure (the memory profile may be empty, or counts not yet published by a GC).'));
      return;
    }
    const body: HTMLElement[] = [];
    if (this.sandwich) {
      const { name, data } = this.sandwich;
      const options = { filter: this.filter, format: this.format, total: all.value };
      const callers = new Icicle(data.callers, 0, { ...options, label: `Callers of ${name}`, inverted: true, onSelect: (i) => this.select(i, 0) });
      const callees = new Icicle(data.callees, 0, { ...options, label: `Callees of ${name}`, onSelect: (i) => this.select(i, 1) });
      this.icicles = [callers, callees];
      body.push(
        h('div', { class: 'flame-section muted' }, `Callers of ${name} (read upwards)`), callers.element,
        h('div', { class: 'flame-section muted' }, `${name} and what it calls`), callees.element);
    } else {
      const graph = new Icicle(this.frames, this.focus, {
        label: 'Flame graph of allocation stacks', filter: this.filter, format: this.format, total: all.value,
        onSelect: (i) => this.select(i, 0), onZoom: (i) => this.zoomTo(i),
      });
      this.icicles = [graph];
      body.push(graph.element);
      if (graph.truncated) body.push(h('p', { class: 'muted' }, `Stacks deeper than ${MAX_ROWS} levels below the zoomed frame are not drawn: zoom into a deep frame to see further.`));
    }
    // The details read the icicles and the selection: built first, shown above them.
    this.markSelected(false);
    this.element.append(this.toolbar(), this.details(), ...body);
    this.chooseLabelColours();
    if (hadFocus) this.icicles[this.selectedIn]?.buttons.get(this.selected)?.focus();
  }

  private toolbar(): HTMLElement {
    const bar = h('div', { class: 'flame-crumbs' });
    if (this.sandwich) {
      bar.append(link('All stacks', 'Back to the whole flame graph (Esc)', () => this.closeSandwich()), ' › callers and callees of ', h('strong', {}, this.sandwich.name));
    } else {
      const path = [0, ...this.zoomPath];
      path.forEach((i, k) => {
        if (k > 0) bar.append(' › ');
        const name = this.frames[i].name;
        bar.append(k === path.length - 1 ? h('strong', {}, name) : link(name, `Zoom out to ${name}`, () => this.zoomOutTo(k)));
      });
      const reset = h('vscode-button', { appearance: 'secondary', disabled: this.zoomPath.length === 0, title: 'Show the whole graph (Esc zooms out one level)' }, 'Reset zoom');
      reset.addEventListener('click', () => this.zoomOutTo(0));
      bar.append(' ', reset);
    }
    if (this.filter) {
      const { count, value } = this.matches();
      bar.append(h('span', { class: 'muted' }, ` · ${count} frame${count === 1 ? '' : 's'} match "${this.filter}": ${this.format(value)} (${formatPercent(value, this.frames[0].value)})`));
    }
    return bar;
  }

  /** The selected frame: where it is, its value, and what can be done with it. */
  private details(): HTMLElement {
    const f = this.selectedFrame();
    const box = h('div', { class: 'flame-details', 'aria-live': 'polite' });
    if (!f) return box;
    const all = this.frames[0].value;
    box.append(h('strong', {}, f.name));
    if (f.file && f.line) {
      const frame: SourceFrame = { function: f.name, file: f.file, line: f.line };
      box.append(' ', link(`${baseName(f.file)}:${f.line}`, `Open ${f.file}:${f.line}`, () => openFrame(frame)));
    }
    box.append(h('span', { class: 'muted' }, ` ${this.format(f.value)}, ${formatPercent(f.value, all)} of all`));
    if (f.parent >= 0 || this.sandwich) {
      if (!this.sandwich && this.selected !== this.focus) {
        const zoom = h('vscode-button', { appearance: 'secondary', title: 'Zoom into this frame (Space, or double-click)' }, 'Zoom');
        zoom.addEventListener('click', () => this.zoomTo(this.selected));
        box.append(' ', zoom);
      }
      if (this.sandwich?.name !== f.name) {
        const both = h('vscode-button', { appearance: 'secondary', title: 'Every stack through this function: its callers above, its callees below' }, 'Callers and callees');
        both.addEventListener('click', () => void this.openSandwich(f.name));
        box.append(' ', both);
      }
    }
    return box;
  }

  private selectedFrame(): FlameFrame | undefined {
    return this.icicles[this.selectedIn]?.frames[this.selected];
  }

  /** Total of the outermost frames that match the filter (a stack counts once). */
  private matches(): { count: number; value: number } {
    const needle = this.filter.toLowerCase();
    const hit = (f: FlameFrame) => f.name.toLowerCase().includes(needle) || (f.file ?? '').toLowerCase().includes(needle);
    const inside = new Uint8Array(this.frames.length);
    let count = 0;
    let value = 0;
    this.frames.forEach((f, i) => {
      const h0 = hit(f);
      if (h0) count++;
      const parentInside = f.parent >= 0 && inside[f.parent] === 1;
      if (h0 && !parentInside) value += f.value;
      inside[i] = h0 || parentInside ? 1 : 0;
    });
    return { count, value };
  }

  private select(i: number, icicle: number, focusIt = true): void {
    this.selected = i;
    this.selectedIn = icicle;
    const old = this.element.querySelector('.flame-details');
    old?.replaceWith(this.details());
    this.markSelected(focusIt);
  }

  /** One Tab stop: the selected frame (or the zoomed root) takes it and is marked. */
  private markSelected(focusIt: boolean): void {
    this.icicles.forEach((ic, k) => {
      for (const [i, b] of ic.buttons) {
        const on = k === this.selectedIn && i === this.selected;
        b.tabIndex = on ? 0 : -1;
        b.classList.toggle('selected', on);
        b.setAttribute('aria-selected', String(on));
      }
    });
    let el = this.icicles[this.selectedIn]?.buttons.get(this.selected);
    if (!el) {
      // The selection is not drawn (zoomed away): the zoomed frame takes the Tab stop.
      this.selectedIn = 0;
      this.selected = this.icicles[0]?.focus ?? 0;
      el = this.icicles[0]?.buttons.get(this.selected);
      if (el) {
        el.tabIndex = 0;
        el.classList.add('selected');
      }
    }
    if (focusIt) el?.focus();
  }

  private zoomTo(i: number): void {
    if (i === this.focus) return;
    // The zoom path is the frame's ancestors below the root: breadcrumbs show them all.
    const path: number[] = [];
    for (let k = i; k > 0; k = this.frames[k].parent) path.push(k);
    this.zoomPath = path.reverse();
    this.selected = i;
    this.render(true);
  }

  private zoomOutTo(k: number): void {
    this.selected = this.zoomPath[k - 1] ?? 0;
    this.zoomPath = this.zoomPath.slice(0, k);
    this.render(true);
  }

  private async openSandwich(name: string): Promise<void> {
    const data = await this.loadSandwich(name);
    this.sandwich = { name, data };
    this.selected = 0;
    this.selectedIn = 1;
    this.render(true);
  }

  private closeSandwich(): void {
    const name = this.sandwich?.name;
    this.sandwich = undefined;
    const at = this.frames.findIndex((f, i) => i > 0 && f.name === name);
    this.selected = at > 0 ? at : this.focus;
    this.selectedIn = 0;
    this.render(true);
  }

  private onKey(e: KeyboardEvent): void {
    const target = e.target as HTMLElement;
    if (!target.classList.contains('flame-node')) {
      if (e.key === 'Escape') this.escape(e);
      return;
    }
    const icicle = this.icicles[this.selectedIn];
    if (!icicle) return;
    const f = icicle.frames[this.selected];
    switch (e.key) {
      case 'Enter':
        if (f?.file && f.line) openFrame({ function: f.name, file: f.file, line: f.line });
        break;
      case ' ':
        if (!this.sandwich) this.zoomTo(this.selected);
        break;
      case 'Escape':
        this.escape(e);
        return;
      case 'Tab':
        return;
      default: {
        const next = icicle.neighbour(this.selected, e.key);
        if (next === undefined) {
          // Between the callers and the callees of a sandwich, across the function itself.
          if (this.sandwich && this.selected === 0 && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
            const other = this.selectedIn === 0 ? 1 : 0;
            if ((other === 1 && e.key === 'ArrowDown') || (other === 0 && e.key === 'ArrowUp')) this.select(0, other);
          }
          if (e.key.startsWith('Arrow') || e.key === 'Home') e.preventDefault();
          return;
        }
        this.select(next, this.selectedIn);
      }
    }
    e.preventDefault();
  }

  private escape(e: KeyboardEvent): void {
    if (this.sandwich) this.closeSandwich();
    else if (this.zoomPath.length) this.zoomOutTo(this.zoomPath.length - 1);
    else return;
    e.preventDefault();
    e.stopPropagation();
  }
}

/** A stable hue per function name (colours themselves come from the theme's charts). */
function hue(name: string): number {
  let x = 0;
  for (let i = 0; i < name.length; i++) x = (x * 31 + name.charCodeAt(i)) | 0;
  return Math.abs(x) % HUES;
}
