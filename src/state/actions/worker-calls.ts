import type { Remote } from 'comlink';
import { getQuantizeBridge, type QuantizeApi } from '../../bridge';
import type { QuantConfig } from '../../core/quant/config';
import { hasName } from '../ui-error';
import type { OpenedModel } from '../types';

/** A signal that never aborts, for calls that are not cancellable (their results are cached or ignored). */
const NEVER = new AbortController().signal;
const noop = () => {};

export const MODEL_NOT_LOADED = 'ModelNotLoadedError';

/** One in-flight re-open per model and worker generation, shared by every call that needs it. */
const reopening = new Map<string, Promise<void>>();
const restoring = new Map<string, Promise<void>>();

/** Plain call on the quantize worker: no abort, crash-aware. */
export const callWorker = <T>(fn: (api: Remote<QuantizeApi>) => Promise<T>): Promise<T> =>
  getQuantizeBridge().run(NEVER, fn, noop);

/** Open the same File again under the same model id (after the worker restarted and lost it). */
export function reopenModel(loaded: OpenedModel): Promise<void> {
  const key = `${loaded.id}@${getQuantizeBridge().generation}`;
  let p = reopening.get(key);
  if (!p) {
    p = callWorker((api) =>
      api.open({
        modelId: loaded.id,
        file: loaded.file,
        fileName: loaded.fileName,
        sidecars: loaded.sidecars,
      }),
    ).then(
      () => void reopening.delete(key),
      (e: unknown) => {
        reopening.delete(key);
        throw e;
      },
    );
    reopening.set(key, p);
  }
  return p;
}

export interface RunRef {
  runId: string;
  config: QuantConfig;
}

/** Re-create a run the worker lost: quantizing is deterministic, so the same config gives the same run. */
function restoreRun(loaded: OpenedModel, run: RunRef): Promise<void> {
  const key = `${run.runId}@${getQuantizeBridge().generation}`;
  let p = restoring.get(key);
  if (!p) {
    p = callWorker((api) => api.quantize(loaded.id, run.runId, run.config)).then(
      () => void restoring.delete(key),
      (e: unknown) => {
        restoring.delete(key);
        throw e;
      },
    );
    restoring.set(key, p);
  }
  return p;
}

/**
 * Call the worker about the loaded model. If it answers ModelNotLoadedError (it was restarted), re-open the File,
 * restore the runs this call needs, and retry once.
 */
export async function callModel<T>(
  loaded: OpenedModel,
  fn: (api: Remote<QuantizeApi>) => Promise<T>,
  needsRuns: RunRef[] = [],
): Promise<T> {
  try {
    return await callWorker(fn);
  } catch (e) {
    if (!hasName(e, MODEL_NOT_LOADED)) throw e;
    await reopenModel(loaded);
    for (const run of needsRuns) await restoreRun(loaded, run);
    return callWorker(fn);
  }
}
