// Calibration vs evaluation samples of one loaded set. Calibrating on the first N samples and evaluating on the rest
// keeps the numbers a user reads on samples the calibration never saw (as our benchmarks and the CLI's separate
// `--calibration` set do). One function decides the split, and every request carries the range it reads.
import { sampleSetError } from './paths';
import type { SampleSet } from './types';

/** The user's choice: evaluate on the samples after the calibration's (default), or on the whole set. */
export type SplitMode = 'holdout' | 'same';

/** Samples `start` … `end − 1` (0-based, end exclusive) of the loaded set. */
export interface SampleRange {
  start: number;
  end: number;
}

export interface SampleSplit {
  total: number;
  /** What calibration, measured sensitivity and the budget's measured loss read. */
  calibration: SampleRange;
  /** What evaluation (accuracy, flips, per-class tables, the Variants table) reads. */
  evaluation: SampleRange;
  /** True when the two ranges do not overlap. */
  heldOut: boolean;
  /** Why they overlap although the user asked for a hold-out (the set is too small); else null. */
  fallback: string | null;
}

/**
 * The rule: hold out when the set has at least twice the calibration count (so evaluation gets at least as many
 * samples as calibration); calibrate on samples 1…N, evaluate on N+1…end. Otherwise (or by choice) both use the
 * whole set, calibration its first N.
 */
export function splitSamples(total: number, calibrationCount: number, mode: SplitMode): SampleSplit {
  if (!Number.isInteger(total) || total < 1) {
    throw sampleSetError(`a sample split needs at least one sample, got ${total}`);
  }
  if (!Number.isInteger(calibrationCount) || calibrationCount < 1) {
    throw sampleSetError(`calibration needs a positive whole number of samples, got ${calibrationCount}`);
  }
  const n = Math.min(calibrationCount, total);
  const calibration = { start: 0, end: n };
  if (mode === 'holdout' && total >= 2 * calibrationCount) {
    return { total, calibration, evaluation: { start: n, end: total }, heldOut: true, fallback: null };
  }
  const fallback =
    mode === 'holdout'
      ? `too few samples to hold out: ${total} is fewer than 2 × ${calibrationCount} calibration samples`
      : null;
  return { total, calibration, evaluation: { start: 0, end: total }, heldOut: false, fallback };
}

export const rangeSize = (r: SampleRange) => r.end - r.start;

/** 1-based and inclusive, as a user counts: "samples 129–300 (172)", "sample 7 (1)". */
export function rangeText(r: SampleRange): string {
  const n = rangeSize(r);
  return n === 1 ? `sample ${r.start + 1} (1)` : `samples ${r.start + 1}–${r.end} (${n})`;
}

const bounds = (r: SampleRange) => (rangeSize(r) === 1 ? `${r.start + 1}` : `${r.start + 1}–${r.end}`);

/** What evaluation results say they were computed on, and how that relates to calibration. */
export function evaluationLabel(s: SampleSplit): string {
  const on = `evaluated on ${rangeText(s.evaluation)}`;
  if (s.heldOut) return `${on}; calibration uses ${bounds(s.calibration)}`;
  const why = s.fallback ? ` (${s.fallback})` : '';
  return `${on}, including calibration's ${bounds(s.calibration)}: not held out${why}`;
}

/** What calibration-side results (capture, sensitivity, the budget's measured loss) say they read. */
export function calibrationLabel(s: SampleSplit): string {
  const on = `calibration on ${rangeText(s.calibration)}`;
  return s.heldOut
    ? `${on}; evaluation on the other ${rangeSize(s.evaluation)}`
    : `${on}; evaluation on all ${s.total}`;
}

/** Samples `r` of `set` as a set of their own (views, no copies); the whole set when `r` covers it. */
export function sliceSampleSet(set: SampleSet, r: SampleRange): SampleSet {
  if (!(
    Number.isInteger(r.start) &&
    Number.isInteger(r.end) &&
    0 <= r.start &&
    r.start < r.end &&
    r.end <= set.count
  )) {
    throw sampleSetError(
      `${set.sourceName}: samples ${r.start + 1}–${r.end} are not within the set's ${set.count} samples`,
    );
  }
  if (r.start === 0 && r.end === set.count) return set;
  const { start, end } = r;
  const labels = set.labels ? set.labels.subarray(start, end) : null;
  const count = end - start;
  if (set.kind === 'images') {
    const load = set.load;
    return { ...set, count, labels, names: set.names.slice(start, end), load: (i) => load(i + start) };
  }
  const rows = <T extends Float32Array | Float64Array>(values: T, dims: number[]) => {
    const size = dims.reduce((a, b) => a * b, 1);
    return values.subarray(start * size, end * size) as T;
  };
  return {
    ...set,
    count,
    labels,
    inputs: rows(set.inputs, set.sampleDims),
    referenceOutputs: set.referenceOutputs
      ? { ...set.referenceOutputs, data: rows(set.referenceOutputs.data, set.referenceOutputs.sampleDims) }
      : null,
    ...(set.arrays
      ? { arrays: set.arrays.map((a) => ({ ...a, values: rows(a.values, a.sampleDims) })) }
      : {}),
  };
}
