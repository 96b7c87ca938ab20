/**
 * Values shown as Go prints them. The expected strings are Go's own: a program read each
 * time.Time's wall and ext words through unsafe and printed t.UTC().Format(...) beside them.
 */
import * as assert from 'assert';
import { bytePreview, formatGoTime } from '../../src/engine/analysis/objectFields';

describe('Go values', function () {
  it('formats time.Time words as Go does, with and without a monotonic reading', function () {
    const cases: [bigint, bigint, string][] = [
      [14032582231722462738n, 54613n, '2026-12-07 10:07:00.59182645 UTC'], // time.Now(): monotonic
      [123456789n, 63932232612n, '2026-12-07 09:30:12.123456789 UTC'],
      [0n, 63050843045n, '1999-01-02 03:04:05 UTC'],
      [1n, 72562435200n, '2300-06-01 00:00:00.000000001 UTC'],
      [0n, 0n, '0001-01-01 00:00:00 UTC'], // the zero Time
    ];
    for (const [wall, ext, want] of cases) assert.strictEqual(formatGoTime(wall, ext), want, `wall ${wall} ext ${ext}`);
  });

  it('shows a []byte as text when it is text, else as hex', function () {
    assert.strictEqual(bytePreview(new TextEncoder().encode('GET /orders HTTP/1.1\r\n')), '"GET /orders HTTP/1.1\\r\\n"');
    assert.strictEqual(bytePreview(new TextEncoder().encode('prix: 12 €')), '"prix: 12 €"');
    assert.strictEqual(bytePreview(new Uint8Array([0, 1, 0xfe, 0x41])), '0x0001fe41');
    assert.strictEqual(bytePreview(new Uint8Array([0xc3, 0x28])), '0xc328', 'invalid UTF-8 is not text');
  });
});
