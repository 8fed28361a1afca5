// What an evaluation reports (plain data: protocol/ re-exports it for the worker boundary).
import type { ClassificationResult, FidelityResult, OutputKind } from '../metrics/classification';
import type { BatchInfo, PreprocessOptions } from '../samples';

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

export type EvalPhase = 'float' | 'variant';

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
  /** Mean wall time of session.run per sample, measured in the worker; the first (warm-up) run is excluded when there are several. */
  latencyMsPerSample: number;
  totalRunMs: number;
}

/** One variant under one mode. Fractions are 0..1. */
export interface ModeResult {
  mode: EvalMode;
  /** null without labels. */
  accuracy: ClassificationResult | null;
  /** Variant top-1 accuracy minus the float model's (e.g. −0.001 = one sample of 1,000 lost); null without labels. */
  top1Delta: number | null;
  topKDelta: number | null;
  /** Against the float model: top-1 agreement, mean KL(float ‖ variant), max / mean |Δ output|. */
  fidelity: FidelityResult;
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
  output: { name: string; dtype: string; shape: (number | string | null)[]; kind: OutputKind };
  preprocess: PreprocessOptions | null;
  modes: EvalMode[];
  float: FloatResult;
  variants: VariantResult[];
  reference: ReferenceCheck | null;
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
