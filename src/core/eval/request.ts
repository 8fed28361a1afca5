// What runEvaluation is asked and what it returns besides the report (kept for `flips`).
import type { OutputKind } from '../metrics/classification';
import type { PreprocessOptions } from '../samples';
import type { LatencyOptions } from './latency';
import type { Predictions, VariantPredictions } from './predictions';
import type { EvalMode, EvalReport } from './results';

/** The float model's id among a run's model files (cannot collide with a variant id from the UI). */
export const FLOAT_MODEL_ID = '\u0000float';

export interface EvalModelRef {
  id: string;
  label: string;
  sizeBytes: number;
}

export interface EngineRequest {
  float: EvalModelRef;
  variants: EvalModelRef[];
  modes: EvalMode[];
  /** Image sets only (tensor sets are fed as they are); null infers it from the float model's input shape. */
  preprocess: PreprocessOptions | null;
  batchSize?: number;
  maxSamples?: number;
  topK?: number;
  /** IoU threshold for map outputs (default 0.5). */
  iouThreshold?: number;
  /** Float outputs kept for the per-output comparison (default OUTPUT_KEEP_BYTES). */
  outputKeepBytes?: number;
  /** Time every model in interleaved rounds after the evaluation (timing.latency); left out when absent. */
  latency?: LatencyOptions;
}

/** Kept after an evaluation for `flips`. Keys of `variants` are `${variantId}:${mode}`. */
export interface StoredPredictions {
  count: number;
  kind: OutputKind;
  float: Predictions;
  variants: Map<string, VariantPredictions>;
}

export interface EvalOutcome {
  report: EvalReport;
  predictions: StoredPredictions;
}

export const predictionKey = (variantId: string, mode: EvalMode): string => `${variantId}:${mode}`;
