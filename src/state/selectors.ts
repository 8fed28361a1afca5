import { describeQuantized } from '../core/onnx/quantized-text';
import { nothingToQuantize } from '../core/pipeline/select';
import type { RunSummary, WeightInfo } from '../protocol/dto';
import type { AppState } from './slices';
import type { OpenedModel, Variant } from './types';

/** The model on screen: the ready one, or the one kept while a new load runs or after it failed. */
export const selectLoaded = (s: AppState): OpenedModel | null => {
  const m = s.model;
  if (m.status === 'ready') return m.loaded;
  if (m.status === 'loading' || m.status === 'error') return m.previous;
  return null;
};

export const selectSummary = (s: AppState) => selectLoaded(s)?.summary ?? null;
export const selectModelId = (s: AppState) => selectLoaded(s)?.id ?? null;

/** The last good result of a variant, also while it re-runs or after a re-run failed. */
export const resultOf = (v: Variant | undefined): RunSummary | null => {
  if (!v) return null;
  const r = v.run;
  if (r.status === 'done') return r.summary;
  if (r.status === 'running' || r.status === 'error') return r.last;
  return null;
};

export const selectVariantList = (s: AppState): Variant[] => s.variantOrder.map((id) => s.variants[id]);

/** Variants that have a result (use with useShallow: the items are stable references). */
export const selectResultVariants = (s: AppState): Variant[] =>
  s.variantOrder.map((id) => s.variants[id]).filter((v) => resultOf(v) !== null);

export const selectBusy = (s: AppState): boolean => s.batch.status !== 'idle';

export const selectWeight = (s: AppState): WeightInfo | null => {
  const summary = selectSummary(s);
  if (!summary || !s.selectedWeight) return null;
  return summary.weights.find((w) => w.name === s.selectedWeight) ?? null;
};

/**
 * Why Quantize would produce nothing for the chosen bit widths (already quantized, every weight excluded or kept
 * float, no weights), or null. The same sentence `qstudio quantize` exits 1 with.
 */
export const selectNothingToQuantize = (s: AppState): string | null => {
  const summary = selectSummary(s);
  if (!summary || s.chosenBits.length === 0) return null;
  const already = describeQuantized(summary.quantized);
  const reasons = s.chosenBits.map((bits) =>
    nothingToQuantize({ ...s.config, bits }, summary.weights, already),
  );
  return reasons.every((r) => r !== null) ? reasons[0] : null;
};

/** "119 ConvInteger weights, int8 per-tensor" for an already-quantized model, else null. */
export const selectAlreadyQuantized = (s: AppState): string | null => {
  const q = selectSummary(s)?.quantized;
  return q?.length ? describeQuantized(q) : null;
};
