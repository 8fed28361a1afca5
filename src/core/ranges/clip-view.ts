import type { WeightInfo } from '../onnx/types';
import { groupingOptions } from '../pipeline/weight';
import type { ClipMethod, WeightSpec } from '../quant/config';
import type { QuantizeOptions } from '../quant/quantize';
import { levelRange } from '../quant/range';
import { CLIP_GRID, chooseRangeParams, clipCurve, groupSse, groupValues } from './clip';

/** What the studio draws for one weight's clip choice: the MSE-vs-clip curve and the chosen point and bounds. */
export interface ClipView {
  method: Exclude<ClipMethod, 'minmax'>;
  /** Clip ratios of the curve (fraction of each group's extremes; 1 is min/max) and the MSE at each. */
  alphas: number[];
  mse: number[];
  /** Scale groups (1 per tensor; channels or blocks otherwise). */
  groups: number;
  /** The chosen clip: its reconstruction MSE and ratio (mean over groups when there are several). */
  chosenAlpha: number;
  chosenMse: number;
  /** MSE with plain min/max ranges (alpha 1), for comparison. */
  minmaxMse: number;
  /** Chosen clip bounds in weight units: widest (outer) and narrowest (inner) over groups; equal for one group. */
  lo: number;
  hi: number;
  innerLo: number;
  innerHi: number;
}

/** The curve's x grid: k/CLIP_GRID, k = 1..CLIP_GRID (the uniform part of the search grid). */
export const CURVE_ALPHAS: readonly number[] = Array.from(
  { length: CLIP_GRID },
  (_, i) => (i + 1) / CLIP_GRID,
);

/**
 * The clip view of a weight quantized with `opts` and `method`, or null when nothing is clipped (`minmax`, an empty
 * tensor, or NaN/±Inf values, which the kernel refuses anyway). Pure: the chosen ranges are the kernel's own
 * (`chooseRangeParams`), so the bounds drawn are the ones the export uses.
 */
export function clipView(
  w: Float32Array,
  shape: readonly number[],
  opts: QuantizeOptions,
  method: ClipMethod,
  percentile?: number,
): ClipView | null {
  if (method === 'minmax' || w.length === 0) return null;
  const params = chooseRangeParams(w, shape, opts, method, percentile);
  if (!params) return null;
  const { qmin, qmax } = levelRange(opts.bits, opts.scheme);
  const groups = groupValues(w, shape, opts);
  let sse = 0;
  let alphaSum = 0;
  let lo = Infinity;
  let hi = -Infinity;
  let innerLo = -Infinity;
  let innerHi = Infinity;
  groups.forEach((v, k) => {
    const scale = params.scales[k];
    const zp = params.zeroPoints?.[k] ?? 0;
    sse += groupSse(v, scale, zp, qmin, qmax);
    // Symmetric grids use ±qmax only (qmin = −qmax), so both cases are (q − zp)·scale at the end levels.
    const gLo = (qmin - zp) * scale;
    const gHi = (qmax - zp) * scale;
    let min = 0;
    let max = 0;
    for (const x of v) {
      if (x < min) min = x;
      if (x > max) max = x;
    }
    const span = opts.scheme === 'symmetric' ? Math.max(-min, max) : max - min;
    const chosen = opts.scheme === 'symmetric' ? gHi : gHi - gLo;
    alphaSum += span > 0 ? Math.min(1, chosen / span) : 1;
    lo = Math.min(lo, gLo);
    hi = Math.max(hi, gHi);
    innerLo = Math.max(innerLo, gLo);
    innerHi = Math.min(innerHi, gHi);
  });
  const mse = clipCurve(w, shape, opts, CURVE_ALPHAS);
  return {
    method,
    alphas: [...CURVE_ALPHAS],
    mse,
    groups: groups.length,
    chosenAlpha: alphaSum / groups.length,
    chosenMse: sse / w.length,
    minmaxMse: mse[mse.length - 1],
    lo,
    hi,
    innerLo,
    innerHi,
  };
}

/** The clip view of one weight under its spec (null when the spec is float, fp16 or min/max). */
export function weightClipView(
  values: Float32Array,
  w: WeightInfo,
  spec: WeightSpec | null,
): ClipView | null {
  if (!spec || spec.bits === 'fp16' || !spec.clip || spec.clip === 'minmax') return null;
  return clipView(values, w.shape, groupingOptions(w, spec.bits, spec), spec.clip, spec.clipPercentile);
}
