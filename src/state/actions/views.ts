import type { AppState, ViewsSlice } from '../slices';
import { getState, setState } from '../store';
import { selectLoaded } from '../selectors';
import { toUiError } from '../ui-error';
import { getQuantizeSession, type RunRef } from '../../bridge';
import type { QuantConfig } from '../../core/quant/config';
import { ALL_BITS } from '../../core/quant/config';
import { configKeyWithoutBits } from '../variant-key';

type CacheName = 'histograms' | 'channelRanges' | 'errorCurves';
type DataOf<K extends CacheName> = ViewsSlice[K][string] extends infer A
  ? A extends { status: 'ready'; data: infer D }
    ? D
    : never
  : never;

/** Bins asked of the worker for a histogram (it downsamples; the UI never sees raw weights). */
export const HISTOGRAM_BINS = 128;

let nextRequestId = 0;

const setEntry = <K extends CacheName>(cache: K, key: string, entry: ViewsSlice[K][string]) =>
  setState((s: AppState) => ({ [cache]: { ...s[cache], [key]: entry } }) as Partial<AppState>);

/**
 * Fetch view data once per key. Keys carry the model id, so clearing a cache on model change makes older
 * answers stale: an answer is written only if its own request is still the entry's request.
 */
async function ensure<K extends CacheName>(
  cache: K,
  key: string,
  fetch: () => Promise<DataOf<K>>,
  retryError = false,
): Promise<void> {
  const cur = getState()[cache][key];
  if (cur && (cur.status !== 'error' || !retryError)) return;
  const requestId = ++nextRequestId;
  setEntry(cache, key, { status: 'loading', requestId } as ViewsSlice[K][string]);
  const isMine = () => {
    const e = getState()[cache][key];
    return e?.status === 'loading' && e.requestId === requestId;
  };
  try {
    const data = await fetch();
    if (isMine()) setEntry(cache, key, { status: 'ready', data } as unknown as ViewsSlice[K][string]);
  } catch (err) {
    if (isMine()) setEntry(cache, key, { status: 'error', error: toUiError(err) } as ViewsSlice[K][string]);
  }
}

export const histogramKey = (modelId: string, weight: string, runId: string | null) =>
  `${modelId}|${weight}|${runId ?? 'float'}`;

/** Histogram of a weight: float only (run null) or float + that run's dequantized values on shared edges. */
export function ensureHistogram(weight: string, run: RunRef | null, retryError = false): Promise<void> {
  const loaded = selectLoaded(getState());
  if (!loaded) return Promise.resolve();
  const runId = run?.runId ?? null;
  return ensure(
    'histograms',
    histogramKey(loaded.id, weight, runId),
    () =>
      getQuantizeSession().callModel(
        loaded,
        (api) => api.histogram(loaded.id, weight, runId, HISTOGRAM_BINS),
        run ? [run] : [],
      ),
    retryError,
  );
}

export const channelRangesKey = (modelId: string, weight: string) => `${modelId}|${weight}`;

export function ensureChannelRanges(weight: string, retryError = false): Promise<void> {
  const loaded = selectLoaded(getState());
  if (!loaded) return Promise.resolve();
  return ensure(
    'channelRanges',
    channelRangesKey(loaded.id, weight),
    () => getQuantizeSession().callModel(loaded, (api) => api.channelRanges(loaded.id, weight)),
    retryError,
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
  return ensure(
    'errorCurves',
    errorCurveKey(loaded.id, weight, config),
    () =>
      getQuantizeSession().callModel(loaded, (api) =>
        api.errorCurve(loaded.id, weight, config, [...ALL_BITS]),
      ),
    retryError,
  );
}
