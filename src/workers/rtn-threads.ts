// The studio's RTN threads: the quantize worker spreads a run's RTN tensors over nested dedicated Workers through the
// pipeline's RtnPool hook (core/pipeline/schedule.ts starts `threads` tensors ahead and takes them in plan order,
// core/pipeline/rtn-pool.ts moves them), as `qstudio quantize --threads` does with Node worker threads.
import type { OnnxModel } from '../core/onnx/types';
import {
  modelBytes,
  POOL_FROM_BYTES,
  rtnMessagePool,
  type RtnPort,
  type RtnPortEvents,
} from '../core/pipeline/rtn-pool';

export type RtnThreadPool = ReturnType<typeof rtnMessagePool>;

/** At most this many threads: beyond it reading and writing the model in the quantize worker is the limit. */
export const MAX_RTN_THREADS = 4;

/**
 * Threads for `cores` logical cores: one core is left to the page and the evaluate worker (the quantize worker itself
 * mostly waits on its threads), at most MAX_RTN_THREADS; none on one core.
 */
export const rtnThreads = (cores: number): number =>
  Math.min(MAX_RTN_THREADS, Math.max(1, Math.floor(cores) || 1) - 1);

interface RtnThreadSetup {
  spawn: (events: RtnPortEvents) => RtnPort;
  threads: number;
  /** Models from this many bytes use the threads (default POOL_FROM_BYTES, the CLI's rule; tests pass less). */
  fromBytes?: number;
}
let setup: RtnThreadSetup | null = null;

/** How long the threads of a finished run wait for the next run (the next width of a batch): started and warm. */
export const KEEP_THREADS_MS = 20_000;
interface Kept {
  pool: RtnThreadPool;
  spawn: RtnThreadSetup['spawn'];
  timer?: ReturnType<typeof setTimeout>;
}
/** Pools by thread count: the one in use or kept (the bench alternates counts; the studio has one). */
const made = new WeakMap<RtnThreadPool, { threads: number; spawn: RtnThreadSetup['spawn'] }>();
const kept = new Map<number, Kept>();

function drop(threads: number): void {
  const k = kept.get(threads);
  if (!k) return;
  kept.delete(threads);
  clearTimeout(k.timer);
  void k.pool.close();
}

/** How threads are started and how many (quantize.worker.ts; tests and the bench pass their own). null: none. */
export function useRtnThreads(s: RtnThreadSetup | null): void {
  setup = s;
  if (!s) endKeptRtnPools();
}

/** The threads waiting for a next run end now (a cancel: no next width is coming). */
export function endKeptRtnPools(): void {
  [...kept.keys()].forEach(drop);
}

/**
 * A pool for one run on `model` (the kept one when there is one), or null to quantize in this thread (no threads set
 * up, or a model under 32 MiB). Give it back with `releaseRtnPool` when the run is over.
 */
export function rtnPoolFor(model: OnnxModel, readAhead = 1): RtnThreadPool | null {
  if (!setup || setup.threads < 1 || modelBytes(model) < (setup.fromBytes ?? POOL_FROM_BYTES)) return null;
  const k = kept.get(setup.threads);
  if (k?.spawn === setup.spawn && k.pool.idle()) {
    kept.delete(setup.threads);
    clearTimeout(k.timer);
    k.pool.slots = setup.threads + readAhead;
    return k.pool;
  }
  drop(setup.threads); // another setup's, or one whose thread died while it waited
  // `readAhead` tensors read beyond one per thread: with 1 the quantize worker reads the next one while the threads
  // work (with one thread it would otherwise read only once that thread is done); memory: one tensor more held.
  const pool = rtnMessagePool(setup.threads, setup.spawn, readAhead);
  made.set(pool, { threads: setup.threads, spawn: setup.spawn });
  return pool;
}

/**
 * The run on `pool` is over: after a run that `finished`, idle threads are kept for KEEP_THREADS_MS (without the
 * buffers they kept for reuse); a pool cancelled, failed or busy ends. (A run cancelled through the page's shared flag
 * can stop with nothing in flight: idle, but no next width is coming.)
 */
export async function releaseRtnPool(pool: RtnThreadPool, finished = true): Promise<void> {
  const m = made.get(pool);
  if (!finished || !m || !pool.idle() || kept.has(m.threads)) return pool.close();
  pool.trim(); // the run's buffers are not kept while the threads wait
  const k: Kept = { pool, spawn: m.spawn };
  k.timer = setTimeout(() => kept.get(m.threads) === k && drop(m.threads), KEEP_THREADS_MS);
  kept.set(m.threads, k);
}

/** A browser Worker as a pool thread. Its errors stop here: they fail the run, not the quantize worker. */
export function startRtnWorker(events: RtnPortEvents): RtnPort {
  const worker = new Worker(new URL('./rtn.worker.ts', import.meta.url), { type: 'module', name: 'rtn' });
  worker.onmessage = (e) => events.message(e.data);
  const died = (ev: Event) => {
    // Not handled, a nested worker's error is reported on to the quantize worker's own scope: a crash of it.
    ev.preventDefault();
    const detail = (ev as Partial<ErrorEvent>).message || 'no reason given (out of memory?)';
    events.error(new Error(`A quantization thread stopped: ${detail}. The run was stopped; try again.`));
  };
  worker.onerror = died;
  worker.onmessageerror = died;
  return { post: (req, transfer) => worker.postMessage(req, transfer), terminate: () => worker.terminate() };
}
