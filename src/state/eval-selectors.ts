import type { EvalMode, ModeResult } from '../protocol/eval-dto';
import type { EvalResult, LoadedSamples } from './eval-slice';
import { resultOf } from './selectors';
import type { AppState } from './slices';

/** The sample set on screen: the ready one, or the one kept while a new read runs or after it failed. */
export const selectSamples = (s: AppState): LoadedSamples | null => {
  const x = s.samples;
  if (x.status === 'ready') return x.loaded;
  if (x.status === 'loading' || x.status === 'error') return x.previous;
  return null;
};

export const selectIsImageSet = (s: AppState): boolean => selectSamples(s)?.info.kind === 'images';

/** The evaluate worker is in use: an evaluation, or a sensitivity run (they share the worker and its cancel). */
export const selectEvalBusy = (s: AppState): boolean =>
  s.evalRun.status === 'preparing' ||
  s.evalRun.status === 'running' ||
  s.evalRun.status === 'cancelling' ||
  s.sensitivityRun.status === 'running';

/** The result of one mode, preferring exact weight-only (the default and the quantity the studio is about). */
export function primaryMode(v: { exact: ModeResult | null; deployed: ModeResult | null }): ModeResult | null {
  return v.exact ?? v.deployed;
}

export interface VariantAccuracy {
  /** Top-1 accuracy (0..1), null without labels. */
  top1: number | null;
  /** vs the float model, null without labels. */
  delta: number | null;
  agreement: number | null;
  /** Worst output SQNR vs float (dB) and that output's name: the number to show when there are no class scores. */
  outputName: string | null;
  outputSqnrDb: number | null;
  mode: EvalMode;
  /** The other mode's top-1 when both ran and it differs. */
  otherTop1: number | null;
  samples: number;
  samplesName: string;
  /** Which samples were evaluated, and which calibrate (EvalResult.samplesLabel). */
  samplesLabel: string;
}

/** A variant's accuracy from the last evaluation, or null when not evaluated or re-quantized since. */
export function variantAccuracy(result: EvalResult | null, variantId: string, runId: string | null) {
  if (!result || runId === null || result.runIds[variantId] !== runId) return null;
  const v = result.report.variants.find((x) => x.id === variantId);
  const m = v ? primaryMode(v) : null;
  if (!v || !m) return null;
  const other = m.mode === 'exact' ? v.deployed : v.exact;
  const otherTop1 = other?.accuracy?.top1Accuracy ?? null;
  // Flat fields: the cell selects with useShallow, and a fresh object here would re-render forever.
  const worst = m.outputs.reduce<(typeof m.outputs)[number] | null>(
    (w, o) => (w === null || o.sqnrDb < w.sqnrDb ? o : w),
    null,
  );
  const acc: VariantAccuracy = {
    top1: m.accuracy?.top1Accuracy ?? null,
    delta: m.top1Delta,
    agreement: m.fidelity?.top1Agreement ?? null,
    outputName: worst?.name ?? null,
    outputSqnrDb: worst?.sqnrDb ?? null,
    mode: m.mode,
    otherTop1: otherTop1 !== null && otherTop1 !== m.accuracy?.top1Accuracy ? otherTop1 : null,
    samples: result.report.sampleCount,
    samplesName: result.samplesName,
    samplesLabel: result.samplesLabel,
  };
  return acc;
}

export const selectVariantAccuracy =
  (variantId: string) =>
  (s: AppState): VariantAccuracy | null =>
    variantAccuracy(s.evalResult, variantId, resultOf(s.variants[variantId])?.runId ?? null);

/** Does the last result still describe the current variants? (A re-run or removed variant makes it partly stale.) */
export const selectStaleVariantIds = (s: AppState): string[] => {
  const r = s.evalResult;
  if (!r) return [];
  return Object.keys(r.runIds).filter((id) => resultOf(s.variants[id])?.runId !== r.runIds[id]);
};
