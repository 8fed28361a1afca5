import { getState, setState } from '../store';
import { resultOf, selectLoaded } from '../selectors';
import { toUiError } from '../ui-error';
import type { DownloadState } from '../types';
import { downloadFileName } from '../variant-key';
import { getQuantizeSession } from '../../bridge';
import type { OpenedModel, Variant } from '../types';
import { checkVariant } from './check-variant';

const setDownload = (variantId: string, d: DownloadState | undefined) =>
  setState((s) => {
    const downloads = { ...s.downloads };
    if (d) downloads[variantId] = d;
    else delete downloads[variantId];
    return { downloads };
  });

/** Forget a variant's prepared download and revoke its object URL. */
export function releaseDownload(variantId: string): void {
  const d = getState().downloads[variantId];
  if (d?.status === 'ready') {
    URL.revokeObjectURL(d.url);
    if (d.data) URL.revokeObjectURL(d.data.url);
  }
  if (d) setDownload(variantId, undefined);
}

export function releaseAllDownloads(): void {
  for (const id of Object.keys(getState().downloads)) releaseDownload(id);
}

/**
 * A variant's exported model as one Blob, shared by the download and the evaluation (the session exports it once
 * per run).
 */
export function variantBlob(loaded: OpenedModel, variant: Variant): Promise<Blob> {
  const result = resultOf(variant);
  if (!result) return Promise.reject(new Error(`variant ${variant.id} has no result to export`));
  return getQuantizeSession().exportBlob(loaded, variant.id, { runId: result.runId, config: variant.config });
}

/** Save a Blob made on the page (a report, a recipe) as a file: its object URL lives only for the click. */
export function saveBlob(blob: Blob, fileName: string): void {
  if (typeof document === 'undefined') return;
  const url = URL.createObjectURL(blob);
  saveUrl(url, fileName);
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** Hand a prepared object URL to the browser as a file download. */
function saveUrl(url: string, fileName: string): void {
  if (typeof document === 'undefined') return;
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
}

/**
 * Export a variant's model and save it. The worker hands over a Blob of the file's parts (never one concatenated
 * buffer); its object URL is kept (and revoked when the variant is re-run, removed, or the model changes) so a
 * second click saves the same file. `externalData` asks for model.onnx + model.onnx_data even below 2 GiB.
 */
export async function downloadVariant(variantId: string, { externalData = false } = {}): Promise<void> {
  const s = getState();
  const loaded = selectLoaded(s);
  const variant = s.variants[variantId];
  const result = resultOf(variant);
  if (!loaded || !variant || !result) return;
  const fileName = downloadFileName(loaded.fileName, variant.config);
  const existing = s.downloads[variantId];
  if (existing?.status === 'ready' && existing.runId === result.runId && existing.external === externalData) {
    saveUrl(existing.url, existing.fileName);
    if (existing.data) saveUrl(existing.data.url, existing.data.fileName);
    return;
  }
  if (existing?.status === 'preparing') return;
  releaseDownload(variantId);
  setDownload(variantId, { status: 'preparing' });
  try {
    // Never hand out a file that failed its check (the button is hidden then; this covers a click during the check).
    const check = await checkVariant(variantId);
    if (check?.status !== 'ok') {
      if (getState().downloads[variantId]?.status === 'preparing') setDownload(variantId, undefined);
      return;
    }
    const run = { runId: result.runId, config: variant.config };
    const blob = externalData
      ? await getQuantizeSession().callModel(loaded, (api) => api.exportModel(result.runId, true), [run])
      : await variantBlob(loaded, variant); // the same Blob the evaluation posts
    // Beyond protobuf's 2 GiB (or when asked) the export is model.onnx + model.onnx_data: two downloads into the
    // same folder are what onnxruntime loads as is (an archive would need unpacking first, and zip needs zip64
    // past 4 GiB).
    const dataFile = await getQuantizeSession().callModel(
      loaded,
      (api) => api.exportDataFile(result.runId, externalData),
      [run],
    );
    const cur = getState().downloads[variantId];
    if (cur?.status !== 'preparing' || resultOf(getState().variants[variantId])?.runId !== result.runId)
      return;
    const url = URL.createObjectURL(blob);
    const data = dataFile
      ? { url: URL.createObjectURL(dataFile.blob), fileName: dataFile.name, bytes: dataFile.blob.size }
      : undefined;
    setDownload(variantId, {
      status: 'ready',
      url,
      fileName,
      bytes: blob.size + (data?.bytes ?? 0),
      runId: result.runId,
      external: externalData,
      data,
    });
    saveUrl(url, fileName);
    if (data) saveUrl(data.url, data.fileName);
  } catch (e) {
    if (getState().downloads[variantId]?.status === 'preparing') {
      setDownload(variantId, { status: 'error', error: toUiError(e) });
    }
  }
}
