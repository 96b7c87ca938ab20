/**
 * The arithmetic of a virtual table, apart from the DOM so that it is unit-tested: data rows
 * interleaved with the detail lines of expanded rows, and the mapping of a scroll position
 * onto rows when the list is taller than a browser can scroll.
 */
export class DisplayRows {
  private total = 0;
  /** Expanded data rows, ascending, with how many detail lines each shows. */
  private expanded: [number, number][] = [];

  setTotal(n: number): void {
    this.total = n;
    this.expanded = this.expanded.filter(([i]) => i < n);
  }

  reset(): void {
    this.total = 0;
    this.expanded = [];
  }

  /** Rows on screen: data rows plus detail lines. */
  get count(): number {
    return this.expanded.reduce((n, [, lines]) => n + lines, this.total);
  }

  expand(i: number, lines: number): void {
    this.collapse(i);
    let k = 0;
    while (k < this.expanded.length && this.expanded[k][0] < i) k++;
    this.expanded.splice(k, 0, [i, lines]);
  }

  collapse(i: number): void {
    this.expanded = this.expanded.filter(([j]) => j !== i);
  }

  isExpanded(i: number): boolean {
    return this.expanded.some(([j]) => j === i);
  }

  expandedRows(): number[] {
    return this.expanded.map(([i]) => i);
  }

  /** The data row at display position d, and the detail line (-1 for the data row itself). */
  locate(d: number): [number, number] {
    let offset = 0;
    for (const [i, lines] of this.expanded) {
      const at = i + offset;
      if (d <= at) return [d - offset, -1];
      if (d <= at + lines) return [i, d - at - 1];
      offset += lines;
    }
    return [d - offset, -1];
  }

  /** Display position of data row i. */
  indexOf(i: number): number {
    let offset = 0;
    for (const [j, lines] of this.expanded) {
      if (j >= i) break;
      offset += lines;
    }
    return i + offset;
  }
}

/**
 * Where the rows of a list go for a scroll position. A list taller than `maxPx` gets a scroll
 * range of maxPx that maps proportionally onto the whole list.
 */
export function scrollWindow(scrollTop: number, rows: number, rowPx: number, viewPx: number, maxPx: number): {
  /** Height of the scrollable content. */
  spacerPx: number;
  /** First row (partly) visible. */
  first: number;
  /** Where that row's top goes, relative to the scroll content's top. */
  firstTopPx: number;
} {
  const full = rows * rowPx;
  const spacerPx = Math.min(full, maxPx);
  const scale = full > spacerPx && spacerPx > viewPx ? (full - viewPx) / (spacerPx - viewPx) : 1;
  const virtualTop = scrollTop * scale;
  const first = Math.min(Math.max(0, rows - 1), Math.floor(virtualTop / rowPx));
  return { spacerPx, first, firstTopPx: scrollTop - (virtualTop - first * rowPx) };
}
