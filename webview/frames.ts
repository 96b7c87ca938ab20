/** A frame shown as Go prints it ("main.worker orders.go:42"), and as a link to its source. */
import type { SourceFrame } from '../src/protocol/rpc';
import { baseName } from '../src/protocol/units';
import { h, link } from './dom';
import { openFrame } from './host';

export function frameLink(f: SourceFrame, prefix = ''): HTMLElement {
  const where = f.file && f.line ? `${f.approximate ? '~' : ''}${baseName(f.file)}:${f.line}` : '';
  const title = f.file && f.line
    ? `Open ${f.file}:${f.line}${f.approximate ? ' (a line of this function from the memory profile, not this frame\'s own)' : ''}`
    : `Open the declaration of ${f.function}`;
  // The whole frame is one link: people click the file:line as often as the function.
  const a = link(f.function, title, () => openFrame(f));
  if (where) a.append(h('span', { class: 'frame-where' }, ` ${where}`));
  return h('span', { class: 'frame' }, prefix, a,
    f.inlined ? h('span', { class: 'muted', title: 'The compiler inlined this call into the function below: they share one stack frame.' }, ' (inlined)') : '');
}
