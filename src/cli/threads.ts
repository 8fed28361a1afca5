// `qstudio quantize --threads N`: a pool of Node worker threads for the RTN export pass, one tensor per message.
// The pipeline starts N tensors ahead (src/core/pipeline/schedule.ts) and takes the results in plan order.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { StudioError, type StudioErrorName } from '../core/errors';
import type { RtnPool, KernelWeight } from '../core/pipeline/schedule';
import type { RunHooks } from '../core/pipeline/run';
import type { OnnxModel } from '../core/onnx/types';
import type { ExportedWeight, ExportTarget } from '../core/pipeline/weight';
import type { WeightSpec } from '../core/quant/config';

export interface RtnRequest {
  id: number;
  values: Float32Array;
  weight: KernelWeight;
  spec: WeightSpec;
  target: ExportTarget;
}
/** `spare`: the request's values buffer, moved back for the next tensor (see `spares` in rtnThreadPool). */
export type RtnResponse = { id: number; spare: ArrayBuffer } & (
  | { result: ExportedWeight; error?: undefined }
  | { error: { name: string; message: string }; result?: undefined }
);

export const defaultThreads = (): number => availableParallelism();

/** Worker threads pay for themselves on larger models only (start-up and a copy of each tensor per thread). */
const THREADS_FROM_BYTES = 32 * 2 ** 20;
export const modelBytes = (m: OnnxModel) =>
  m.fileBytes + [...new Set(m.externalFiles.values())].reduce((a, b) => a + b.size, 0);

/** RTN tensors spread over worker threads: `--threads N`, by default one per core from 32 MiB; 1 runs all here. */
export async function runThreaded<R>(
  threads: number | null,
  bytes: number,
  run: (hooks: RunHooks) => Promise<R>,
): Promise<R> {
  const n = threads ?? (bytes >= THREADS_FROM_BYTES ? defaultThreads() : 1);
  if (n === 1) return run({});
  const pool = rtnThreadPool(n);
  try {
    return await run({ rtnPool: pool });
  } finally {
    await pool.close();
  }
}

/** The worker: compiled next to the CLI (dist-cli/rtn-worker.js), or the TypeScript source registered with tsx. */
function startWorker(): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // QSTUDIO_FROM_SOURCE=1: a worker does not inherit the main thread's tsx hooks, so it registers them first.
    const api = import.meta.resolve('tsx/esm/api');
    const script = new URL('./rtn-worker.ts', here).href;
    return new Worker(
      `import(${JSON.stringify(api)}).then((t) => (t.register(), import(${JSON.stringify(script)})));`,
      { eval: true },
    );
  }
  for (const rel of ['./rtn-worker.js', '../rtn-worker.js']) {
    const url = new URL(rel, here);
    if (existsSync(url)) return new Worker(url);
  }
  throw new Error('rtn-worker.js is missing next to the compiled CLI (run `npm run build:cli`)');
}

const isShared = (b: ArrayBufferLike) =>
  typeof SharedArrayBuffer !== 'undefined' && b instanceof SharedArrayBuffer;

/** A pool of `threads` workers (started on first use); `close()` ends them. */
export function rtnThreadPool(threads: number): RtnPool & { close(): Promise<void> } {
  const workers: { worker: Worker; busy: boolean }[] = [];
  const queue: { req: RtnRequest; resolve: (r: ExportedWeight) => void; reject: (e: unknown) => void }[] = [];
  const waiting = new Map<number, Omit<(typeof queue)[number], 'req'> & { copied: boolean }>();
  // Tensor buffers come back from the workers and are reused: a worker would otherwise hold every buffer it was
  // sent until its own (rare, nearly idle) garbage collection — ~50 MB per thread on a 100 MB model.
  const spares: ArrayBuffer[] = [];
  const copyOf = (v: Float32Array): Float32Array => {
    const i = spares.findIndex((b) => b.byteLength >= v.byteLength);
    if (i < 0) return v.slice();
    const out = new Float32Array(spares.splice(i, 1)[0], 0, v.length);
    out.set(v);
    return out;
  };
  let nextId = 0;

  const spawn = () => {
    const slot = { worker: startWorker(), busy: false };
    slot.worker.unref(); // a pending job keeps the process alive through its promise, not through the worker
    slot.worker.on('message', (res: RtnResponse) => {
      const job = waiting.get(res.id)!;
      waiting.delete(res.id);
      slot.busy = false;
      if (job.copied) spares.push(res.spare); // a moved tensor's buffer is not kept: the next read is a fresh one
      // (reusing it for a read of the same size saved page faults but no measurable time, and held ~100 MB more)
      spares.sort((a, b) => a.byteLength - b.byteLength).splice(threads + 1); // the smallest that fits is taken
      if (res.error) {
        const { name, message } = res.error;
        job.reject(name === 'Error' ? new Error(message) : new StudioError(name as StudioErrorName, message));
      } else job.resolve(res.result);
      pump();
    });
    slot.worker.on('error', (e) => {
      for (const job of [...waiting.values(), ...queue.splice(0)]) job.reject(e);
      waiting.clear();
    });
    workers.push(slot);
    return slot;
  };

  const pump = () => {
    while (queue.length) {
      const slot = workers.find((s) => !s.busy) ?? (workers.length < threads ? spawn() : null);
      if (!slot) return;
      const { req, resolve, reject } = queue.shift()!;
      slot.busy = true;
      // The pool owns `values` (RtnPool.run): a tensor covering its whole buffer (a fresh read) moves without a
      // copy; a view into a larger buffer is copied so nothing else is detached.
      const v = req.values;
      const whole = v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && !isShared(v.buffer);
      waiting.set(req.id, { resolve, reject, copied: !whole });
      const values = whole ? v : copyOf(v);
      slot.worker.postMessage({ ...req, values }, [values.buffer as ArrayBuffer]);
    }
  };

  return {
    slots: threads,
    run(values, weight, spec, target) {
      return new Promise((resolve, reject) => {
        queue.push({ req: { id: nextId++, values, weight, spec, target }, resolve, reject });
        pump();
      });
    },
    async close() {
      await Promise.all(workers.splice(0).map((s) => s.worker.terminate()));
    },
  };
}
