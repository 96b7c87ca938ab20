/**
 * The helper thread of ThreadedObjects: decodes the object records of the second half of a
 * dump (the engine's decodeObjectPart) and hands them over without copying.
 */
import { workerData } from 'worker_threads';
import { decodeObjectPart } from '../engine/format/decoder';
import { FileByteSource } from './fileByteSource';
import { HelperData, HelperState } from './threadedObjects';

const { path, request, port, shared } = workerData as HelperData;
const state = new Int32Array(shared, 0, 2);
const boundaryAt = new Float64Array(shared, 8, 1);
const signal = (s: number) => {
  Atomics.store(state, 0, s);
  Atomics.notify(state, 0);
};

let source: FileByteSource | undefined;
try {
  source = new FileByteSource(path);
  const part = decodeObjectPart(source, request, (b) => {
    boundaryAt[0] = b ?? NaN;
    signal(HelperState.Boundary);
  }, () => Atomics.add(state, 1, 1));
  if (!part) {
    signal(HelperState.Failed);
  } else {
    const arrays = Object.values(part).filter((v): v is Uint8Array => ArrayBuffer.isView(v));
    port.postMessage(part, [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))]);
    signal(HelperState.Done);
  }
} catch {
  signal(HelperState.Failed);
} finally {
  source?.close();
}
