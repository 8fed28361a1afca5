// The range pass of QuantizeLinear (per-group extremes) as small monomorphic loops over contiguous runs, and the
// NaN / ±Inf rejection that names the first bad index.
import { StudioError } from '../errors';

export const badValue = (name: string | undefined, v: number, index: number): StudioError =>
  new StudioError('WeightValueError', `weight ${name ?? '(unnamed)'} has ${v} at index ${index}`);

/** max|w[j]| over start..end−1; NaN or +Infinity when a value is NaN or ±Inf (NaN sticks through the sum). */
export function absMax(w: Float32Array, start: number, end: number): number {
  let mx = 0;
  let bad = 0;
  for (let j = start; j < end; j++) {
    const v = w[j];
    bad += v - v; // 0 for finite values, NaN otherwise
    const a = Math.abs(v);
    if (a > mx) mx = a;
  }
  return mx + bad;
}

/** min and max of one group's run into mins[k] / maxs[k]; false when a value is NaN or ±Inf. */
export function runExtremes(
  w: Float32Array,
  start: number,
  end: number,
  k: number,
  mins: Float64Array,
  maxs: Float64Array,
): boolean {
  let mn = mins[k];
  let mx = maxs[k];
  let bad = 0;
  for (let j = start; j < end; j++) {
    const v = w[j];
    bad += v - v;
    if (v < mn) mn = v;
    if (v > mx) mx = v;
  }
  mins[k] = mn;
  maxs[k] = mx;
  return bad === 0;
}

/** Extremes when the group changes every `step` elements (per-axis on an inner axis). */
export function stridedExtremes(
  w: Float32Array,
  start: number,
  end: number,
  k0: number,
  step: number,
  mins: Float64Array,
  maxs: Float64Array,
): boolean {
  let bad = 0;
  for (let j = start, k = k0; j < end; j++, k += step) {
    const v = w[j];
    bad += v - v;
    if (v < mins[k]) mins[k] = v;
    if (v > maxs[k]) maxs[k] = v;
  }
  return bad === 0;
}

/**
 * Symmetric grids with the value check left to the caller: per group max|w| into maxs[k] and its negation into
 * mins[k] (so max(−min, max) is the same max|w| the min/max pass gives). NaN is skipped.
 */
export function stridedAbsMax(
  w: Float32Array,
  start: number,
  end: number,
  k0: number,
  step: number,
  mins: Float64Array,
  maxs: Float64Array,
): void {
  for (let j = start, k = k0; j < end; j++, k += step) {
    const a = Math.abs(w[j]);
    if (a > maxs[k]) {
      maxs[k] = a;
      mins[k] = -a;
    }
  }
}

/** max|w[j]| over start..end−1 without the value check (NaN is skipped), for callers that check afterwards. */
export function absMaxUnchecked(w: Float32Array, start: number, end: number): number {
  let mx = 0;
  for (let j = start; j < end; j++) {
    const a = Math.abs(w[j]);
    if (a > mx) mx = a;
  }
  return mx;
}

/** The error for the first NaN / ±Inf in w[start..end) (flat order, as every pass visits it). */
export function firstBad(w: Float32Array, start: number, end: number, name: string | undefined): StudioError {
  let j = start;
  while (j < end && w[j] - w[j] === 0) j++;
  return badValue(name, w[j], j);
}
