/**
 * The answers first: leak suspects (what holds most of the heap, and why) and leaked
 * goroutines, at the top of the Overview. Each suspect is one sentence, the path from its
 * root to what accumulates, and where it was allocated; each leak, where the goroutines are
 * blocked, what on, and what only they keep alive.
 */
import type { LeakGroup, LeakReport, Suspect, SuspectReport } from '../../src/protocol/rpc';
import { formatAddress, formatBytes, formatCount, formatPercent } from '../../src/protocol/units';
import { h, link } from '../dom';
import { frameLink } from '../frames';
import { query, send } from '../host';
import type { Nav } from '../objects';

export class SuspectsPanel {
  readonly element = h('section', { class: 'suspects', 'aria-label': 'Leak suspects' });
  /** The answers for one program binary (names change when one is chosen). */
  private loaded: { key: string; answers: Promise<[SuspectReport, LeakReport]> } | undefined;

  constructor(private readonly nav: Nav) {}

  /** Shows the suspects once the analysis is complete (they need retained sizes). */
  render(complete: boolean, program: string | undefined): void {
    if (!complete) {
      this.element.replaceChildren(h('h2', {}, 'Leak suspects'),
        h('p', { class: 'muted' }, h('span', { class: 'codicon codicon-loading codicon-modifier-spin' }), ' Found when the dominator tree is ready.'));
      return;
    }
    const key = program ?? '';
    if (this.loaded?.key === key) return;
    const answers = Promise.all([query('suspects', undefined), query('leaks', undefined)]);
    this.loaded = { key, answers };
    answers.then(([s, l]) => this.show(s, l), (e: Error) => this.element.replaceChildren(h('h2', {}, 'Leak suspects'), h('p', { class: 'error-text' }, e.message)));
  }

  private show(report: SuspectReport, leaks: LeakReport): void {
    const proven = leaks.leaks.filter((l) => l.proof === 'proven');
    const unproven = leaks.leaks.filter((l) => l.proof !== 'proven');
    const list = h('ol', { class: 'suspect-list' });
    for (const s of report.suspects) list.append(this.suspect(s));
    for (const l of proven) list.append(this.leak(l));
    const intro = report.suspects.length || proven.length
      ? `What holds ${formatPercent(report.threshold, 1)} or more of the ${formatBytes(report.reachableBytes)} reachable, and goroutines blocked forever:`
      : `Nothing holds ${formatPercent(report.threshold, 1)} or more of the ${formatBytes(report.reachableBytes)} reachable, and no goroutine is blocked forever.`;
    this.element.replaceChildren(h('h2', {}, 'Leak suspects'), h('p', { class: 'muted' }, intro), list);
    if (unproven.length) {
      this.element.append(h('p', { class: 'muted' },
        `${formatCount(unproven.reduce((a, l) => a + l.count, 0))} goroutines wait on locks that look unreachable, but ${leaks.version} does not link lock waits to their locks, so this cannot be proven (Go 1.26 can). See the Goroutines tab.`));
    }
  }

  private suspect(s: Suspect): HTMLElement {
    const item = h('li', { class: 'suspect' });
    const head = h('p', { class: 'suspect-sentence' }, h('span', { class: 'codicon codicon-warning', 'aria-hidden': 'true' }), ' ', s.sentence);
    const actions = h('span', { class: 'suspect-actions' });
    if (s.accumulation) {
      const a = s.accumulation;
      actions.append(link(`Why alive? (${formatAddress(a.address)})`, `Open the ${a.container === 'object' ? 'object' : a.container} that holds them in the inspector: its paths to the roots and what it retains`, () => this.nav.openObject(a.index)));
    }
    for (const f of s.allocatedAt.slice(0, 1)) actions.append(' ', link('Allocation site', `Open ${f.file ?? f.function}${f.line ? `:${f.line}` : ''}`, () => send({ type: 'openFrame', frame: f })));
    head.append(' ', actions);
    item.append(head);
    const path = h('ol', { class: 'suspect-path', 'aria-label': 'Path from the root' });
    path.append(h('li', {}, h('span', { class: 'muted' }, `${s.root.kind}: `), s.root.name));
    for (const hop of s.path) {
      path.append(h('li', {}, hop.count > 1 ? `${formatCount(hop.count)} × ` : '', h('span', { class: 'type-name' }, hop.type), hop.field ? h('span', { class: 'muted' }, ` .${hop.field.replace(/^\./, '')}`) : ''));
    }
    const details = h('details', {}, h('summary', {}, 'Path from the root and allocation sites'), path);
    if (s.allocatedAt.length) {
      const sites = h('ul', { class: 'suspect-sites' });
      for (const f of s.allocatedAt) sites.append(h('li', {}, `${formatCount(f.count)} sampled in `, frameLink(f)));
      details.append(h('p', { class: 'muted' }, 'Allocated in:'), sites);
    }
    item.append(details);
    return item;
  }

  private leak(l: LeakGroup): HTMLElement {
    const item = h('li', { class: 'suspect leak' });
    const sentence = `${formatCount(l.count)} goroutine${l.count === 1 ? '' : 's'} leaked, blocked forever [${l.waitReason}]${l.blockedFor ? ` for at least ${l.blockedFor}` : ''}${l.pinnedBytes ? `, keeping ${formatBytes(l.pinnedBytes)} alive` : ''}`;
    const head = h('p', { class: 'suspect-sentence' }, h('span', { class: 'codicon codicon-debug-pause', 'aria-hidden': 'true' }), ' ', sentence);
    if (l.blockedIn) head.append(' in ', frameLink(l.blockedIn));
    head.append(' ', link('Show in sidebar', 'Show these goroutines in the Goroutines view', () => send({ type: 'revealGoroutine', goroutine: l.goroutines[0] })));
    item.append(head);
    const facts = h('ul', { class: 'suspect-path' });
    if (l.object) {
      const o = l.object;
      facts.append(h('li', {}, 'waiting on ', link(formatAddress(o.address), 'Open it in the object inspector', () => this.nav.openObject(o.index)), ` ${o.type}, held only by ${o.holders}`));
    }
    if (l.createdBy) facts.append(h('li', {}, frameLink(l.createdBy, 'created by ')));
    facts.append(h('li', { class: 'muted' }, `goroutines ${l.goids.slice(0, 20).join(' ')}${l.count > 20 ? ' ...' : ''}`));
    item.append(h('details', {}, h('summary', {}, 'What they wait on and who created them'), facts));
    return item;
  }
}
