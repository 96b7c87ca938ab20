/**
 * The heap dump editor's webview: a header with the analysis progress, a banner when the
 * file is damaged, and the tabs. It says `ready` first; the host answers with the state.
 */
import type { ObjectRow, RetainerTarget } from '../src/protocol/rpc';
import { PHASE_TITLES } from '../src/protocol/rpc';
import type { EditorState } from '../src/protocol/webviewMessages';
import { formatAddress } from '../src/protocol/units';
import { showMenu } from './contextMenu';
import { clear, h } from './dom';
import { copyText, loadState, onHostMessage, saveState, send } from './host';
import { AllocationsTab } from './tabs/allocations';
import { CompareTab } from './tabs/compare';
import { DominatorsTab } from './tabs/dominators';
import { GoroutinesTab } from './tabs/goroutines';
import { ObjectsTab } from './tabs/objects';
import { OverviewTab } from './tabs/overview';
import { RootsTab } from './tabs/roots';
import { TypesTab } from './tabs/types';
import { registerToolkit } from './toolkit';

registerToolkit();

interface Tab {
  id: string;
  title: string;
  element: HTMLElement;
  refresh?(): void;
}

class App {
  private readonly root = document.getElementById('app') as HTMLElement;
  /** Painted by the page's HTML before this script runs (webviewHtml.ts), then kept up to date. */
  private readonly header = document.querySelector<HTMLElement>('.app-header') ?? h('header', { class: 'app-header' });
  private readonly banner = h('div', { class: 'banner', role: 'alert', hidden: true });
  /** A query that failed (timed out, unreadable answer): said here, never a blank view. */
  private readonly notice = h('div', { class: 'banner notice', role: 'alert', hidden: true });
  private readonly main = h('main', { class: 'app-main' });
  private tabs: Tab[] | undefined;
  private panels: HTMLElement | undefined;
  private overview: OverviewTab | undefined;
  private objects: ObjectsTab | undefined;
  private compare: CompareTab | undefined;
  private fileName = '';
  private complete = false;
  /** The program binary the names and lines come from (views refill when it changes). */
  private programFile: string | undefined;

  constructor() {
    this.root.append(this.header, this.banner, this.notice, this.main);
    // What the policy blocks does not apply, silently: counted on the body (the UI test
    // fails on any) and logged by the host.
    let violations = 0;
    document.addEventListener('securitypolicyviolation', (e) => {
      document.body.dataset.cspViolations = String(++violations);
      send({ type: 'cspViolation', directive: e.violatedDirective, source: `${e.sourceFile}:${e.lineNumber}`, sample: e.sample });
    });
    window.addEventListener('unhandledrejection', (e) => {
      e.preventDefault();
      this.showNotice(e.reason instanceof Error ? e.reason.message : String(e.reason));
    });
    onHostMessage((m) => {
      if (m.type === 'state') {
        this.fileName = m.fileName;
        this.onState(m.state);
      } else if (m.type === 'showObject') {
        this.openObject(m.index);
      } else if (m.type === 'baseline') {
        this.showTab('compare');
        void this.compare?.load(m.name);
      }
    });
    send({ type: 'ready' });
  }

  private onState(s: EditorState): void {
    this.renderHeader(s);
    if (s.kind === 'failed') {
      this.renderFailure(s.message, s.offset, s.crashed);
      return;
    }
    const overview = s.overview;
    if (!overview) return;
    if (overview.problem) {
      const p = overview.problem;
      this.banner.hidden = false;
      this.banner.replaceChildren(
        h('span', { class: 'codicon codicon-warning' }),
        ` This dump is ${p.truncated ? 'truncated' : 'damaged'}: showing ${overview.objectCount === 0 ? 'no objects (none came before it), only what was' : `the ${overview.objectCount.toLocaleString('en-US')} object${overview.objectCount === 1 ? '' : 's'} and everything else`} read before byte ${p.offset.toLocaleString('en-US')}${p.recordKind ? ` (in a ${p.recordKind} record)` : ''}. `,
        h('span', { class: 'muted' }, p.message),
        p.notRead.length ? h('div', {}, `Never read: ${p.notRead.join('; ')}.`) : '',
      );
    }
    const firstOverview = !this.tabs;
    if (firstOverview) this.buildTabs();
    const complete = s.kind === 'ready';
    this.overview?.render(overview, complete, s.kind === 'ready' && s.fromCache);
    const programFile = overview.program?.file;
    const programChanged = programFile !== this.programFile;
    this.programFile = programFile;
    if ((complete && !this.complete) || programChanged) {
      this.complete ||= complete;
      // Retained sizes, or names and lines from the program, arrived: refill the tables.
      if (!firstOverview) for (const t of this.tabs ?? []) t.refresh?.();
    }
  }

  private showNotice(message: string): void {
    const close = h('vscode-button', { appearance: 'icon', 'aria-label': 'Dismiss', title: 'Dismiss' }, h('span', { class: 'codicon codicon-close' }));
    close.addEventListener('click', () => {
      this.notice.hidden = true;
    });
    this.notice.replaceChildren(h('span', { class: 'codicon codicon-warning' }), ' A view could not be filled: ', message, ' ', close);
    this.notice.hidden = false;
  }

  private renderHeader(s: EditorState): void {
    clear(this.header);
    this.header.append(h('span', { class: 'file-name' }, this.fileName));
    if (s.kind === 'loading') {
      const bar = h('progress', { class: 'phase-progress', max: 1, 'aria-label': PHASE_TITLES[s.phase] });
      if (s.fraction !== undefined) (bar as HTMLProgressElement).value = s.fraction;
      this.header.append(h('span', { class: 'phase', role: 'status' },
        h('span', { class: 'codicon codicon-loading codicon-modifier-spin' }), ` ${PHASE_TITLES[s.phase]}${s.fraction !== undefined ? ` ${Math.floor(s.fraction * 100)}%` : '...'}`), bar);
    } else if (s.kind === 'ready') {
      this.header.append(h('span', { class: 'phase muted', role: 'status' }, `${s.overview.goVersion} · ${s.overview.arch}`));
    }
  }

  private renderFailure(message: string, offset: number | undefined, crashed: boolean): void {
    if (crashed && this.tabs) {
      // What is shown stays: the analysis stopped after the views were filled.
      this.banner.hidden = false;
      this.banner.replaceChildren(h('span', { class: 'codicon codicon-error' }), ' The analysis stopped: ', message,
        h('span', { class: 'muted' }, ' What is shown stays; views that need more from the analysis cannot be filled. Close and reopen the file to try again.'));
      return;
    }
    clear(this.main);
    this.banner.hidden = true;
    const button = h('vscode-button', {}, 'Reopen with Text Editor');
    button.addEventListener('click', () => send({ type: 'reopenAsText' }));
    this.main.append(h('div', { class: 'failure', role: 'alert' },
      h('h2', {}, h('span', { class: 'codicon codicon-error' }), crashed ? ' The analysis stopped' : ' This file cannot be read as a Go heap dump'),
      h('p', {}, message),
      offset !== undefined ? h('p', { class: 'muted' }, `At byte offset ${offset.toLocaleString('en-US')} (0x${offset.toString(16)}).`) : '',
      crashed ? h('p', { class: 'muted' }, 'Other editors and VS Code are not affected. Close and reopen the file to try again.') : h('p', { class: 'muted' }, 'Heap dumps are written by runtime/debug.WriteHeapDump and start with "go1.7 heap dump".'),
      button));
    this.tabs = undefined;
  }

  private buildTabs(): void {
    const nav = {
      openObject: (i: number) => this.openObject(i),
      objectMenu: (r: ObjectRow, at: { x: number; y: number }) => this.objectMenu(r, at),
      whyAlive: (of: RetainerTarget, title: string) => {
        this.showTab('objects');
        this.objects?.showRetainers(of, title);
      },
    };
    this.overview = new OverviewTab({ ...nav, chooseBinary: () => send({ type: 'chooseBinary' }), clearAnalysisCache: () => send({ type: 'clearAnalysisCache' }) });
    this.objects = new ObjectsTab(nav);
    const types = new TypesTab(nav);
    const dominators = new DominatorsTab(nav);
    const goroutines = new GoroutinesTab(nav);
    const allocations = new AllocationsTab(nav);
    const roots = new RootsTab(nav);
    this.compare = new CompareTab(nav);
    const compare = this.compare;
    const objects = this.objects;
    this.tabs = [
      { id: 'overview', title: 'Overview', element: this.overview.element },
      { id: 'types', title: 'Types', element: types.element, refresh: () => types.refresh() },
      { id: 'objects', title: 'Objects', element: objects.element, refresh: () => objects.refresh() },
      { id: 'dominators', title: 'Dominators', element: dominators.element, refresh: () => dominators.refresh() },
      { id: 'goroutines', title: 'Goroutines', element: goroutines.element, refresh: () => goroutines.refresh() },
      { id: 'allocations', title: 'Allocations', element: allocations.element, refresh: () => allocations.refresh() },
      { id: 'roots', title: 'Roots', element: roots.element, refresh: () => roots.refresh() },
      { id: 'compare', title: 'Compare', element: compare.element, refresh: () => compare.refresh() },
    ];
    const panels = h('vscode-panels', { activeid: `tab-${loadState('tab', 'overview')}`, 'aria-label': 'Heap dump views' });
    for (const t of this.tabs) panels.append(h('vscode-panel-tab', { id: `tab-${t.id}` }, t.title.toUpperCase()));
    for (const t of this.tabs) panels.append(h('vscode-panel-view', { id: `view-${t.id}` }, t.element));
    panels.addEventListener('change', () => {
      const id = panels.getAttribute('activeid')?.replace(/^tab-/, '');
      if (id) saveState('tab', id);
    });
    this.panels = panels;
    clear(this.main);
    this.main.append(panels);
  }

  private showTab(id: string): void {
    if (!this.panels) return;
    this.panels.setAttribute('activeid', `tab-${id}`);
    saveState('tab', id);
  }

  /** Shows an object in the inspector (Objects tab). */
  openObject(index: number): void {
    if (!this.objects) return;
    this.showTab('objects');
    this.objects.show(index);
  }

  objectMenu(row: ObjectRow, at: { x: number; y: number }): void {
    showMenu([
      { label: 'Open in Object Inspector', run: () => this.openObject(row.index) },
      { label: 'Why Is It Alive? (who holds it)', run: () => { this.showTab('objects'); this.objects?.showRetainers({ object: row.index }, `${formatAddress(row.address)} ${row.type.name}`); } },
      { label: `Copy Address ${formatAddress(row.address)}`, run: () => copyText(formatAddress(row.address)) },
      { label: 'Copy Type Name', run: () => copyText(row.type.name) },
    ], at);
  }
}

new App();
