/**
 * The agent tools: VS Code's language-model tools in package.json are the MCP server's, and
 * their arguments are checked before anything runs.
 */
import * as assert from 'assert';
import { readFileSync } from 'fs';
import { join } from 'path';
import { AGENT_TOOLS, checkArgs } from '../../src/protocol/agentTools';
import { DEFAULT_ALLOCATION_HELPERS } from '../../src/engine/format/userFrames';
import { REPO } from '../support/corpus';
import { expectedContributions } from '../support/languageModelTools';

describe('agent tools', function () {
  it('package.json contributes the same tools as goheap mcp (regenerate: npx tsx test/support/languageModelTools.ts)', function () {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
    assert.deepStrictEqual(pkg.contributes.languageModelTools, expectedContributions());
  });

  it('refuses malformed arguments with a message naming the argument', function () {
    const types = AGENT_TOOLS.find((t) => t.name === 'types');
    assert.ok(types);
    assert.deepStrictEqual(checkArgs(types, { dump: 'x.heapdump', start: 0, end: 10, sort: 'bytes' }), { dump: 'x.heapdump', start: 0, end: 10, sort: 'bytes' });
    assert.throws(() => checkArgs(types, {}), /needs "dump"/);
    assert.throws(() => checkArgs(types, { dump: 'x', start: -1 }), /"start" must be an integer >= 0/);
    assert.throws(() => checkArgs(types, { dump: 'x', sort: 'size' }), /one of retained, bytes, count/);
    assert.throws(() => checkArgs(types, { dump: 'x', extra: true }), /unknown argument "extra"/);
    assert.throws(() => checkArgs(types, ['x']), /must be an object/);
  });
});

describe('settings', function () {
  it('the allocation helpers setting defaults to the engine\'s list', function () {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
    assert.deepStrictEqual(pkg.contributes.configuration.properties['goHeapDump.allocationHelpers'].default, DEFAULT_ALLOCATION_HELPERS);
  });
});
