// Reading a dropped sample set, its table options, and its preprocessing + preview against the loaded model.
import { getEvaluateSession, type SampleFile } from '../../bridge';
import type { ArrayRole, ArrayRoles, NpyFileInfo, TabularOptions } from '../../core/samples';
import { inferPreprocessOptions, type PreprocessOptions } from '../../core/samples/preprocess';
import type { ModelSummary } from '../../protocol/dto';
import { initialEval, type LoadedSamples, type PreprocessState } from '../eval-slice';
import { selectEvalBusy, selectSamples } from '../eval-selectors';
import { selectLoaded } from '../selectors';
import { readPreset, savePreset } from '../settings';
import { getState, setState } from '../store';
import { isAbortLike, toUiError } from '../ui-error';

let nextLoadId = 0;
let nextSamplesId = 0;
let nextPreviewId = 0;

/** Samples previewed (thumbnails + value ranges) and the thumbnail size asked of the worker. */
export const PREVIEW_COUNT = 8;
export const PREVIEW_THUMBNAIL = 64;

const sampleSetError = (message: string) => Object.assign(new Error(message), { name: 'SampleSetError' });

const isCurrentLoad = (loadId: number) => {
  const x = getState().samples;
  return x.status === 'loading' && x.loadId === loadId;
};

/**
 * Read a dropped folder, files or zip. `name` says what was dropped (for messages). A failed read keeps the
 * previous set and its results; the error is shown in place.
 */
export async function loadSampleFiles(
  files: SampleFile[],
  name: string,
  options: { tabular?: TabularOptions; arrays?: ArrayRoles } = {},
): Promise<void> {
  const { tabular, arrays } = options;
  const s = getState();
  if (selectEvalBusy(s)) return; // the set is read by the running evaluation
  const loadId = ++nextLoadId;
  const previous = selectSamples(s);
  setState({ samples: { status: 'loading', loadId, name, previous } });
  try {
    if (files.length === 0) {
      throw sampleSetError(
        `${name}: no files in it (expected images in class folders or with a labels.csv, inputs.npy + labels.npy, samples.npz, test_data_set_N/input_0.pb, or a .csv table)`,
      );
    }
    const id = ++nextSamplesId;
    const info = await getEvaluateSession().readSamples({ id, files, tabular, arrays });
    if (!isCurrentLoad(loadId)) return;
    const loaded: LoadedSamples = { id, name, files, tabular, arrays, info };
    // Gallery images and rows of earlier sets are not shown any more (they are keyed by set id).
    setState({ samples: { status: 'ready', loaded }, thumbnails: {} });
    adoptPreprocess();
    void refreshPreview();
  } catch (e) {
    if (!isCurrentLoad(loadId)) return;
    if (isAbortLike(e)) {
      setState({ samples: previous ? { status: 'ready', loaded: previous } : { status: 'idle' } });
      return;
    }
    setState({ samples: { status: 'error', name, error: toUiError(e), previous } });
  }
}

/** CSV tables: read again with another label column, other feature columns or an edited label mapping. */
export function setTabularOptions(tabular: TabularOptions): Promise<void> {
  const loaded = selectSamples(getState());
  if (!loaded || loaded.info.source !== 'csv') return Promise.resolve();
  return loadSampleFiles(loaded.files, loaded.name, { tabular });
}

/**
 * The roles of loose .npy files after giving `path` the role `role`. Making a file the labels hands its old role to
 * the file that held the labels (one click swaps a wrong guess).
 */
export function reassignArray(files: NpyFileInfo[], path: string, role: ArrayRole): ArrayRoles {
  const before = files.find((f) => f.path === path)?.role ?? 'ignored';
  const next = files.map((f) => {
    if (f.path === path) return { ...f, role };
    if (role === 'labels' && f.role === 'labels')
      return { ...f, role: before === 'labels' ? 'ignored' : before };
    return f;
  });
  return {
    inputs: next.filter((f) => f.role === 'input').map((f) => f.path),
    labels: next.find((f) => f.role === 'labels')?.path ?? null,
  };
}

/** Loose .npy files: read again with the user's choice of inputs and labels. */
export function setArrayRole(path: string, role: ArrayRole): Promise<void> {
  const loaded = selectSamples(getState());
  const files = loaded?.info.npyFiles;
  if (!loaded || !files) return Promise.resolve();
  return loadSampleFiles(loaded.files, loaded.name, { arrays: reassignArray(files, path, role) });
}

/** Dismiss a read error: the previous set (if any) is current again. */
export function dismissSamplesError(): void {
  const x = getState().samples;
  if (x.status !== 'error') return;
  setState({ samples: x.previous ? { status: 'ready', loaded: x.previous } : { status: 'idle' } });
}

/** Forget the sample set (results stay until the next evaluation). */
export function clearSamples(): void {
  if (selectEvalBusy(getState())) return;
  setState({ samples: { status: 'idle' }, preview: { status: 'idle' }, thumbnails: {} });
}

/** Preset key: the model's name and its input shape (a preset is meaningless for another input). */
export const presetKey = (summary: ModelSummary): string | null => {
  const input = summary.inputs[0];
  return input ? `${summary.name}|${JSON.stringify(input.shape)}` : null;
};

/** Preprocessing for the loaded model: its saved preset, else inferred from its input shape. */
export function defaultPreprocess(summary: ModelSummary): PreprocessState {
  const key = presetKey(summary);
  const preset = key ? readPreset(key) : null;
  if (preset) return { options: preset, source: 'preset' };
  return { options: inferPreprocessOptions(summary.inputs[0]?.shape ?? []), source: 'inferred' };
}

/** Give image sets preprocessing if there is none yet (kept across sets of the same model). */
function adoptPreprocess(): void {
  const s = getState();
  const loaded = selectLoaded(s);
  if (!loaded || s.preprocess) return;
  setState({ preprocess: defaultPreprocess(loaded.summary) });
}

/** Edit image preprocessing; saved as this model's preset. */
export function setPreprocess(patch: Partial<PreprocessOptions>): void {
  const s = getState();
  const loaded = selectLoaded(s);
  if (!loaded) return;
  const base = s.preprocess?.options ?? defaultPreprocess(loaded.summary).options;
  const options = { ...base, ...patch };
  setState({ preprocess: { options, source: 'edited' } });
  const key = presetKey(loaded.summary);
  if (key) savePreset(key, options);
  void refreshPreview();
}

/** Back to what the input shape suggests (and forget the preset). */
export function resetPreprocess(): void {
  const loaded = selectLoaded(getState());
  if (!loaded) return;
  const key = presetKey(loaded.summary);
  if (key) savePreset(key, null);
  setState({ preprocess: defaultPreprocess(loaded.summary) });
  void refreshPreview();
}

/** Called when another model is opened: results belong to the old one; the samples stay. */
export function resetEvaluationForModel(summary: ModelSummary | null): void {
  setState({
    evalResult: initialEval.evalResult,
    evalSelection: initialEval.evalSelection,
    flips: {},
    preview: { status: 'idle' },
    preprocess: summary ? defaultPreprocess(summary) : null,
  });
  if (summary && selectSamples(getState())) void refreshPreview();
}

/** The first samples as the model will see them, and whether they fit its input. */
export async function refreshPreview(): Promise<void> {
  const s = getState();
  const loaded = selectLoaded(s);
  const samples = selectSamples(s);
  const input = loaded?.summary.inputs[0];
  if (!loaded || !samples || !input) return;
  const images = samples.info.kind === 'images';
  const preprocess = images ? (s.preprocess ?? defaultPreprocess(loaded.summary)).options : null;
  const requestId = ++nextPreviewId;
  const last =
    s.preview.status === 'ready' ? s.preview.result : s.preview.status === 'loading' ? s.preview.last : null;
  setState({ preview: { status: 'loading', requestId, last } });
  const isCurrent = () => {
    const p = getState().preview;
    return p.status === 'loading' && p.requestId === requestId;
  };
  try {
    const result = await getEvaluateSession().callWithSamples(samples, (api) =>
      api.preview(
        { name: input.name, shape: input.shape, dtype: input.dtype },
        preprocess,
        PREVIEW_COUNT,
        PREVIEW_THUMBNAIL,
      ),
    );
    if (isCurrent()) setState({ preview: { status: 'ready', result } });
  } catch (e) {
    if (!isCurrent()) return;
    if (isAbortLike(e)) {
      void refreshPreview(); // the worker was restarted (a cancel): ask the fresh one
      return;
    }
    setState({ preview: { status: 'error', error: toUiError(e) } });
  }
}
