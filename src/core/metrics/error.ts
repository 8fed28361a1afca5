import { StudioError } from '../errors';
import type { LayerMetrics } from './types';

/** Float64 sums behind LayerMetrics, so several tensors combine exactly into one overall figure. */
export interface ErrorSums {
  count: number;
  /** Σ w² */
  signal: number;
  /** Σ (w − wq)² */
  noise: number;
  /** Σ |w| */
  sumAbs: number;
  maxAbsError: number;
}

export const emptyErrorSums = (): ErrorSums => ({ count: 0, signal: 0, noise: 0, sumAbs: 0, maxAbsError: 0 });

/**
 * The one summation rule of Σw², Σe² and Σ|w| (errorSums, and the export's fused pass in JS and WebAssembly SIMD):
 * element j of a tensor goes to lane j mod 4; within a block of SUM_BLOCK elements (those with the same j div
 * SUM_BLOCK) a lane adds its terms in float32, in element order (e = fround(w − wq), squares rounded to float32); at
 * the block's end each lane's float32 sum is added to that lane's float64 sum; the total is
 * (lane 0 + lane 1) + (lane 2 + lane 3). Float32 sums of at most 64 terms stay within 4e-6 (relative) of exact, far
 * below what the metrics show, and let the kernel take four lanes per instruction; the float64 lanes carry the
 * blocks. One rule everywhere keeps every path's sums bit-identical.
 * Where float32 squares overflow or underflow (|w| or |e| beyond about 2^±60) the sums are not trusted
 * (trustedSums) and errorSums recomputes them with the values scaled by a power of two (exact) first.
 */
export const SUM_BLOCK = 256;

/**
 * Layout of the running state (a Float64Array of LANES_LENGTH): float64 lanes 0–3 of Σw², of Σe², of Σ|w| (0–11),
 * max|e| (12), then the open block's float32 lane sums in the same order (OPEN + 0–11).
 */
export const OPEN = 13;
export const LANES_LENGTH = 25;

export const laneTotal = (lanes: ArrayLike<number>, at: number): number =>
  lanes[at] + lanes[at + 1] + (lanes[at + 2] + lanes[at + 3]);

/** A block ends: its float32 lane sums go into the float64 lanes and start again from 0. */
export function closeBlock(acc: Float64Array): void {
  for (let i = 0; i < 12; i++) {
    acc[i] += acc[OPEN + i];
    acc[OPEN + i] = 0;
  }
}

/** The sums of a finished tensor of `count` elements from its running state (the last block closed). */
export function sumsOf(acc: Float64Array, count: number): ErrorSums {
  closeBlock(acc);
  return {
    count,
    signal: laneTotal(acc, 0),
    noise: laneTotal(acc, 4),
    sumAbs: laneTotal(acc, 8),
    maxAbsError: acc[12],
  };
}

/** Below this a float32 sum of squares may have lost its terms to underflow. */
const TINY = 2 ** -100;

/**
 * Float32 block sums are trusted unless a square overflowed (a sum is ±Inf or NaN) or underflowed (Σw² or Σe²
 * below 2^-100 while some w or e is not 0): then errorSums' rescaled sums are the answer.
 */
export const trustedSums = (s: ErrorSums): boolean =>
  Number.isFinite(s.signal + s.noise + s.sumAbs) &&
  !(s.sumAbs > 0 && s.signal < TINY) &&
  !(s.maxAbsError > 0 && s.noise < TINY);

/**
 * The block rule over w and wq, w scaled by kw and the errors (w − wq, float64) by ke before rounding to float32
 * (1 and 1 but in errorSums' rescaled case); max|e| of the float32 errors.
 */
export function blockSums(w: Float32Array, wq: Float32Array, kw = 1, ke = 1): ErrorSums {
  const acc = new Float64Array(LANES_LENGTH);
  const open = new Float32Array(12); // stores round to float32: open[l] += fround(t) is fround(open[l] + fround(t))
  let maxAbsError = 0;
  for (let b = 0; b < w.length; b += SUM_BLOCK) {
    const end = Math.min(w.length, b + SUM_BLOCK);
    for (let i = b; i < end; i++) {
      const v = Math.fround(w[i] * kw);
      const e = Math.fround((w[i] - wq[i]) * ke);
      const l = i & 3;
      open[l] += Math.fround(v * v);
      open[4 + l] += Math.fround(e * e);
      open[8 + l] += Math.abs(v);
      if (Math.abs(e) > maxAbsError) maxAbsError = Math.abs(e);
    }
    for (let j = 0; j < 12; j++) acc[OPEN + j] = open[j];
    open.fill(0);
    closeBlock(acc);
  }
  acc[12] = maxAbsError;
  return sumsOf(acc, w.length);
}

/** 2^-⌊log2 m⌋ for the largest magnitude m (1 for 0): the scaled values' largest is in [1, 2). */
function unitScale(m: number): number {
  if (m === 0) return 1;
  let k = 1;
  while (m * k >= 2) k /= 2;
  while (m * k < 1) k *= 2;
  return k;
}

export function errorSums(w: Float32Array, wq: Float32Array): ErrorSums {
  if (w.length !== wq.length) {
    throw new StudioError(
      'QuantConfigError',
      `original and quantized lengths must match, got ${w.length} and ${wq.length}`,
    );
  }
  const s = blockSums(w, wq, 1, 1);
  if (trustedSums(s)) return s;
  // Rescaled: Σw² and Σ|w| of w·kw, Σe² of e·ke, each with its largest value in [1, 2) (no overflow, and
  // underflow only for terms below 2^-126 of the largest: negligible), scaled back exactly in float64.
  let mw = 0;
  let me = 0;
  for (let i = 0; i < w.length; i++) {
    mw = Math.max(mw, Math.abs(w[i]));
    me = Math.max(me, Math.abs(w[i] - wq[i]));
  }
  if (!Number.isFinite(mw + me)) return s; // NaN or ±Inf in the input: its sums say so
  const kw = unitScale(mw);
  const ke = unitScale(me);
  const r = blockSums(w, wq, kw, ke);
  return {
    count: s.count,
    signal: r.signal / kw / kw,
    noise: r.noise / ke / ke,
    sumAbs: r.sumAbs / kw,
    maxAbsError: me,
  };
}

export const combineErrorSums = (a: ErrorSums, b: ErrorSums): ErrorSums => ({
  count: a.count + b.count,
  signal: a.signal + b.signal,
  noise: a.noise + b.noise,
  sumAbs: a.sumAbs + b.sumAbs,
  maxAbsError: Math.max(a.maxAbsError, b.maxAbsError),
});

/**
 * 10·log10(signal / noise). Exact reconstruction (noise 0) is +Infinity, including all-zero weights; all-zero
 * weights reconstructed with any error are −Infinity (no signal at all).
 */
export function sqnrDb(signal: number, noise: number): number {
  if (noise === 0) return Infinity;
  if (signal === 0) return -Infinity;
  return 10 * Math.log10(signal / noise);
}

/** Empty input gives zeros and +Infinity SQNR (nothing was lost). */
export function metricsFromSums(s: ErrorSums): LayerMetrics {
  return {
    mse: s.count === 0 ? 0 : s.noise / s.count,
    sqnrDb: sqnrDb(s.signal, s.noise),
    maxAbsError: s.maxAbsError,
    meanAbs: s.count === 0 ? 0 : s.sumAbs / s.count,
  };
}

export const errorMetrics = (w: Float32Array, wq: Float32Array): LayerMetrics =>
  metricsFromSums(errorSums(w, wq));

/** Mutable convenience over ErrorSums for a run over many tensors: overall SQNR = total signal / total noise. */
export class ErrorAccumulator {
  #sums = emptyErrorSums();

  add(w: Float32Array, wq: Float32Array): LayerMetrics {
    return this.addSums(errorSums(w, wq));
  }

  /** Add one tensor's sums (e.g. from the fused export pass) and return its metrics. */
  addSums(s: ErrorSums): LayerMetrics {
    this.#sums = combineErrorSums(this.#sums, s);
    return metricsFromSums(s);
  }

  get sums(): ErrorSums {
    return { ...this.#sums };
  }

  overall(): LayerMetrics {
    return metricsFromSums(this.#sums);
  }
}
