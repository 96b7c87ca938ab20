// The lint rules that keep the engine's layers and the absence of import cycles: a planted
// violation, linted as if it were the file on disk, must fail.
import * as assert from 'assert';
import { ESLint } from 'eslint';
import { readFileSync } from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '../..');

async function lintWith(file: string, extra: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const abs = path.join(root, file);
  const [result] = await eslint.lintText(readFileSync(abs, 'utf8') + '\n' + extra, { filePath: abs });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('engine layers (lint)', function () {
  this.timeout(60_000);

  it('the tree as it is passes', async () => {
    assert.deepStrictEqual(await lintWith('src/engine/format/errors.ts', ''), []);
  });

  it('fails on a planted import cycle', async () => {
    // model.ts imports errors.ts; errors.ts importing model.ts back closes a cycle.
    const messages = await lintWith('src/engine/format/errors.ts', "import { objectSize } from './model';\nexport const planted = objectSize;");
    assert.ok(messages.some((m) => m.startsWith('import-x/no-cycle')), messages.join('\n'));
  });

  it('fails on an import from a higher layer', async () => {
    const messages = await lintWith('src/engine/graph/graph.ts', "import type { Heap } from '../analysis/heap';\nexport type Planted = Heap;");
    assert.ok(messages.some((m) => m.includes('may import only format/, util/')), messages.join('\n'));
  });

  it('lets a lower layer name the API types but not use its values', async () => {
    assert.deepStrictEqual(await lintWith('src/engine/program/elf.ts', "import type { Phase } from '../api';\nexport type Planted = Phase;"), []);
    const messages = await lintWith('src/engine/program/elf.ts', "import { PHASE_TITLES } from '../api';\nexport const planted = PHASE_TITLES;");
    assert.ok(messages.some((m) => m.includes('only types from api.ts')), messages.join('\n'));
  });

  it('keeps the engine off the extension host and out of the webview', async () => {
    const host = await lintWith('src/host/log.ts', "import { Heap } from '../engine/analysis/heap';\nexport const planted = Heap;");
    assert.ok(host.some((m) => m.includes('not on the extension host thread')), host.join('\n'));
    const web = await lintWith('webview/dom.ts', "import { Heap } from '../src/engine/analysis/heap';\nexport const planted = Heap;");
    assert.ok(web.some((m) => m.includes('webview/ imports only src/protocol')), web.join('\n'));
  });
});
