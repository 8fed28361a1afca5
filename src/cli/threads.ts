// `qstudio quantize --threads N`: Node worker threads for the RTN export pass, one tensor per message, through the
// same message pool as the studio's nested Workers (src/core/pipeline/rtn-pool.ts). The pipeline starts N tensors
// ahead (src/core/pipeline/schedule.ts) and takes the results in plan order.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { RunHooks } from '../core/pipeline/run';
import { recycleReadBuffer } from './file-blob';
import { POOL_FROM_BYTES, rtnMessagePool, type RtnPort, type RtnPortEvents } from '../core/pipeline/rtn-pool';

export { modelBytes } from '../core/pipeline/rtn-pool';

export const defaultThreads = (): number => availableParallelism();

/** RTN tensors spread over worker threads: `--threads N`, by default one per core from 32 MiB; 1 runs all here. */
export async function runThreaded<R>(
  threads: number | null,
  bytes: number,
  run: (hooks: RunHooks) => Promise<R>,
): Promise<R> {
  const n = threads ?? (bytes >= POOL_FROM_BYTES ? defaultThreads() : 1);
  if (n === 1) return run({});
  // One tensor read ahead, as the studio's pool: a thread that finishes finds the next tensor already read instead of
  // waiting for the main thread to take the result in order and read another (one more tensor held).
  const pool = rtnMessagePool(n, startNodeThread, 1, recycleReadBuffer);
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

/** A Node worker thread as a pool thread. */
function startNodeThread(events: RtnPortEvents): RtnPort {
  const worker = startWorker();
  worker.unref(); // a pending job keeps the process alive through its promise, not through the worker
  worker.on('message', events.message);
  worker.on('error', events.error);
  return { post: (req, transfer) => worker.postMessage(req, transfer), terminate: () => worker.terminate() };
}
