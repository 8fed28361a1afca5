import type { ModelSummary } from '../../protocol/dto';
import { resetSensitivity } from './sensitivity';
import { getState, setState } from '../store';
import { selectLoaded } from '../selectors';
import { toUiError } from '../ui-error';
import type { OpenedModel } from '../types';
import { initialViews } from '../slices';
import { getQuantizeSession } from '../../bridge';
import { cancelQuantize } from './quantize';
import { releaseAllDownloads } from './download';
import { cancelEvaluation } from './evaluate-run';
import { resetEvaluationForModel } from './evaluate-samples';

/** Vite's base URL (typed loosely: this module is also type-checked outside Vite's client types, in tests). */
const BASE_URL = (import.meta as ImportMeta & { env?: { BASE_URL?: string } }).env?.BASE_URL ?? '/';
export const DEMO_MODEL_URL = `${BASE_URL}demo/mnist-8.onnx`;
export const DEMO_MODEL_NAME = 'mnist-8.onnx';

let nextLoadId = 0;
let demoFetch: AbortController | undefined;
let nextModelId = 0;

/**
 * From files dropped or picked together, take the model (the first `.onnx`, else the first file) and pass the rest
 * as sidecars (external data, resolved by the worker by file name).
 */
export function splitModelFiles<F extends { name: string }>(
  files: readonly F[],
): { model: F; sidecars: F[] } | null {
  if (files.length === 0) return null;
  const model = files.find((f) => /\.onnx$/i.test(f.name)) ?? files[0];
  return { model, sidecars: files.filter((f) => f !== model) };
}

/** The weight shown first: the largest one. */
export const defaultWeight = (summary: ModelSummary): string | null =>
  summary.weights.reduce<ModelSummary['weights'][number] | null>(
    (best, w) => (!best || w.elements > best.elements ? w : best),
    null,
  )?.name ?? null;

const isCurrentLoad = (loadId: number) => {
  const m = getState().model;
  return m.status === 'loading' && m.loadId === loadId;
};

function beginLoad(fileName: string): number {
  const loadId = ++nextLoadId;
  setState({ model: { status: 'loading', loadId, fileName, previous: selectLoaded(getState()) } });
  return loadId;
}

function failLoad(loadId: number, fileName: string, e: unknown): void {
  if (!isCurrentLoad(loadId)) return;
  setState({ model: { status: 'error', fileName, error: toUiError(e), previous: selectLoaded(getState()) } });
}

/** Switch to a newly opened model: its variants, views and downloads start empty; the old one is closed. */
function adopt(loaded: OpenedModel): void {
  const previous = selectLoaded(getState());
  void cancelQuantize();
  cancelEvaluation();
  releaseAllDownloads();
  getQuantizeSession().releaseBlob();
  setState((s) => ({
    model: { status: 'ready', loaded },
    variants: {},
    variantOrder: [],
    batch: { status: 'idle' },
    config: { ...s.config, layers: {} },
    selectedWeight: defaultWeight(loaded.summary),
    compare: { a: null, b: null },
    weightsFilter: '',
    ...initialViews,
  }));
  resetEvaluationForModel(loaded.summary); // results belong to the old model; the sample set stays
  resetSensitivity();
  if (previous && previous.id !== loaded.id) getQuantizeSession().close(previous.id);
}

async function openPicked(
  model: Blob,
  fileName: string,
  sidecarFiles: File[],
  loadId: number,
): Promise<void> {
  const modelId = `m${++nextModelId}`;
  const sidecars = sidecarFiles.map((f) => ({ name: f.name, blob: f as Blob }));
  try {
    const session = getQuantizeSession();
    const summary = await session.open({ id: modelId, file: model, fileName, sidecars });
    if (!isCurrentLoad(loadId)) {
      session.close(modelId);
      return;
    }
    adopt({ id: modelId, file: model, fileName, sidecars, summary });
  } catch (e) {
    failLoad(loadId, fileName, e);
  }
}

/** Open a model dropped or picked by the user, with any external-data files that came with it. */
export async function openFiles(files: readonly File[]): Promise<void> {
  const picked = splitModelFiles(files);
  if (!picked) return;
  const loadId = beginLoad(picked.model.name);
  await openPicked(picked.model, picked.model.name, picked.sidecars, loadId);
}

/** Fetch and open the bundled demo model (mnist-8). */
export async function openDemo(): Promise<void> {
  const loadId = beginLoad(DEMO_MODEL_NAME);
  demoFetch?.abort();
  const controller = (demoFetch = new AbortController());
  let blob: Blob;
  try {
    const res = await fetch(DEMO_MODEL_URL, { signal: controller.signal });
    if (!res.ok) throw new Error(`Could not fetch the demo model (HTTP ${res.status})`);
    blob = await res.blob();
  } catch (e) {
    failLoad(loadId, DEMO_MODEL_NAME, e);
    return;
  }
  await openPicked(blob, DEMO_MODEL_NAME, [], loadId);
}

/**
 * Stop waiting for the model being opened: the previous model (if any) is current again, untouched. A parse can't
 * be interrupted, so the worker finishes it and the result is closed unseen (openPicked sees a stale load id); the
 * demo's download is aborted.
 */
export function cancelOpen(): void {
  const m = getState().model;
  if (m.status !== 'loading') return;
  demoFetch?.abort();
  setState({ model: m.previous ? { status: 'ready', loaded: m.previous } : { status: 'idle' } });
}

/** Dismiss a load error; the previous model (if any) becomes current again. */
export function dismissLoadError(): void {
  const m = getState().model;
  if (m.status !== 'error') return;
  setState({ model: m.previous ? { status: 'ready', loaded: m.previous } : { status: 'idle' } });
}
