// Data the result views fetch from the evaluate worker: flips per variant and mode, gallery thumbnails, CSV rows.
import { detectHeader, parseCsv } from '../../core/samples/csv';
import type { EvalMode, FlipsResult } from '../../protocol/eval-dto';
import { flipsKey, thumbnailKey, type EvalResult, type LoadedSamples } from '../eval-slice';
import { selectSamples } from '../eval-selectors';
import { getState, setState } from '../store';
import { isAbortLike, toUiError } from '../ui-error';
import { getEvaluateSession } from '../../bridge';

/** Flips listed per variant and mode (the gallery shows these; the total is always reported). */
export const FLIPS_LIMIT = 60;
/** Gallery thumbnails are at most this size (never enlarged: CSS scales them, pixelated). */
export const GALLERY_THUMBNAIL = 96;

let nextRequestId = 0;
const flipRequests = new Map<string, number>();

/**
 * Fetch the flips of every evaluated variant and mode right after an evaluation: the worker keeps the predictions
 * only until the next read or restart, and the lists are small.
 */
export async function prefetchFlips(result: EvalResult): Promise<void> {
  for (const v of result.report.variants) {
    for (const mode of result.report.modes) {
      if (getState().evalResult !== result) return;
      await ensureFlips(v.id, mode);
    }
  }
}

export async function ensureFlips(variantId: string, mode: EvalMode): Promise<void> {
  const result = getState().evalResult;
  const key = flipsKey(variantId, mode);
  if (!result || getState().flips[key]) return;
  const requestId = ++nextRequestId;
  flipRequests.set(key, requestId);
  setState((s) => ({ flips: { ...s.flips, [key]: { status: 'loading', requestId } } }));
  const isMine = () => getState().evalResult === result && flipRequests.get(key) === requestId;
  try {
    const data: FlipsResult = await getEvaluateSession().call((api) =>
      api.flips(variantId, mode, FLIPS_LIMIT),
    );
    if (!isMine()) return;
    setState((s) => ({ flips: { ...s.flips, [key]: { status: 'ready', data } } }));
    addRowValues(result, data);
  } catch (e) {
    if (!isMine()) return;
    const error = isAbortLike(e)
      ? {
          name: 'EvaluationError',
          message: 'the evaluation worker was restarted; evaluate again to list flips',
        }
      : toUiError(e);
    setState((s) => ({ flips: { ...s.flips, [key]: { status: 'error', error } } }));
  }
}

/** Can thumbnails of this result's samples be shown? Only while the same sample set is loaded. */
export const resultSamples = (result: EvalResult | null): LoadedSamples | null => {
  const samples = selectSamples(getState());
  return result && samples && samples.id === result.samplesId ? samples : null;
};

/** A gallery image of sample `index` of set `samplesId` (null for samples that are not image-like). */
export async function ensureThumbnail(samplesId: number, index: number): Promise<void> {
  const samples = selectSamples(getState());
  const key = thumbnailKey(samplesId, index);
  if (!samples || samples.id !== samplesId || getState().thumbnails[key]) return;
  const requestId = ++nextRequestId;
  setState((s) => ({ thumbnails: { ...s.thumbnails, [key]: { status: 'loading', requestId } } }));
  const isMine = () => {
    const t = getState().thumbnails[key];
    return t?.status === 'loading' && t.requestId === requestId;
  };
  try {
    const data = await getEvaluateSession().callWithSamples(samples, (api) =>
      api.sampleThumbnail(index, GALLERY_THUMBNAIL),
    );
    if (isMine()) setState((s) => ({ thumbnails: { ...s.thumbnails, [key]: { status: 'ready', data } } }));
  } catch (e) {
    if (!isMine()) return;
    if (isAbortLike(e)) {
      // Restarted worker: drop the entry, so the view asks again.
      setState((s) => {
        const thumbnails = { ...s.thumbnails };
        delete thumbnails[key];
        return { thumbnails };
      });
      return;
    }
    setState((s) => ({ thumbnails: { ...s.thumbnails, [key]: { status: 'error', error: toUiError(e) } } }));
  }
}

const csvRows = new WeakMap<LoadedSamples, Promise<{ rows: string[][]; header: string[] | null }>>();

/** For CSV sets, the feature values of each flipped row (the gallery shows values where there is no image). */
async function addRowValues(result: EvalResult, flips: FlipsResult): Promise<void> {
  const samples = resultSamples(result);
  const table = samples?.info.tabular;
  if (!samples || !table || samples.info.source !== 'csv') return;
  const file =
    samples.files.find((f) => f.path.replace(/^\/+/, '') === samples.info.sourceName) ?? samples.files[0];
  let parsed = csvRows.get(samples);
  if (!parsed) {
    parsed = file.blob.text().then((text) => {
      const all = parseCsv(text, file.path);
      const header = detectHeader(all) ? all[0] : null;
      return { rows: header ? all.slice(1) : all, header };
    });
    csvRows.set(samples, parsed);
  }
  let data: Awaited<typeof parsed>;
  try {
    data = await parsed;
  } catch {
    return; // values are a nicety; the flip is listed without them
  }
  const columns = table.columns;
  const show = [...table.featureColumns];
  const values: Record<string, { column: string; value: string }[]> = {};
  for (const f of flips.flips) {
    const row = data.rows[f.index];
    if (!row) continue;
    values[thumbnailKey(samples.id, f.index)] = show.map((c) => ({
      column: c,
      value: row[columns.indexOf(c)] ?? '',
    }));
  }
  setState((s) => ({ rowValues: { ...s.rowValues, ...values } }));
}
