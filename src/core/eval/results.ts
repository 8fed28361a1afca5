// What an evaluation reports (plain data: protocol/ re-exports it for the worker boundary).
import type { ClassificationResult, FidelityResult, OutputKind } from '../metrics/classification';
import type { BatchInfo, PreprocessOptions, SampleRange } from '../samples';
import type { LatencyStats, RuntimeInfo } from './latency';

export type { LatencyStats, RuntimeInfo } from './latency';

/**
 * How a quantized variant is run.
 * - `exact`: weight-only, float activations. DequantizeLinear on constant weights is folded to float32 at load
 *   (session option `disable_quant_qdq=1`), so the numbers show the weight rounding and nothing else.
 * - `deployed`: onnxruntime's defaults, as an app would run the file. DequantizeLinear→MatMul is then rewritten to
 *   MatMulNBits with int8 activations (accuracy_level 4), which adds activation quantization on top.
 */
export type EvalMode = 'exact' | 'deployed';

export const EVAL_MODES: readonly EvalMode[] = ['exact', 'deployed'];

/** A thumbnail: RGBA, row-major, width × height × 4 bytes (ImageData-compatible). */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** `latency`: the interleaved timing runs after the evaluation (done/total count runs, not samples). */
export type EvalPhase = 'float' | 'variant' | 'latency';

/** Sent about 10 times a second, plus at the start and end of every phase. */
export interface EvalProgress {
  phase: EvalPhase;
  /** null for the float model. */
  variantId: string | null;
  mode: EvalMode;
  /** Samples done in this phase, out of `total`. */
  done: number;
  total: number;
  /** 1-based phase number out of `steps` (1 float + variants × modes). */
  step: number;
  steps: number;
}

export interface TimingDto {
  /** Time to create the onnxruntime session (model bytes already read). */
  sessionCreateMs: number;
  runs: number;
  samplesPerRun: number;
  /**
   * Mean session.run time per sample over the evaluation pass (first run excluded when there are several). Biased by
   * order and warm-up: show `latency` instead.
   */
  latencyMsPerSample: number;
  totalRunMs: number;
  /** The interleaved, warmed-up benchmark (median per sample and spread); null when it was not requested. */
  latency: LatencyStats | null;
}

/** What an output holds: the scored class scores, a map (mask, heat map, feature map), or a vector (embedding...). */
export type OutputRole = 'class-scores' | 'map' | 'vector';

/** One output of a variant against the float model's, over the compared samples. */
export interface OutputFidelity {
  name: string;
  role: OutputRole;
  /** Units compared: samples, or runs when the output has no batch axis to split on. */
  units: number;
  values: number;
  /** 10·log10(Σ float² / Σ (float − variant)²); +∞ when identical. */
  sqnrDb: number;
  /** Mean cosine similarity per unit (1 = same direction). */
  cosine: number;
  maxAbsDiff: number;
  /** Maps only: |float > t ∧ variant > t| / |float > t ∨ variant > t| at `iouThreshold` t (1 when both are empty). */
  iou: number | null;
  iouThreshold: number | null;
  /** Values where one side is NaN/Inf and the other is not (left out of the numbers above). */
  nonFinite: number;
}

/** An output of the float model as evaluated. */
export interface OutputInfo {
  name: string;
  dtype: string;
  /** Dims of the float model's first run. */
  runDims: number[];
  role: OutputRole;
  /** False for outputs that are not compared (non-float dtypes). */
  compared: boolean;
}

/** One variant under one mode. Fractions are 0..1. */
export interface ModeResult {
  mode: EvalMode;
  /** null without labels. */
  accuracy: ClassificationResult | null;
  /** Variant top-1 accuracy minus the float model's (e.g. −0.001 = one sample of 1,000 lost); null without labels. */
  top1Delta: number | null;
  topKDelta: number | null;
  /** Against the float model: top-1 agreement, mean KL(float ‖ variant), max / mean |Δ output|; null without a class-score output. */
  fidelity: FidelityResult | null;
  /** Every compared output against the float model's (SQNR, cosine, max |Δ|, IoU for maps). */
  outputs: OutputFidelity[];
  /** Samples whose top-1 class differs from the float model's (= count × (1 − top1Agreement)). */
  flips: number;
  /** With labels: flips where the float model was right and the variant is wrong, and the reverse. */
  flipsBroken: number | null;
  flipsFixed: number | null;
  timing: TimingDto;
}

/** Exact vs deployed outputs of the same variant (when both modes ran). */
export interface ModeComparison {
  maxAbsDiff: number;
  top1Agreement: number;
  /** Samples whose top-1 differs between the two modes. */
  flips: number;
}

export interface VariantResult {
  id: string;
  label: string;
  sizeBytes: number;
  exact: ModeResult | null;
  deployed: ModeResult | null;
  /** True when any output value differs between exact and deployed; null unless both modes ran. */
  modesDiffer: boolean | null;
  modeComparison: ModeComparison | null;
}

export interface FloatResult {
  label: string;
  sizeBytes: number;
  accuracy: ClassificationResult | null;
  timing: TimingDto;
}

/** The float model against the set's reference outputs (ONNX test data output_0.pb). */
export interface ReferenceCheck {
  count: number;
  maxAbsDiff: number;
  /** max |reference|, to read the difference against (logits of mnist-8 are in the thousands). */
  maxAbsReference: number;
  top1Agreement: number;
}

export interface EvalReport {
  /** Samples evaluated (after maxSamples) and in the set. */
  sampleCount: number;
  totalSamples: number;
  /** Which samples of the loaded set were evaluated (the evaluation part of a calibration split); absent: all. */
  sampleRange?: SampleRange;
  sourceName: string;
  labeled: boolean;
  classes: string[] | null;
  numClasses: number;
  topK: number;
  input: {
    name: string;
    dtype: string;
    shape: (number | string | null)[];
    batch: BatchInfo;
    samplesPerRun: number;
    /** Dims of one run's input tensor. */
    runDims: number[];
    description: string;
  };
  /** The class-score output, or null when the model has none (then only `outputs` fidelity is reported). */
  output: { name: string; dtype: string; shape: (number | string | null)[]; kind: OutputKind } | null;
  /** Every output; per-output fidelity of each variant is in ModeResult.outputs. */
  outputs: OutputInfo[];
  /** IoU threshold used for map outputs. */
  iouThreshold: number;
  /** Samples whose outputs were compared per output (fewer than sampleCount when float outputs exceed the memory cap). */
  outputSamples: number;
  /** Samples made up from the input shapes (the synthetic probe), not the user's data: label every number so. */
  synthetic: boolean;
  preprocess: PreprocessOptions | null;
  modes: EvalMode[];
  float: FloatResult;
  variants: VariantResult[];
  reference: ReferenceCheck | null;
  /** Where the models ran (e.g. wasm, 1 thread); null when the backend does not say. */
  runtime: RuntimeInfo | null;
  notes: string[];
  durationMs: number;
}

/** A sample whose top-1 class changed from the float model to a variant. Probabilities are softmax for logits. */
export interface FlipDto {
  index: number;
  name: string;
  label: number | null;
  labelName: string | null;
  floatPrediction: number;
  floatProbability: number;
  variantPrediction: number;
  variantProbability: number;
  /** The variant's probability for the class the float model chose. */
  variantProbabilityOfFloatClass: number;
  /** CSV tables: the row's feature values as the model was fed them (float32); null for other sets. */
  features: { column: string; value: string }[] | null;
}

export interface FlipsResult {
  variantId: string;
  mode: EvalMode;
  /** All flips (the list may be cut at `limit`). */
  total: number;
  broken: number | null;
  fixed: number | null;
  /** Broken flips first (float right, variant wrong), then the others, each in sample order. */
  flips: FlipDto[];
}
