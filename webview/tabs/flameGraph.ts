/**
 * A flame graph of allocation stacks: callers at the top, allocation sites at the bottom
 * (icicle), width proportional to the metric. Click a frame to open its source; right-click
 * or Space to zoom into it, Escape to zoom out. Frames are focusable buttons.
 */
import type { FlameNode } from '../../src/protocol/rpc';
import { baseName, formatPercent } from '../../src/protocol/units';
import { clear, h } from '../dom';
import { openFrame } from '../host';

export class FlameGraph {
  readonly element = h('div', { class: 'flame', role: 'tree', 'aria-label': 'Flame graph of allocation stacks' });
  private root: FlameNode | undefined;
  private zoom: FlameNode[] = [];
  private format: (v: number) => string = String;

  show(root: FlameNode, format: (v: number) => string): void {
    this.root = root;
    this.zoom = [];
    this.format = format;
    this.render();
  }

  private render(): void {
    clear(this.element);
    const root = this.root;
    if (!root) return;
    const focus = this.zoom[this.zoom.length - 1] ?? root;
    if (focus.value <= 0) {
      this.element.append(h('p', { class: 'muted' }, 'Nothing to show for this measure (the memory profile may be empty, or counts not yet published by a GC).'));
      return;
    }
    const crumbs = h('div', { class: 'flame-crumbs' }, 'Click a frame to open its source · right-click (or Space) to zoom · Esc to zoom out');
    if (this.zoom.length) crumbs.append(' · zoomed into ', h('strong', {}, focus.name));
    this.element.append(crumbs);
    const canvas = h('div', { class: 'flame-canvas' });
    this.element.append(canvas);
    const rows: HTMLElement[] = [];
    const place = (node: FlameNode, depth: number, left: number, width: number) => {
      if (width < 0.05) return;
      while (rows.length <= depth) {
        const row = h('div', { class: 'flame-row' });
        rows.push(row);
        canvas.append(row);
      }
      const label = node.file && node.line ? `${node.name} ${baseName(node.file)}:${node.line}` : node.name;
      const el = h('button', {
        class: `flame-node hue-${hue(node.name)}`, style: `left:${left}%;width:${width}%`,
        title: `${label}\n${this.format(node.value)} (${formatPercent(node.value, root.value)} of all)`,
        'aria-label': `${node.name}, ${this.format(node.value)}`,
      }, width > 2 ? node.name : '');
      el.addEventListener('click', () => {
        if (node !== root) openFrame({ function: node.name, file: node.file, line: node.line });
      });
      const zoomIn = () => {
        if (node === focus) return;
        this.zoom.push(node);
        this.render();
      };
      el.addEventListener('contextmenu', (e) => {
        e.preventDefault();
        zoomIn();
      });
      el.addEventListener('keydown', (e) => {
        if (e.key === ' ') {
          e.preventDefault();
          zoomIn();
        }
      });
      rows[depth].append(el);
      let x = left;
      for (const c of node.children) {
        const w = (width * c.value) / node.value;
        place(c, depth + 1, x, w);
        x += w;
      }
    };
    place(focus, 0, 0, 100);
    this.element.onkeydown = (e) => {
      if (e.key === 'Escape' && this.zoom.length) {
        this.zoom.pop();
        this.render();
      }
    };
  }
}

/** A stable warm hue per function name (colours themselves come from the theme's charts). */
function hue(name: string): number {
  let x = 0;
  for (let i = 0; i < name.length; i++) x = (x * 31 + name.charCodeAt(i)) | 0;
  return Math.abs(x) % 5;
}
