import { proxy } from 'comlink';
import { getState, setState } from '../store';
import { selectLoaded } from '../selectors';
import { fetchOnce } from './fetch-once';
import { getQuantizeSession, type RunRef } from '../../bridge';
import type { QuantConfig } from '../../core/quant/config';
import { ALL_BITS } from '../../core/quant/config';
import { configKeyWithoutBits } from '../variant-key';
import { isAbortLike, toUiError } from '../ui-error';

/** Bins asked of the worker for a histogram (it downsamples; the UI never sees raw weights). */
export const HISTOGRAM_BINS = 128;

export const histogramKey = (modelId: string, weight: string, runId: string | null) =>
  `${modelId}|${weight}|${runId ?? 'float'}`;

/** Histogram of a weight: float only (run null) or float + that run's dequantized values on shared edges. */
export function ensureHistogram(weight: string, run: RunRef | null, retryError = false): Promise<void> {
  const loaded = selectLoaded(getState());
  if (!loaded) return Promise.resolve();
  const runId = run?.runId ?? null;
  return fetchOnce(
    'histograms',
    histogramKey(loaded.id, weight, runId),
    () =>
      getQuantizeSession().callModel(
        loaded,
        (api) => api.histogram(loaded.id, weight, runId, HISTOGRAM_BINS),
        run ? [run] : [],
      ),
    { retryError },
  );
}

export const channelRangesKey = (modelId: string, weight: string) => `${modelId}|${weight}`;

export function ensureChannelRanges(weight: string, retryError = false): Promise<void> {
  const loaded = selectLoaded(getState());
  if (!loaded) return Promise.resolve();
  return fetchOnce(
    'channelRanges',
    channelRangesKey(loaded.id, weight),
    () => getQuantizeSession().callModel(loaded, (api) => api.channelRanges(loaded.id, weight)),
    { retryError },
  );
}

export const channelErrorsKey = (modelId: string, weight: string, runId: string) =>
  `${modelId}|${weight}|${runId}`;

/** Per-channel error of a weight under one run (and its per-tensor step). */
export function ensureChannelErrors(weight: string, run: RunRef, retryError = false): Promise<void> {
  const loaded = selectLoaded(getState());
  if (!loaded) return Promise.resolve();
  return fetchOnce(
    'channelErrors',
    channelErrorsKey(loaded.id, weight, run.runId),
    () =>
      getQuantizeSession().callModel(loaded, (api) => api.channelErrors(loaded.id, weight, run.runId), [run]),
    { retryError },
  );
}

export const clipViewKey = (modelId: string, weight: string, runId: string) =>
  `${modelId}|${weight}|${runId}`;

/** A run's clip choice for a weight: MSE-vs-clip curve, chosen point and bounds (null when it does not clip). */
export function ensureClipView(weight: string, run: RunRef, retryError = false): Promise<void> {
  const loaded = selectLoaded(getState());
  if (!loaded) return Promise.resolve();
  return fetchOnce(
    'clipViews',
    clipViewKey(loaded.id, weight, run.runId),
    () => getQuantizeSession().callModel(loaded, (api) => api.clipView(loaded.id, weight, run.runId), [run]),
    { retryError },
  );
}

export const errorCurveKey = (modelId: string, weight: string | null, config: QuantConfig) =>
  `${modelId}|${weight ?? '*'}|${configKeyWithoutBits(config)}`;

/** SQNR at every bit width, for the whole model (weight null) or one weight, other settings from the config. */
export function ensureErrorCurve(weight: string | null, retryError = false): Promise<void> {
  const s = getState();
  const loaded = selectLoaded(s);
  if (!loaded) return Promise.resolve();
  const config = s.config;
  const key = errorCurveKey(loaded.id, weight, config);
  const onProgress = proxy((done: number, total: number) =>
    setState((st) => ({ errorCurveProgress: { ...st.errorCurveProgress, [key]: { done, total } } })),
  );
  return fetchOnce(
    'errorCurves',
    key,
    () =>
      getQuantizeSession().callModel(loaded, (api) =>
        api.errorCurve(loaded.id, weight, config, [...ALL_BITS], weight === null ? onProgress : undefined),
      ),
    // Superseded by a newer settings' curve: dropped, so that view asks again if it is shown again.
    { retryError, errorOf: (e) => (isAbortLike(e) ? null : toUiError(e)) },
  );
}

export const quantizedHistogramKey = (modelId: string, weight: string) =>
  `${modelId}|already:${weight}|float`;

/** Histogram of an already-quantized weight's dequantized values (the model's own integers, not a variant). */
export function ensureQuantizedHistogram(weight: string, retryError = false): Promise<void> {
  const loaded = selectLoaded(getState());
  if (!loaded) return Promise.resolve();
  return fetchOnce(
    'histograms',
    quantizedHistogramKey(loaded.id, weight),
    () =>
      getQuantizeSession().callModel(loaded, (api) =>
        api.quantizedHistogram(loaded.id, weight, HISTOGRAM_BINS),
      ),
    { retryError },
  );
}
