/**
 * A frame shown as Go prints it ("main.worker orders.go:42"), and as a link to its source
 * whose tooltip names the local file it opens (asked of the host when the pointer or focus
 * first reaches it, then kept).
 */
import type { SourceFrame } from '../src/protocol/rpc';
import { baseName } from '../src/protocol/units';
import { h, link } from './dom';
import { onHostMessage, openFrame, send } from './host';

interface Where {
  path: string | null;
  note: string;
}

/** Local file (or why none) by build path, and the links waiting for an answer. */
const described = new Map<string, Where>();
const waiting = new Map<string, Set<HTMLElement>>();

onHostMessage((m) => {
  if (m.type !== 'sourceResolved') return;
  const where = { path: m.path, note: m.note };
  described.set(m.file, where);
  for (const a of waiting.get(m.file) ?? []) if (a.isConnected) a.title = title(a, where);
  waiting.delete(m.file);
});

function title(a: HTMLElement, where: Where): string {
  const approximate = a.dataset.approximate ? '\nA line of this function from the memory profile, not this frame\'s own' : '';
  return `${where.path === null ? '' : `Open ${where.path}:${a.dataset.line}\n`}${where.note}${approximate}`.trim();
}

function describeOnce(a: HTMLElement, file: string): void {
  const known = described.get(file);
  if (known !== undefined) {
    a.title = title(a, known);
    return;
  }
  const set = waiting.get(file);
  if (set) {
    set.add(a);
    return;
  }
  waiting.set(file, new Set([a]));
  send({ type: 'resolveSource', file });
}

export function frameLink(f: SourceFrame, prefix = ''): HTMLElement {
  const where = f.file && f.line ? `${f.approximate ? '~' : ''}${baseName(f.file)}:${f.line}` : '';
  // The whole frame is one link: people click the file:line as often as the function.
  const a = link(f.function, `Open the declaration of ${f.function}`, () => openFrame(f));
  if (f.file && f.line) {
    const file = f.file;
    a.dataset.line = String(f.line);
    if (f.approximate) a.dataset.approximate = 'true';
    a.title = title(a, { path: file, note: '' });
    const ask = () => describeOnce(a, file);
    a.addEventListener('mouseenter', ask, { once: true });
    a.addEventListener('focus', ask, { once: true });
    a.append(h('span', { class: 'frame-where' }, ` ${where}`));
  }
  return h('span', { class: 'frame' }, prefix, a,
    f.inlined ? h('span', { class: 'muted', title: 'The compiler inlined this call into the function below: they share one stack frame.' }, ' (inlined)') : '');
}
