// A worker that died (uncaught error, failed script, out of memory) and one that ran out of memory but lives on:
// both become errors that say which worker, what happened, and that it was restarted, so the page can go on.

/** Error name for a worker that died (script failed to load, uncaught error, out of memory). */
export const WORKER_CRASHED = 'WorkerCrashedError';
/** Error name for an allocation that failed inside a worker that is still alive. */
export const OUT_OF_MEMORY = 'OutOfMemoryError';

/** Which worker, in words: 'quantization' or 'evaluation'. */
export type WorkerLabel = string;

export const workerCrashed = (label: WorkerLabel, detail: string): Error => {
  const e = new Error(`The ${label} worker stopped: ${detail || 'no reason given (out of memory?)'}`);
  e.name = WORKER_CRASHED;
  return e;
};

const named = (e: unknown): { name: string; message: string } | null =>
  typeof e === 'object' && e !== null && typeof (e as Error).message === 'string'
    ? { name: String((e as Error).name), message: (e as Error).message }
    : null;

const RESTARTED = '; it was restarted';

/** A failed allocation in the worker (a RangeError from an ArrayBuffer, or onnxruntime's wasm heap). */
export const isOutOfMemory = (e: unknown): boolean => {
  const n = named(e);
  return (
    n !== null &&
    n.name !== WORKER_CRASHED &&
    /array buffer allocation failed|out of memory|\boom\b|memory access out of bounds/i.test(n.message)
  );
};

/**
 * Map a failed call: a crash (or, when `restartOnOom`, an out-of-memory error) calls `restart` once and becomes an
 * error whose message ends "; it was restarted"; an out-of-memory error in a worker kept alive is named
 * OutOfMemoryError. Anything else is returned unchanged.
 */
export function describeWorkerFailure(
  e: unknown,
  label: WorkerLabel,
  restart: () => void,
  restartOnOom = false,
): unknown {
  const n = named(e);
  if (!n || n.message.endsWith(RESTARTED)) return e;
  if (n.name === WORKER_CRASHED) {
    restart();
    return Object.assign(new Error(`${n.message}${RESTARTED}`), { name: WORKER_CRASHED });
  }
  if (isOutOfMemory(e)) {
    if (restartOnOom) restart();
    const message = `The ${label} worker ran out of memory: ${n.message}${restartOnOom ? RESTARTED : ''}`;
    return Object.assign(new Error(message), { name: OUT_OF_MEMORY });
  }
  return e;
}
