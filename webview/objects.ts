/** How an object appears anywhere in the editor: its address as a link to the inspector, its type. */
import type { ObjectRow, RetainerTarget, TypeGuess } from '../src/protocol/rpc';
import { formatAddress, formatBytes } from '../src/protocol/units';
import { h, link } from './dom';

/** What every tab can do with an object. */
export interface Nav {
  openObject(index: number): void;
  objectMenu(row: ObjectRow, at: { x: number; y: number }): void;
  /** Shows who holds a group of objects (the merged retainer tree). */
  whyAlive(of: RetainerTarget, title: string): void;
}

const SOURCE_TITLES: Record<TypeGuess['source'], string> = {
  exact: 'exact: the type word of the object (Go 1.22+) or a type record',
  dwarf: 'from the program binary: its DWARF type, followed from a typed global or a known object along typed pointers',
  itab: 'from interface values (itab, data) that point at it',
  finalizer: 'from a finalizer record',
  site: 'allocation site of the sampled object (memory profile)',
  field: 'referenced from objects of one known type (propagated along pointers)',
  shape: 'shape: size and pointer layout (or what the typed objects of that shape are)',
  content: 'a runtime data structure recognised by its layout',
};

export function typeBadge(t: TypeGuess): HTMLElement {
  const conf = t.confidence ? ` (${t.confidence})` : '';
  return h('span', { class: `badge badge-${t.source} confidence-${t.confidence ?? 'none'}`, title: `${SOURCE_TITLES[t.source]}${conf}` }, t.source);
}

export function typeName(t: TypeGuess): HTMLElement {
  return h('span', { class: 'type-name', title: `${t.name}\n${SOURCE_TITLES[t.source]}` }, typeBadge(t), ' ', t.name);
}

/** "0xc000123400" as a link; right-click or Shift+F10 for the object menu. */
export function objectLink(row: ObjectRow, nav: Nav): HTMLElement {
  const a = link(formatAddress(row.address), `Open ${formatAddress(row.address)} (${formatBytes(row.size)}) in the object inspector`, () => nav.openObject(row.index));
  a.classList.add('mono');
  a.addEventListener('contextmenu', (e) => {
    e.preventDefault();
    e.stopPropagation();
    nav.objectMenu(row, { x: e.clientX, y: e.clientY });
  });
  a.addEventListener('keydown', (e) => {
    if (e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)) {
      e.preventDefault();
      const r = a.getBoundingClientRect();
      nav.objectMenu(row, { x: r.left, y: r.bottom });
    }
  });
  return a;
}

/** Address, size, type and retained size on one line. */
export function objectSummary(row: ObjectRow, nav: Nav, suffix = ''): HTMLElement {
  return h('span', { class: 'object-summary' }, objectLink(row, nav), ` ${formatBytes(row.size)} `, typeName(row.type),
    row.retained !== null ? h('span', { class: 'muted' }, ` retains ${formatBytes(row.retained)}`) : '',
    row.reachable === false ? h('span', { class: 'garbage' }, ' garbage') : '', suffix);
}
