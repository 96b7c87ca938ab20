/** Overview: what the dump is, how much heap is live and garbage, MemStats, GC pauses. */
import type { Overview, OverviewStat } from '../../src/protocol/rpc';
import type { Nav } from '../objects';
import { formatAddress, formatBytes, formatCount, formatNs, formatPercent, phantomSlotsText, samplingText, stackWordText } from '../../src/protocol/units';
import { clear, h, link, svg } from '../dom';
import { SuspectsPanel } from './suspects';

export interface OverviewActions extends Nav {
  chooseBinary(): void;
  clearAnalysisCache(): void;
}

export class OverviewTab {
  readonly element = h('div', { class: 'tab-body overview' });
  private readonly suspects: SuspectsPanel;

  constructor(private readonly actions: OverviewActions) {
    this.suspects = new SuspectsPanel(actions);
  }

  render(o: Overview, complete: boolean, fromCache = false): void {
    clear(this.element);
    // The answer first: what holds memory, and goroutines blocked forever.
    this.suspects.render(complete, o.program?.file);
    this.element.append(this.suspects.element);
    const reach = o.reachableCount !== null && o.reachableBytes !== null;
    const rootsMissing = o.problem?.notRead.find((x) => x.startsWith('roots'));
    const pending = () => (rootsMissing ? 'unknown: the dump ends before its roots (globals) were written' : computing());
    const facts: [string, string | Node][] = [
      ['Go version', o.goVersion],
      ['Architecture', `${o.arch}, ${o.ptrSize * 8}-bit${o.bigEndian ? ', big-endian' : ''}`],
      ['CPUs', String(o.ncpu)],
      ['Heap range', `${formatAddress(o.heapStart)} – ${formatAddress(o.heapEnd)}`],
      ['Objects', `${formatCount(o.objectCount)} (${formatBytes(o.objectBytes)})`],
      ...(o.phantomSlots.count ? [['Phantom slots', phantomSlotsText(o)] as [string, string]] : []),
      ['Reachable', reach ? `${formatCount(o.reachableCount as number)} (${formatBytes(o.reachableBytes as number)}, ${formatPercent(o.reachableBytes as number, o.objectBytes)})` : pending()],
      ...(o.stackWordReachable?.count ? [['Stack words', stackWordText(o.stackWordReachable)] as [string, string]] : []),
      ['Garbage', reach ? `${formatCount(o.objectCount - (o.reachableCount as number))} (${formatBytes(o.objectBytes - (o.reachableBytes as number))}) not yet collected` : pending()],
      ['Goroutines', `${formatCount(o.goroutineCount)} (${formatCount(o.frameCount)} stack frames)`],
      ['Memory profile', o.siteCount ? `${formatCount(o.siteCount)} buckets, ${formatCount(o.sampledObjects)} sampled objects${o.samplingRate ? `, ${samplingText(o.samplingRate)}` : ''}` : o.problem?.notRead.some((x) => x.startsWith('memory profile')) ? 'not read: the dump ends before it' : 'none in this dump'],
      ['File', formatBytes(o.fileSize)],
      ['Program', this.program(o)],
      ...(fromCache ? [['Analysis', this.fromCache()] as [string, Node]] : []),
    ];
    const dl = h('dl', { class: 'facts' });
    for (const [k, v] of facts) dl.append(h('dt', {}, k), h('dd', {}, v));
    this.element.append(h('section', { 'aria-label': 'Summary' }, h('h2', {}, 'Summary'), dl));

    this.element.append(this.retainers(o, complete));
    if (o.gcPauses.length) this.element.append(pauseChart(o.gcPauses, o.numGC));
    if (o.memStats.length) this.element.append(memStatsTable(o.memStats));
  }

  /** Says the analysis was read from the cache (not computed now), with a way to empty it. */
  private fromCache(): Node {
    const clearIt = h('vscode-button', { appearance: 'secondary' }, 'Clear Analysis Cache...');
    clearIt.addEventListener('click', () => this.actions.clearAnalysisCache());
    return h('span', {}, h('span', { class: 'muted' }, 'read from the analysis cache, as computed when this file was opened before. '), clearIt);
  }

  /** The program binary in use, or a way to choose one (names, lines and types get exact). */
  private program(o: Overview): Node {
    const choose = h('vscode-button', { appearance: 'secondary' }, o.program ? 'Choose Another...' : 'Choose Program Binary...');
    choose.addEventListener('click', () => this.actions.chooseBinary());
    if (!o.program) {
      return h('span', {}, h('span', { class: 'muted' }, 'none: frame lines are approximate, globals and some types unnamed. '), choose);
    }
    const p = o.program;
    return h('span', {},
      h('span', { class: 'mono' }, p.file),
      ` (${p.goVersion}${p.mainPath ? `, ${p.mainPath}` : ''}; ${formatCount(p.functions)} functions, ${p.stripped ? 'stripped: globals unnamed' : `${formatCount(p.globals)} globals`}) `,
      p.dwarfProblem ? h('span', { class: 'muted' }, `Objects are not typed from it: ${p.dwarfProblem}. `) : '',
      choose);
  }

  private retainers(o: Overview, complete: boolean): HTMLElement {
    const section = h('section', { 'aria-label': 'Biggest retainers' }, h('h2', {}, 'Biggest retainers'));
    if (!complete && o.topRetainers.length === 0) {
      section.append(computing('Retained sizes appear when the dominator tree is ready.'));
      return section;
    }
    const total = o.reachableBytes ?? o.objectBytes;
    const table = h('table', { class: 'simple' },
      h('thead', {}, h('tr', {}, h('th', { class: 'right' }, 'Retained'), h('th', { class: 'right' }, '%'), h('th', { class: 'right' }, 'Size'), h('th', {}, 'Address'), h('th', {}, 'Type'))));
    const body = h('tbody');
    for (const r of o.topRetainers) {
      const tr = h('tr', {},
        h('td', { class: 'right' }, formatBytes(r.retained ?? 0)),
        h('td', { class: 'right' }, formatPercent(r.retained ?? 0, total)),
        h('td', { class: 'right' }, formatBytes(r.size)),
        h('td', { class: 'mono' }, link(formatAddress(r.address), 'Open in the object inspector', () => this.actions.openObject(r.index))),
        h('td', { title: `type from: ${r.type.source}` }, r.type.name));
      tr.addEventListener('contextmenu', (e) => {
        e.preventDefault();
        this.actions.objectMenu(r, { x: e.clientX, y: e.clientY });
      });
      body.append(tr);
    }
    table.append(body);
    section.append(table);
    return section;
  }
}

function computing(text = 'computing...'): HTMLElement {
  return h('span', { class: 'muted' }, h('span', { class: 'codicon codicon-loading codicon-modifier-spin' }), ' ', text);
}

/** GC pauses, oldest to newest (the ring buffer read in NumGC order), with a time axis and collection numbers. */
function pauseChart(pauses: number[], numGC: number): HTMLElement {
  const bar = Math.min(24, 640 / pauses.length);
  const left = 64; // y-axis labels
  const bottom = 18; // x-axis labels
  const height = 120;
  const width = left + bar * pauses.length;
  const max = niceCeiling(Math.max(...pauses, 1));
  const first = numGC - pauses.length + 1;
  const chart = svg('svg', { viewBox: `0 0 ${width + 4} ${height + bottom + 6}`, width: width + 4, class: 'pause-chart', role: 'img', 'aria-label': `GC pauses of the last ${pauses.length} collections (#${first} to #${numGC}), longest ${formatNs(Math.max(...pauses))}` });
  const text = (x: number, y: number, anchor: string, content: string) => {
    const t = svg('text', { x, y, 'text-anchor': anchor, class: 'axis-label' });
    t.textContent = content;
    return t;
  };
  const top = 6;
  for (const f of [0, 0.5, 1]) {
    const y = top + height - f * height;
    chart.append(svg('line', { x1: left - 4, x2: width, y1: y, y2: y, class: f === 0 ? 'axis' : 'grid-line' }), text(left - 8, y + 4, 'end', formatNs(Math.round(f * max))));
  }
  pauses.forEach((p, k) => {
    const bh = Math.max(1, (p / max) * height);
    const rect = svg('rect', { x: left + k * bar + 0.5, y: top + height - bh, width: Math.max(1, bar - 1), height: bh, class: 'bar' });
    const title = svg('title');
    title.textContent = `GC #${first + k}: ${formatNs(p)}`;
    rect.append(title);
    chart.append(rect);
  });
  chart.append(text(left, top + height + bottom, 'start', `#${first}`), text(width, top + height + bottom, 'end', `#${numGC}`),
    text(left + (width - left) / 2, top + height + bottom, 'middle', 'collection'));
  const total = pauses.reduce((a, b) => a + b, 0);
  return h('section', { 'aria-label': 'GC pauses' },
    h('h2', {}, 'GC pauses'),
    h('p', { class: 'muted' }, `Last ${pauses.length} of ${numGC} collections, oldest first: longest ${formatNs(Math.max(...pauses))}, mean ${formatNs(Math.round(total / pauses.length))}.`),
    chart);
}

/** The smallest of 1, 2, 2.5 or 5 times a power of ten at or above n: round axis ticks. */
function niceCeiling(n: number): number {
  const p = 10 ** Math.floor(Math.log10(n));
  return ([1, 2, 2.5, 5, 10].find((m) => m * p >= n) ?? 10) * p;
}

function memStatsTable(stats: OverviewStat[]): HTMLElement {
  const body = h('tbody');
  for (const s of stats) {
    const n = Number(s.value);
    const shown = s.unit === 'bytes' ? `${formatBytes(n)} (${formatCount(n)} B)`
      : s.unit === 'ns' ? formatNs(n)
        : s.unit === 'time' ? (n > 0 ? new Date(n / 1e6).toISOString() : 'never') : formatCount(n);
    body.append(h('tr', {}, h('th', { scope: 'row' }, s.name), h('td', { class: 'right mono' }, shown), h('td', { class: 'muted' }, s.doc)));
  }
  return h('section', { 'aria-label': 'MemStats' },
    h('h2', {}, 'runtime.MemStats at the time of the dump'),
    h('table', { class: 'simple memstats' }, body));
}
