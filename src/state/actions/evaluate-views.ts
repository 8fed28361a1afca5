// Data the result views fetch from the evaluate worker: flips per variant and mode, gallery thumbnails.
import type { EvalMode } from '../../protocol/eval-dto';
import { flipsKey, thumbnailKey, type EvalResult, type LoadedSamples } from '../eval-slice';
import { selectSamples } from '../eval-selectors';
import { getState } from '../store';
import { isAbortLike, toUiError } from '../ui-error';
import { getEvaluateSession } from '../../bridge';
import { fetchOnce } from './fetch-once';

/** Flips listed per variant and mode (the gallery shows these; the total is always reported). */
export const FLIPS_LIMIT = 60;
/** Gallery thumbnails are at most this size (never enlarged: CSS scales them, pixelated). */
export const GALLERY_THUMBNAIL = 96;

/**
 * Fetch the flips of every evaluated variant and mode right after an evaluation: the worker keeps the predictions
 * only until the next read or restart, and the lists are small (CSV rows come with their feature values).
 */
export async function prefetchFlips(result: EvalResult): Promise<void> {
  for (const v of result.report.variants) {
    for (const mode of result.report.modes) {
      if (getState().evalResult !== result) return;
      await ensureFlips(v.id, mode);
    }
  }
}

export function ensureFlips(variantId: string, mode: EvalMode): Promise<void> {
  const result = getState().evalResult;
  if (!result) return Promise.resolve();
  return fetchOnce(
    'flips',
    flipsKey(variantId, mode),
    () => getEvaluateSession().call((api) => api.flips(variantId, mode, FLIPS_LIMIT)),
    {
      stillWanted: () => getState().evalResult === result,
      errorOf: (e) =>
        isAbortLike(e)
          ? {
              name: 'EvaluationError',
              message: 'the evaluation worker was restarted; evaluate again to list flips',
            }
          : toUiError(e),
    },
  );
}

/** Can thumbnails of this result's samples be shown? Only while the same sample set is loaded. */
export const resultSamples = (result: EvalResult | null): LoadedSamples | null => {
  const samples = selectSamples(getState());
  return result && samples && samples.id === result.samplesId ? samples : null;
};

/** A gallery image of sample `index` of set `samplesId` (null for samples that are not image-like). */
export function ensureThumbnail(samplesId: number, index: number): Promise<void> {
  const samples = selectSamples(getState());
  if (!samples || samples.id !== samplesId) return Promise.resolve();
  return fetchOnce(
    'thumbnails',
    thumbnailKey(samplesId, index),
    () =>
      getEvaluateSession().callWithSamples(samples, (api) => api.sampleThumbnail(index, GALLERY_THUMBNAIL)),
    // A restarted worker: drop the entry, so the view asks again.
    { errorOf: (e) => (isAbortLike(e) ? null : toUiError(e)) },
  );
}
