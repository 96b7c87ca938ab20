/**
 * "Why is this alive?" for a group of objects: the merged retainer tree, one level at a time
 * (each level: the objects that point at the previous one, merged by type, with the fields
 * they use, and the roots that hold the previous level). Levels open with the keyboard too
 * (they are <details> elements) and load when first opened.
 */
import type { RetainerLevel, RetainerTarget } from '../src/protocol/rpc';
import { formatBytes, formatCount } from '../src/protocol/units';
import { h } from './dom';
import { query } from './host';

export function retainerTree(of: RetainerTarget, title: string): HTMLElement {
  const exclude = h('vscode-checkbox', {}, 'Exclude stack roots') as HTMLElement & { checked: boolean };
  const body = h('div', { class: 'retainer-tree' });
  const load = () => {
    body.replaceChildren(h('p', { class: 'muted' }, 'Loading...'));
    void level(of, [], exclude.checked).then((el) => body.replaceChildren(el), (e: Error) => body.replaceChildren(h('p', { class: 'error-text' }, e.message)));
  };
  exclude.addEventListener('change', load);
  load();
  return h('section', { class: 'why-alive', 'aria-label': `Why ${title} is alive` },
    h('h2', {}, 'Why alive: ', h('span', { class: 'type-name' }, title)),
    h('p', { class: 'muted' }, 'Who points at these objects, merged by type, level by level towards the roots. Open a level to follow only it.'),
    exclude, body);
}

async function level(of: RetainerTarget, path: number[], excludeStacks: boolean): Promise<HTMLElement> {
  const r: RetainerLevel = await query('retainers', { of, path, excludeStacks });
  const list = h('ul', { class: 'retainer-level' });
  for (const root of r.roots) {
    list.append(h('li', { class: 'retainer-root' }, h('span', { class: 'codicon codicon-pinned', 'aria-hidden': 'true' }), ` held by ${root.kind} `,
      h('span', { class: 'mono' }, root.name), h('span', { class: 'muted' }, ` (${formatCount(root.count)} object${root.count === 1 ? '' : 's'} of this level)`)));
  }
  for (const g of r.groups.slice(0, 50)) {
    const summary = h('summary', {}, `${formatCount(g.count)} × `, h('span', { class: 'type-name' }, g.name),
      h('span', { class: 'muted' }, ` via ${g.fields.map((f) => (f.startsWith('+') ? f : `.${f}`)).join(', ')} · ${formatBytes(g.bytes)}`));
    const details = h('details', {}, summary);
    let loaded = false;
    details.addEventListener('toggle', () => {
      if (!details.open || loaded) return;
      loaded = true;
      void level(of, [...path, g.group], excludeStacks).then((el) => details.append(el), (e: Error) => details.append(h('p', { class: 'error-text' }, e.message)));
    });
    list.append(h('li', {}, details));
  }
  if (r.groups.length > 50) list.append(h('li', { class: 'muted' }, `and ${formatCount(r.groups.length - 50)} more types`));
  if (r.groups.length === 0 && r.roots.length === 0) list.append(h('li', { class: 'muted' }, 'Nothing else points at them.'));
  return list;
}
