import type { ClipMethod } from '../quant/config';
import { forEachRun } from '../quant/grouping';
import { groupingFor, type QuantizeOptions } from '../quant/quantize';
import { asymmetricParams, levelRange, symmetricScale } from '../quant/range';

/** Scales (and zero points) for every scale group, in the order `quantizeTensor` numbers its groups. */
export interface RangeParams {
  scales: Float32Array;
  zeroPoints: Int16Array | null;
}

/** Grid resolution of the clip search: fractions k/GRID of the group's extremes, k = 1..GRID (GRID is min/max). */
export const CLIP_GRID = 64;
const GOLDEN_STEPS = 16;

/** One group's values, copied out so strided groups (per-axis on the last axis) are contiguous. */
export function groupValues(
  w: Float32Array,
  shape: readonly number[],
  opts: QuantizeOptions,
): Float32Array[] {
  const g = groupingFor(shape, opts);
  const counts = new Int32Array(g.groups);
  forEachRun(g, (_start, len, k0, step) => {
    if (step === 0) counts[k0] += len;
    else for (let j = 0, k = k0; j < len; j++, k += step) counts[k] += 1;
  });
  const out = Array.from(counts, (n) => new Float32Array(n));
  const fill = new Int32Array(g.groups);
  forEachRun(g, (start, len, k0, step) => {
    if (step === 0) {
      out[k0].set(w.subarray(start, start + len), fill[k0]);
      fill[k0] += len;
    } else for (let j = 0, k = k0; j < len; j++, k += step) out[k][fill[k]++] = w[start + j];
  });
  return out;
}

/**
 * Sum of squared reconstruction errors of one group with one scale and zero point, with exactly the rounding of
 * QuantizeLinear (float32 divide, round half to even, saturate) and DequantizeLinear (float32 product).
 */
export function groupSse(v: Float32Array, scale: number, zp: number, qmin: number, qmax: number): number {
  let sse = 0;
  for (let j = 0; j < v.length; j++) {
    const t = Math.fround(v[j] / scale);
    let r = Math.round(t);
    if (r - t === 0.5 && r % 2 !== 0) r -= 1;
    let q = r + zp;
    q = q < qmin ? qmin : q > qmax ? qmax : q;
    const e = v[j] - Math.fround((q - zp) * scale);
    sse += e * e;
  }
  return sse;
}

interface Extremes {
  min: number;
  max: number;
  finite: boolean;
}

function extremes(v: Float32Array): Extremes {
  let min = 0;
  let max = 0;
  for (let j = 0; j < v.length; j++) {
    const x = v[j];
    if (x - x !== 0) return { min, max, finite: false };
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { min, max, finite: true };
}

type Candidate = { scale: number; zp: number };

/**
 * Fractions of the extremes tried first: k/CLIP_GRID (k = 1..CLIP_GRID, CLIP_GRID being min/max) and, for tensors
 * with a far outlier, 24 geometric steps from 1/CLIP_GRID down to 1e-4.
 */
const ALPHAS: readonly number[] = [
  ...Array.from({ length: 24 }, (_, i) => 1e-4 * (1 / CLIP_GRID / 1e-4) ** (i / 24)),
  ...Array.from({ length: CLIP_GRID }, (_, i) => (i + 1) / CLIP_GRID),
];

/** Minimise f over α in (0, 1]: the ALPHAS grid, then golden-section search between the best point's neighbours. */
function searchAlpha(f: (alpha: number) => number): { alpha: number; value: number } {
  let best = { alpha: 1, value: f(1) };
  let at = ALPHAS.length - 1;
  for (let i = ALPHAS.length - 2; i >= 0; i--) {
    const val = f(ALPHAS[i]);
    if (val < best.value) {
      best = { alpha: ALPHAS[i], value: val };
      at = i;
    }
  }
  // The error is piecewise smooth, not unimodal: golden-section only refines between the grid neighbours.
  let lo = at > 0 ? ALPHAS[at - 1] : ALPHAS[0] / 2;
  let hi = at < ALPHAS.length - 1 ? ALPHAS[at + 1] : 1;
  const phi = (Math.sqrt(5) - 1) / 2;
  let a = hi - phi * (hi - lo);
  let b = lo + phi * (hi - lo);
  let fa = f(a);
  let fb = f(b);
  for (let i = 0; i < GOLDEN_STEPS; i++) {
    if (fa < best.value) best = { alpha: a, value: fa };
    if (fb < best.value) best = { alpha: b, value: fb };
    if (fa <= fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - phi * (hi - lo);
      fa = f(a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + phi * (hi - lo);
      fb = f(b);
    }
  }
  if (fa < best.value) best = { alpha: a, value: fa };
  if (fb < best.value) best = { alpha: b, value: fb };
  return best;
}

function symmetricMse(v: Float32Array, absmax: number, qmax: number): Candidate {
  const at = (alpha: number) => symmetricScale(alpha === 1 ? absmax : alpha * absmax, qmax);
  const { alpha } = searchAlpha((a) => groupSse(v, at(a), 0, -qmax, qmax));
  return { scale: at(alpha), zp: 0 };
}

function asymmetricMse(v: Float32Array, e: Extremes, qmin: number, qmax: number): Candidate {
  const params = (lo: number, hi: number) => {
    const p = asymmetricParams(lo, hi, qmin, qmax);
    return { scale: p.scale, zp: p.zeroPoint };
  };
  const sse = (c: Candidate) => groupSse(v, c.scale, c.zp, qmin, qmax);
  // Shrink both ends together, then each end alone (coordinate descent, two rounds).
  let aLo = searchAlpha((a) => sse(params(a * e.min, a * e.max))).alpha;
  let aHi = aLo;
  for (let round = 0; round < 2; round++) {
    const hiNow = aHi;
    aLo = searchAlpha((a) => sse(params(a * e.min, hiNow * e.max))).alpha;
    const loNow = aLo;
    aHi = searchAlpha((a) => sse(params(loNow * e.min, a * e.max))).alpha;
  }
  const found = params(aLo * e.min, aHi * e.max);
  const minmax = params(e.min, e.max);
  return sse(found) < sse(minmax) ? found : minmax;
}

/** The p-th percentile (linear interpolation between order statistics) of sorted values. */
export function percentileOf(sorted: Float32Array, p: number): number {
  if (sorted.length === 0) return 0;
  const pos = (p / 100) * (sorted.length - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < sorted.length ? sorted[i] + f * (sorted[i + 1] - sorted[i]) : sorted[i];
}

function percentileCandidate(v: Float32Array, p: number, symmetric: boolean, qmin: number, qmax: number) {
  if (symmetric) {
    const abs = Float32Array.from(v, Math.abs).sort();
    return { scale: symmetricScale(percentileOf(abs, p), qmax), zp: 0 };
  }
  const sorted = Float32Array.from(v).sort();
  const a = asymmetricParams(percentileOf(sorted, 100 - p), percentileOf(sorted, p), qmin, qmax);
  return { scale: a.scale, zp: a.zeroPoint };
}

/**
 * Choose each group's scale (and zero point) by `method`; null for `minmax` (the kernel's own choice) and for groups
 * holding NaN/±Inf (the kernel then refuses the tensor with the index). The result feeds `QuantizeOptions.params`.
 */
export function chooseRangeParams(
  w: Float32Array,
  shape: readonly number[],
  opts: QuantizeOptions,
  method: ClipMethod,
  percentile = 99.9,
): RangeParams | null {
  if (method === 'minmax') return null;
  const { qmin, qmax } = levelRange(opts.bits, opts.scheme);
  const symmetric = opts.scheme === 'symmetric';
  const groups = groupValues(w, shape, opts);
  const scales = new Float32Array(groups.length);
  const zeroPoints = symmetric ? null : new Int16Array(groups.length);
  for (let k = 0; k < groups.length; k++) {
    const v = groups[k];
    const e = extremes(v);
    if (!e.finite) return null;
    let c: Candidate;
    if (method === 'percentile') c = percentileCandidate(v, percentile, symmetric, qmin, qmax);
    else if (symmetric) c = symmetricMse(v, Math.max(-e.min, e.max), qmax);
    else c = asymmetricMse(v, e, qmin, qmax);
    scales[k] = c.scale;
    if (zeroPoints) zeroPoints[k] = c.zp;
  }
  return { scales, zeroPoints };
}

/**
 * Total reconstruction MSE of a tensor when every group is clipped to `alpha` times its extremes, for each alpha:
 * the curve the studio draws for a layer (alpha 1 is min/max).
 */
export function clipCurve(
  w: Float32Array,
  shape: readonly number[],
  opts: QuantizeOptions,
  alphas: readonly number[],
): number[] {
  const { qmin, qmax } = levelRange(opts.bits, opts.scheme);
  const groups = groupValues(w, shape, opts).map((v) => ({ v, e: extremes(v) }));
  return alphas.map((a) => {
    let sse = 0;
    for (const { v, e } of groups) {
      if (opts.scheme === 'symmetric') {
        sse += groupSse(v, symmetricScale(a * Math.max(-e.min, e.max), qmax), 0, qmin, qmax);
      } else {
        const p = asymmetricParams(a * e.min, a * e.max, qmin, qmax);
        sse += groupSse(v, p.scale, p.zeroPoint, qmin, qmax);
      }
    }
    return w.length ? sse / w.length : 0;
  });
}
