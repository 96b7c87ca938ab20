/** The host-stall attribution of the integration test: what an idle process shared is the machine's. */
import * as assert from 'assert';
import { getPriority } from 'os';
import { Worker } from 'worker_threads';
import { ownStalls } from '../integration/stalls';
import { ANALYSIS_NICE, startAnalysisWorker } from '../../src/host/workerPriority';

describe('host stall attribution', function () {
  it('subtracts only the time an idle process was stalled within each host stall', function () {
    const host: [number, number][] = [[100, 160], [200, 230], [300, 380]];
    const machine: [number, number][] = [[90, 120], [130, 140], [205, 215], [210.5, 212], [390, 400]];
    assert.deepStrictEqual(ownStalls(host, machine).map((s) => s.own), [60 - 20 - 10, 30 - 10, 80]);
  });

  it('counts a machine gap that spans several host stalls once for each', function () {
    assert.deepStrictEqual(ownStalls([[10, 20], [25, 40]], [[0, 30]]).map((s) => s.own), [0, 10]);
  });
});

describe('analysis thread priority', function () {
  it('lowers the thread a worker runs on from its start, and only that thread (Linux)', async function () {
    const before = getPriority(0);
    if (process.platform !== 'linux' || before >= ANALYSIS_NICE) {
      console.log(`      ${process.platform !== 'linux' ? 'not Linux: a nice value is per process there, and the host leaves it alone' : `this thread runs at nice ${before} already`}: not checked`);
      this.skip();
    }
    // The worker reports its own nice value as its first instruction, before it could lower it.
    const worker = startAnalysisWorker(() => new Worker("require('worker_threads').parentPort.postMessage(require('os').getPriority(0))", { eval: true }));
    const seen = await new Promise<number>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    assert.strictEqual(seen, ANALYSIS_NICE, `the worker ran at nice ${seen} from its start`);
    assert.strictEqual(getPriority(0), before, 'the starting thread keeps its priority');
  });
});
