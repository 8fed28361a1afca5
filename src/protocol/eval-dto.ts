// Plain data that crosses the evaluate worker's boundary: no classes; Blobs only as WireBlob handles.
import type { ClassificationResult, FidelityResult, OutputKind } from '../core/metrics/classification';
import type { EvalMode, RgbaImage } from '../core/eval/results';
import type { WireBlob } from './dto';
import type { QuantConfig } from '../core/quant/config';
import type { Candidate } from '../core/mixed/candidates';
import type {
  ArrayRoles,
  ModelInputSpec,
  PreprocessOptions,
  SampleFit,
  SampleRange,
  SampleSetSummary,
  TabularInfo,
  TabularOptions,
} from '../core/samples';

export { EVAL_MODES } from '../core/eval/results';
export type {
  EvalMode,
  EvalPhase,
  EvalProgress,
  EvalReport,
  FlipDto,
  FlipsResult,
  FloatResult,
  LatencyStats,
  ModeComparison,
  ModeResult,
  OutputFidelity,
  OutputInfo,
  OutputRole,
  ReferenceCheck,
  RgbaImage,
  RuntimeInfo,
  TimingDto,
  VariantResult,
} from '../core/eval/results';
export type {
  ClassificationResult,
  FidelityResult,
  OutputKind,
  PreprocessOptions,
  TabularOptions,
  ModelInputSpec,
  SampleRange,
};

export type {
  LayerSensitivity,
  SensitivityMetric,
  SensitivityProgress,
  SensitivityReport,
} from '../core/sensitivity/types';
import type { LayerSelection } from '../core/sensitivity/groups';
export type { LayerSelection };

export type EvalModeRequest = EvalMode | 'both';

import { EVAL_MODES } from '../core/eval/results';

export const modesOf = (m: EvalModeRequest): EvalMode[] => (m === 'both' ? [...EVAL_MODES] : [m]);

/** One dropped file. `path` is relative to what was dropped ('png/7/0042.png'): use webkitRelativePath for folders. */
export interface SampleFile {
  path: string;
  blob: WireBlob;
}

export interface EvalModelFile {
  blob: WireBlob;
  label?: string;
  /** External-data files the model references, by their `location` path. */
  externalData?: { path: string; blob: WireBlob }[];
}

export interface EvalVariantFile extends EvalModelFile {
  id: string;
  label: string;
}

export interface EvalRequest {
  float: EvalModelFile;
  variants: EvalVariantFile[];
  /** Image sets: resize / channels / scale / layout; null infers it from the input shape (range 0..1). Ignored for tensor sets. */
  preprocess: PreprocessOptions | null;
  mode: EvalModeRequest;
  /** Samples per run when the batch axis is dynamic (default 32). */
  batchSize?: number;
  /** Which samples of the loaded set to evaluate (the evaluation part of the calibration split); absent: all. */
  range?: SampleRange;
  /** Evaluate only the first N samples (of `range`). */
  maxSamples?: number;
  /** Default 5 (capped at the number of classes). */
  topK?: number;
  /** IoU threshold for map/mask outputs (default 0.5). */
  iouThreshold?: number;
  /** Also time every model in warmed-up, interleaved rounds (timing.latency); default false. */
  latency?: boolean;
}

/** Measured per-layer sensitivity: each layer quantized alone at `config.bits` with its own settings, vs float. */
export interface SensitivityRunRequest {
  float: EvalModelFile;
  config: QuantConfig;
  /** `samples`: the loaded sample set; `synthetic`: the synthetic probe (made-up inputs, labelled so). */
  source: 'samples' | 'synthetic';
  preprocess: PreprocessOptions | null;
  /** Which loaded samples to measure on (the calibration part of the split); absent: all. Ignored for the probe. */
  range?: SampleRange;
  maxSamples?: number;
  batchSize?: number;
  /** Fewer models for a large network, with the user's consent: a sample of the layers, or one per block. */
  selection?: LayerSelection;
}

/** Whole mixed-precision assignments measured against the float model (the budget's end-to-end refinement). */
export interface AssignmentsRunRequest extends Omit<SensitivityRunRequest, 'selection'> {
  /** Chosen candidate per layer (bits, 'fp16' or 'float'), one record per assignment. */
  assignments: Record<string, Candidate>[];
}

export interface ErrorDto {
  name: string;
  message: string;
}

/** Options for reading a dropped sample set (the image decoder is the worker's own). */
export interface LoadSamplesOptions {
  /** CSV tables only: label column, excluded columns, edited label mapping, header. */
  tabular?: TabularOptions;
  /** Loose .npy files: which are inputs and which holds the labels (else told from file names and shapes). */
  arrays?: ArrayRoles;
}

/** What the worker read, for the sample-set panel. */
export interface SampleSetInfo extends SampleSetSummary {
  /** CSV tables: all columns, the feature columns, the label column and the (editable) string-label mapping. */
  tabular: TabularInfo | null;
  /** Per-sample dims of the reference outputs (ONNX test data output_0.pb), or null when there are none. */
  referenceOutputDims: number[] | null;
}

/** Does the set fit the model input? The error is a SampleSetError naming the file, expected and actual shape. */
export type FitCheck = ({ ok: true } & SampleFit) | { ok: false; error: ErrorDto };

export interface SamplePreview {
  index: number;
  /** File path (image sets), or `<file> #i` / `<file> row i`. */
  name: string;
  label: number | null;
  labelName: string | null;
  /** Per-sample dims as the model will see them (after preprocessing, before any batch axis). */
  dims: number[];
  min: number;
  max: number;
  mean: number;
  /** The preprocessed input rendered as an image (values stretched min..max), or null when not image-shaped. */
  thumbnail: RgbaImage | null;
}

export interface PreviewResult {
  /** The preprocessing used: the one passed in, or for image sets without one, inferred from the input shape. */
  preprocess: PreprocessOptions | null;
  preprocessInferred: boolean;
  sampleDims: number[];
  fit: FitCheck;
  samples: SamplePreview[];
}

/** Capture calibration statistics (Hessians, mean inputs) for `config` from the first `count` samples of `range`. */
export interface CaptureRequest {
  /** The float model file (`label` = its file name), opened as the quantize worker opens it. */
  float: EvalModelFile;
  config: QuantConfig;
  preprocess: PreprocessOptions | null;
  count: number;
  /** The calibration part of the loaded set; absent: all of it. */
  range?: SampleRange;
}

/** Capture progress: samples fed through the float model so far. */
export interface CaptureProgress {
  done: number;
  total: number;
}

export type { CalibrationData } from '../core/pipeline/calibration-data';
