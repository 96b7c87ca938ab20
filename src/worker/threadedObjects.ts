/**
 * The engine's ParallelObjects on a worker thread (dist/objectPartHelper.js): the decoder asks
 * for the helper's boundary and part from inside a synchronous call, so it waits on shared
 * memory (Atomics.wait) and takes the part with receiveMessageOnPort, not through the event
 * loop. A helper that fails, or stops showing progress, costs nothing but the wait: the
 * decoder then reads the records itself.
 */
import { existsSync } from 'fs';
import { availableParallelism } from 'os';
import { join } from 'path';
import { MessageChannel, MessagePort, Worker, receiveMessageOnPort } from 'worker_threads';
import { ObjectPart, ParallelObjects, PartRequest } from '../engine/format/decoder';

/** Below this many bytes of object records a second thread does not pay for its start. */
const MIN_BYTES = 64 << 20;
/** The helper shows progress at every buffer refill (32 MiB); this long without any, it is stuck. */
const STALL_MS = 10_000;

/** Shared state: Int32 [0] = HelperState, [1] = progress count; Float64 at byte 8 = boundary. */
export const HelperState = { Starting: 0, Boundary: 1, Done: 2, Failed: 3 } as const;

export interface HelperData {
  path: string;
  request: PartRequest;
  port: MessagePort;
  shared: SharedArrayBuffer;
}

export class ThreadedObjects implements ParallelObjects {
  private worker: Worker | undefined;
  private port: MessagePort | undefined;
  private readonly shared = new SharedArrayBuffer(16);
  private readonly state = new Int32Array(this.shared, 0, 2);
  private readonly boundaryAt = new Float64Array(this.shared, 8, 1);

  /**
   * `minCores`: the cores the machine needs for the helper to be used. The CLI has nothing else
   * to run (2); the editor's worker leaves one to the extension host, whose event loop relays
   * every reply and would otherwise wait for a core while the two threads read (3).
   */
  constructor(
    private readonly path: string,
    private readonly minCores = 2,
    private readonly script = join(__dirname, 'objectPartHelper.js'),
    private readonly minBytes = MIN_BYTES,
  ) {}

  worthIt(bytes: number): boolean {
    return bytes >= this.minBytes && availableParallelism() >= this.minCores && existsSync(this.script);
  }

  start(request: PartRequest): void {
    try {
      const { port1, port2 } = new MessageChannel();
      const data: HelperData = { path: this.path, request, port: port2, shared: this.shared };
      this.worker = new Worker(this.script, { workerData: data, transferList: [port2] });
      this.worker.unref();
      this.worker.on('error', () => undefined); // its failure shows as Failed or a stall
      this.port = port1;
    } catch {
      Atomics.store(this.state, 0, HelperState.Failed);
    }
  }

  boundary(): number | undefined {
    if (!this.waitFor(HelperState.Boundary)) return undefined;
    const b = this.boundaryAt[0];
    return Number.isNaN(b) ? undefined : b;
  }

  result(): ObjectPart | undefined {
    if (!this.waitFor(HelperState.Done) || !this.port) return undefined;
    const got = receiveMessageOnPort(this.port);
    this.cancel();
    return got?.message as ObjectPart | undefined;
  }

  cancel(): void {
    void this.worker?.terminate();
    this.worker = undefined;
    this.port?.close();
    this.port = undefined;
  }

  /** Waits until the helper reaches `state` (true) or fails or stalls (false). */
  private waitFor(state: number): boolean {
    if (!this.worker) return false;
    let progress = Atomics.load(this.state, 1);
    for (;;) {
      const s = Atomics.load(this.state, 0);
      if (s === HelperState.Failed) return false;
      if (s >= state) return true;
      if (Atomics.wait(this.state, 0, s, STALL_MS) === 'timed-out') {
        const now = Atomics.load(this.state, 1);
        if (now === progress) return false;
        progress = now;
      }
    }
  }
}
