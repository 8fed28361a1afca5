// Before a long measurement: how many models it runs and about how long, so that the user agrees to it, or picks
// a sample of the layers or whole blocks instead (issue 14: large models, with the user's consent) — or, when
// "Quantize to budget" would measure first, plans with the weight-error proxy instead.
import type { WeightInfo } from '../../core/onnx/types';
import { measuredUnits, type LayerSelection } from '../../core/sensitivity/groups';
import { MAX_EVALUATIONS } from '../../core/mixed/refine';
import type { IntBits } from '../../core/quant/config';
import type { SensitivityReport } from '../../protocol/eval-dto';
import { selectLoaded } from '../selectors';
import type { SensitivityConfirm } from '../sensitivity-slice';
import type { AppState } from '../slices';
import { appStore, getState, setState } from '../store';
import {
  budgetMeasuresFirst,
  budgetShow,
  budgetWidthsToMeasure,
  sensitivitySource,
  sourceText,
} from './sensitivity-data';

/** A measurement estimated to take longer than this asks first. */
export const LONG_MEASUREMENT_SECONDS = 60;
/** Layers measured when the user picks "a sample". */
export const SAMPLED_LAYERS = 16;
/** Without a measurement on this model: per model, opening a session, then samples × weights × this. */
const GUESS_SESSION_SECONDS = 0.2;
const GUESS_SECONDS_PER_WEIGHT_SAMPLE = 1e-8;

export interface MeasurementEstimate {
  /** Models run per width (the float model and one per measured layer or block). */
  models: number;
  /** Layers (or blocks) measured per width. */
  units: number;
  seconds: number;
  /** Seconds per model run on all the samples (a whole-assignment run of the budget's refinement costs one). */
  perModel: number;
  /** `measured`: from an earlier run on this model; `guess`: from the weight count alone. */
  basis: 'measured' | 'guess';
}

/** Seconds per model and sample of an earlier run on this model (the last one), or null. */
export function measuredRate(reports: readonly SensitivityReport[]): number | null {
  const r = reports.at(-1);
  if (!r || r.sampleCount === 0) return null;
  return r.durationMs / 1000 / ((r.layers.length + 1) * r.sampleCount);
}

/** What measuring `weights` at `widths` widths on `samples` samples would run, and about how long. */
export function estimateMeasurement(
  weights: readonly WeightInfo[],
  totalParams: number,
  samples: number,
  widths: number,
  selection: LayerSelection | undefined,
  rate: number | null,
): MeasurementEstimate {
  const units = measuredUnits(weights as WeightInfo[], selection).length;
  const models = units + 1;
  const perModel =
    rate !== null
      ? rate * samples
      : GUESS_SESSION_SECONDS + samples * totalParams * GUESS_SECONDS_PER_WEIGHT_SAMPLE;
  return {
    models,
    units,
    seconds: widths * models * perModel,
    perModel,
    basis: rate !== null ? 'measured' : 'guess',
  };
}

/** "about 3 min" / "about 40 s" */
export function durationText(seconds: number): string {
  if (seconds < 90) return `about ${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `about ${Math.round(seconds / 60)} min`;
  return `about ${(seconds / 3600).toFixed(1)} h`;
}

/** What a measurement reads, and who asks (see SensitivityConfirm). */
export interface MeasurementAsk {
  samples: number;
  /** "the first 128 samples of digits.npz" (`sourceText`). */
  source: string;
  purpose: SensitivityConfirm['purpose'];
}

/**
 * When measuring `widths` on `ask.samples` samples is estimated to take longer than `above` seconds: what to ask the
 * user, with the time of the cheaper choices — a sample of the layers or one model per block (not for the budget,
 * which needs every layer's loss); for a budget plan, the refinement's whole-assignment runs too. Else null: run at
 * once.
 */
export function longMeasurement(
  s: AppState,
  widths: readonly IntBits[],
  show: IntBits,
  ask: MeasurementAsk,
  above = LONG_MEASUREMENT_SECONDS,
): SensitivityConfirm | null {
  const { samples } = ask;
  const loaded = selectLoaded(s);
  if (!loaded) return null;
  const weights = loaded.summary.weights.filter(
    (w) => (s.config.includeGather || w.op !== 'Gather') && w.consumers <= 1,
  );
  const rate = measuredRate(s.sensitivityReports.filter((r) => r.modelId === loaded.id).map((r) => r.report));
  const at = (sel?: LayerSelection) =>
    estimateMeasurement(weights, loaded.summary.totalParams, samples, widths.length, sel, rate);
  const all = at();
  if (all.seconds <= above) return null;
  const forBudget = widths.length > 1;
  const block = forBudget ? null : at({ groupBy: 'block' });
  const sample = { sample: SAMPLED_LAYERS };
  return {
    purpose: ask.purpose,
    source: ask.source,
    samples,
    widths: [...widths],
    show,
    all,
    // The float model and at most MAX_EVALUATIONS whole assignments, each one model on the same samples.
    refineSeconds: ask.purpose === 'plan' ? (MAX_EVALUATIONS + 1) * all.perModel : null,
    block: block && block.units < all.units ? block : null,
    sample: forBudget || all.units <= SAMPLED_LAYERS ? null : { ...at(sample), selection: sample },
  };
}

/**
 * What to ask before "Quantize to budget" measures the missing widths on the samples (the same estimate and
 * threshold as the panel's), or null when the measurement is short enough to start at once.
 */
export function budgetPlanConfirm(
  s = getState(),
  above = LONG_MEASUREMENT_SECONDS,
): SensitivityConfirm | null {
  const src = sensitivitySource(s);
  return longMeasurement(
    s,
    budgetWidthsToMeasure(s),
    budgetShow(s),
    { samples: src.samples, source: sourceText(src), purpose: 'plan' },
    above,
  );
}

/** What to ask before the Sensitivity panel measures `widths` on its sample source, or null to start at once. */
export function panelConfirm(
  s: AppState,
  widths: readonly IntBits[],
  show: IntBits,
  above = LONG_MEASUREMENT_SECONDS,
): SensitivityConfirm | null {
  const src = sensitivitySource(s);
  return longMeasurement(
    s,
    widths,
    show,
    { samples: src.samples, source: sourceText(src), purpose: 'panel' },
    above,
  );
}

/**
 * Ask `c` first. Its answer runs on the data and settings of the moment of the click, so while it is open it follows
 * them: a new calibration count, sample set or setting gives it a new estimate (kept open even when that is short
 * now: the user is answering it), and it closes when nothing is left to ask about (nothing to measure, or no sample
 * set for the plan to measure on). The panel's ask keeps its widths (what its answer measures); the plan's is the
 * plan's ask now.
 */
export function askFirst(c: SensitivityConfirm): void {
  let shown: SensitivityConfirm | null = c;
  setState({ sensitivityConfirm: c });
  const follow = (s: AppState): SensitivityConfirm | null => {
    if (c.purpose === 'plan') return budgetMeasuresFirst(s) ? budgetPlanConfirm(s, 0) : null;
    return panelConfirm(s, c.widths, c.show, 0);
  };
  const stop = appStore.subscribe((s) => {
    if (s.sensitivityConfirm !== shown) return stop(); // answered, closed or replaced: no longer ours
    const next = follow(s);
    if (JSON.stringify(next) === JSON.stringify(shown)) return;
    shown = next;
    if (!next) stop();
    setState({ sensitivityConfirm: next });
  });
}
