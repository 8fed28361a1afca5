import type { QuantizedTensor } from '../quant/types';

export type RoundingMethod = 'rtn' | 'gptq' | 'adaround';

/** What a data-aware rounding of one weight returns: RTN's form (export unchanged) plus what it achieved. */
export interface RoundingResult {
  /** Levels and grid in the exact form `quantizeTensor` returns; `dequantize(q)` gives the values. */
  q: QuantizedTensor;
  /** The method whose levels these are ('rtn' when the data-aware result was worse and RTN was kept). */
  method: RoundingMethod;
  /** ‖(W − Ŵ)X‖² over the calibration vectors (Σ of (W − Ŵ)·H·(W − Ŵ)ᵀ) of the returned levels, and of RTN. */
  error: number;
  rtnError: number;
  /** Why RTN was kept, or anything else a user should read. */
  notes: string[];
  /** GPTQ: λ added to each Hessian's diagonal. */
  damping?: number[];
  /** AdaRound: optimisation steps taken. */
  iterations?: number;
}
