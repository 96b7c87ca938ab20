/** The virtual table's arithmetic: rows with expanded detail lines, and scaled scrolling. */
import * as assert from 'assert';
import { DisplayRows, scrollWindow } from '../../webview/displayRows';

describe('virtual table arithmetic', function () {
  it('interleaves the detail lines of expanded rows', function () {
    const d = new DisplayRows();
    d.setTotal(10);
    d.expand(2, 3);
    d.expand(5, 1);
    assert.strictEqual(d.count, 14);
    const seen = Array.from({ length: d.count }, (_, k) => d.locate(k).join(':'));
    assert.deepStrictEqual(seen, ['0:-1', '1:-1', '2:-1', '2:0', '2:1', '2:2', '3:-1', '4:-1', '5:-1', '5:0', '6:-1', '7:-1', '8:-1', '9:-1']);
    for (let i = 0; i < 10; i++) assert.deepStrictEqual(d.locate(d.indexOf(i)), [i, -1]);
    d.collapse(2);
    assert.strictEqual(d.count, 11);
    assert.deepStrictEqual(d.locate(6), [5, 0]);
    assert.deepStrictEqual(d.expandedRows(), [5]);
  });

  it('drops expansions beyond a shorter list', function () {
    const d = new DisplayRows();
    d.setTotal(10);
    d.expand(8, 4);
    d.setTotal(5);
    assert.strictEqual(d.count, 5);
  });

  it('scrolls lists that fit a browser one to one', function () {
    const w = scrollWindow(220, 1000, 22, 440, 4_000_000);
    assert.deepStrictEqual(w, { spacerPx: 22_000, first: 10, firstTopPx: 220 });
  });

  it('scales lists taller than a browser can scroll, reaching the last row at the bottom', function () {
    const rows = 50_000_000;
    const view = 440;
    const max = 4_000_000;
    const top = scrollWindow(0, rows, 22, view, max);
    assert.strictEqual(top.spacerPx, max);
    assert.strictEqual(top.first, 0);
    const bottom = scrollWindow(max - view, rows, 22, view, max);
    // The last screenful: the first visible row plus the rows that fit end at the list's end.
    assert.strictEqual(bottom.first + Math.floor(view / 22), rows);
    const middle = scrollWindow((max - view) / 2, rows, 22, view, max);
    assert.ok(Math.abs(middle.first - rows / 2) < rows / 1000, `middle of the list: ${middle.first}`);
    assert.ok(middle.firstTopPx <= (max - view) / 2 && middle.firstTopPx > (max - view) / 2 - 22);
  });
});
