/**
 * The summary of every dump with a reference-decoder summary (the shared corpus of Go 1.19 to
 * 1.26, and our own samples) equals the reference decoder's on every key both write.
 */
import * as assert from 'assert';
import { readFileSync } from 'fs';
import { basename, relative } from 'path';
import { buildGraph } from '../../src/engine/graph/graph';
import { decodeDump } from '../../src/engine/format/decoder';
import { toJson } from '../../src/engine/util/json';
import { summarize } from '../../src/engine/analysis/summary';
import { FileByteSource } from '../../src/worker/fileByteSource';
import { REPO, dumpsWithSummaries, hasSharedCorpus, parseJsonExact } from '../support/corpus';

/** Oracle keys that describe its own typing heuristic, which the engine reports elsewhere. */
const ORACLE_ONLY_GRAPH_KEYS = ['objects_typed_via_itab_or_type_record', 'objects_typed_fraction', 'note'];

describe('conformance with the reference decoder', function () {
  const dumps = dumpsWithSummaries();
  before(function () {
    if (!hasSharedCorpus) console.log('    ../shared/heapdumps not found: skipping the shared corpus, checking samples/ only');
  });

  it('finds dumps to check', function () {
    assert.ok(dumps.length > 0, 'no dump with a .summary.json found');
  });

  for (const path of dumps) {
    it(relative(REPO, path), function () {
      const source = new FileByteSource(path);
      try {
        const model = decodeDump(source);
        assert.strictEqual(model.error, undefined, model.error?.message);
        const graph = buildGraph(model);
        const ours = parseJsonExact(toJson(summarize(model, { fileName: basename(path), graphStats: graph.stats }))) as Record<string, unknown>;
        const oracle = parseJsonExact(readFileSync(path.replace(/\.heapdump$/, '.summary.json'), 'utf8')) as Record<string, unknown>;
        const oracleGraph = { ...(oracle.graph as Record<string, unknown>) };
        for (const k of ORACLE_ONLY_GRAPH_KEYS) delete oracleGraph[k];
        oracle.graph = oracleGraph;
        // What we add to the reference decoder's objects: the records that are not objects.
        const objects = ours.objects as Record<string, unknown>;
        const phantoms = Number(objects.phantom_slots);
        const phantomBytes = Number(objects.phantom_slot_bytes);
        delete objects.phantom_slots;
        delete objects.phantom_slot_bytes;
        for (const key of Object.keys(oracle)) {
          assert.ok(key in ours, `summary lacks key ${key}`);
          assert.deepStrictEqual(ours[key], oracle[key], `key ${key} differs`);
        }
        // The runtime's own count: records minus phantom slots are its heap objects.
        const memstats = oracle.memstats as Record<string, unknown>;
        assert.strictEqual(Number(objects.count) - phantoms, Number(memstats.HeapObjects), `${objects.count} records - ${phantoms} phantom slots vs HeapObjects`);
        assert.strictEqual(Number(objects.total_bytes) - phantomBytes, Number(memstats.HeapAlloc), 'bytes of the objects vs HeapAlloc');
      } finally {
        source.close();
      }
    });
  }
});
