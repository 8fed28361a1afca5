// A variant's exported model as one Blob, shared by the download and the evaluation (STYLE.md B5: wrap once).
import type { OpenedModel, Variant } from '../types';
import { resultOf } from '../selectors';
import { callModel } from './worker-calls';

interface Entry {
  modelId: string;
  runId: string;
  blob: Promise<Blob>;
}

/** One entry per variant: a re-run (new run id) or another model replaces it. Blobs are not state, so not in the store. */
const cache = new Map<string, Entry>();

/**
 * The exported bytes of a variant's current result, exported by the quantize worker once per run and wrapped in a
 * Blob. Concurrent callers share the export; a failed export is not cached.
 */
export function variantBlob(loaded: OpenedModel, variant: Variant): Promise<Blob> {
  const result = resultOf(variant);
  if (!result) return Promise.reject(new Error(`variant ${variant.id} has no result to export`));
  const hit = cache.get(variant.id);
  if (hit && hit.runId === result.runId && hit.modelId === loaded.id) return hit.blob;
  const blob = callModel(loaded, (api) => api.exportModel(result.runId), [
    { runId: result.runId, config: variant.config },
  ]).then((bytes) => new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const entry: Entry = { modelId: loaded.id, runId: result.runId, blob };
  cache.set(variant.id, entry);
  blob.catch(() => {
    if (cache.get(variant.id) === entry) cache.delete(variant.id);
  });
  return blob;
}

/** Forget a variant's blob (removed), or all of them (another model). */
export function releaseVariantBlob(variantId?: string): void {
  if (variantId === undefined) cache.clear();
  else cache.delete(variantId);
}
