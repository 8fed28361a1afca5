// Calls on the evaluate worker. It is terminated to cancel an evaluation (ORT runs cannot be interrupted), so:
// every call is raced against the worker's "epoch" (a restart rejects calls in flight with AbortError instead of
// leaving them pending forever), and calls that need the sample set load it into a fresh worker first.
import type { Remote } from 'comlink';
import { getEvaluateBridge, type EvaluateApi, type SampleFile } from '../../bridge';
import type { TabularOptions } from '../../core/samples';
import type { SampleSetInfo } from '../../protocol/eval-dto';
import type { LoadedSamples } from '../eval-slice';
import { hasName } from '../ui-error';
import { MODEL_NOT_LOADED } from './worker-calls';

let epoch = new AbortController();

/** Which sample set the worker holds, in which worker generation (null: none, or unknown after a failed read). */
let holds: { samplesId: number; generation: number } | null = null;
let restoring: { key: string; promise: Promise<void> } | null = null;
let queue: Promise<unknown> = Promise.resolve();

const restartError = () => new DOMException('The evaluation worker was restarted', 'AbortError');

/** Terminate the evaluate worker: calls in flight reject with AbortError, the next call starts a fresh worker. */
export function restartEvaluateWorker(): void {
  getEvaluateBridge().terminate();
  const old = epoch;
  epoch = new AbortController();
  holds = null;
  restoring = null;
  old.abort(restartError());
}

/** A plain call: no cancel of its own, but rejects with AbortError if the worker is restarted meanwhile. */
export const callEvaluate = <T>(fn: (api: Remote<EvaluateApi>) => Promise<T>): Promise<T> =>
  getEvaluateBridge().run(epoch.signal, fn, () => {});

/**
 * Read a sample set into the worker. Reads are queued (two reads in flight could finish in either order), and the
 * worker is recorded as holding set `samplesId` only when its read succeeded.
 */
export function readSamplesInWorker(
  samplesId: number,
  files: SampleFile[],
  tabular: TabularOptions | undefined,
): Promise<SampleSetInfo> {
  const run = async () => {
    holds = null; // the worker drops its set when a read starts
    const generation = getEvaluateBridge().generation;
    const info = await callEvaluate((api) => api.loadSamples(files, { tabular }));
    holds = { samplesId, generation };
    return info;
  };
  const p = queue.then(run, run);
  queue = p.catch(() => {});
  return p;
}

/** Make sure the worker holds `samples` (read them again into a restarted worker). */
export function ensureWorkerSamples(samples: LoadedSamples): Promise<void> {
  const generation = getEvaluateBridge().generation;
  if (holds && holds.samplesId === samples.id && holds.generation === generation) return Promise.resolve();
  const key = `${samples.id}@${generation}`;
  if (restoring?.key === key) return restoring.promise;
  const promise = readSamplesInWorker(samples.id, samples.files, samples.tabular).then(
    () => {
      if (restoring?.key === key) restoring = null;
    },
    (e: unknown) => {
      if (restoring?.key === key) restoring = null;
      throw e;
    },
  );
  restoring = { key, promise };
  return promise;
}

/**
 * Run `fn` with `samples` loaded in the worker. If the worker answers ModelNotLoadedError (it was restarted or a
 * failed read replaced the set), read the samples again and retry once.
 */
export async function withWorkerSamples<T>(samples: LoadedSamples, fn: () => Promise<T>): Promise<T> {
  await ensureWorkerSamples(samples);
  try {
    return await fn();
  } catch (e) {
    if (!hasName(e, MODEL_NOT_LOADED)) throw e;
    holds = null;
    await ensureWorkerSamples(samples);
    return fn();
  }
}

export const callWithSamples = <T>(
  samples: LoadedSamples,
  fn: (api: Remote<EvaluateApi>) => Promise<T>,
): Promise<T> => withWorkerSamples(samples, () => callEvaluate(fn));

/** For tests: forget what the worker holds. */
export function resetEvaluateWorkerState(): void {
  epoch = new AbortController();
  holds = null;
  restoring = null;
  queue = Promise.resolve();
}
