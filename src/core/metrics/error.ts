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
 * element j of a tensor goes to lane j mod 4 of four float64 sums, added in element order within a lane, and the
 * total is (lane 0 + lane 1) + (lane 2 + lane 3). Four independent chains instead of one let the fused pass run at
 * memory speed; one rule everywhere keeps every path's sums bit-identical.
 */
export const laneTotal = (lanes: ArrayLike<number>, at: number): number =>
  lanes[at] + lanes[at + 1] + (lanes[at + 2] + lanes[at + 3]);

export function errorSums(w: Float32Array, wq: Float32Array): ErrorSums {
  if (w.length !== wq.length) {
    throw new StudioError(
      'QuantConfigError',
      `original and quantized lengths must match, got ${w.length} and ${wq.length}`,
    );
  }
  const lanes = new Float64Array(12);
  let maxAbsError = 0;
  for (let i = 0; i < w.length; i++) {
    const v = w[i];
    const e = v - wq[i];
    const l = i & 3;
    lanes[l] += v * v;
    lanes[4 + l] += e * e;
    lanes[8 + l] += Math.abs(v);
    if (Math.abs(e) > maxAbsError) maxAbsError = Math.abs(e);
  }
  return {
    count: w.length,
    signal: laneTotal(lanes, 0),
    noise: laneTotal(lanes, 4),
    sumAbs: laneTotal(lanes, 8),
    maxAbsError,
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
