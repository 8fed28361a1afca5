// Evaluation state: the dropped sample set, its preprocessing and preview, the evaluation run and its results.
import type { ArrayRoles, PreprocessOptions, TabularOptions } from '../core/samples';
import type {
  EvalMode,
  EvalModeRequest,
  EvalProgress,
  EvalReport,
  FlipsResult,
  PreviewResult,
  RgbaImage,
  SampleSetInfo,
} from '../protocol/eval-dto';
import type { SampleFile } from '../protocol/eval-dto';
import type { SliceCreator } from './slices';
import type { Async, UiError } from './types';

/** A sample set the evaluate worker read. The files stay here (Blobs, not bytes) so a restarted worker gets them again. */
export interface LoadedSamples {
  /** Bumped on every successful read (also a re-read with other table options): results name the set they ran on. */
  id: number;
  /** What the user dropped or picked, for messages: a folder name, a file name or "3 files". */
  name: string;
  files: SampleFile[];
  tabular: TabularOptions | undefined;
  /** Loose .npy files as the user assigned them (undefined: told from names and shapes). */
  arrays?: ArrayRoles;
  info: SampleSetInfo;
}

/** A failed or running read keeps the set that was there before (`previous`), like the model does. */
export type SamplesState =
  | { status: 'idle' }
  | { status: 'loading'; loadId: number; name: string; previous: LoadedSamples | null }
  | { status: 'ready'; loaded: LoadedSamples }
  | { status: 'error'; name: string; error: UiError; previous: LoadedSamples | null };

/** Image preprocessing and where it came from (inferred from the input shape, a saved preset, or edited). */
export interface PreprocessState {
  options: PreprocessOptions;
  source: 'inferred' | 'preset' | 'edited';
}

export type PreviewState =
  | { status: 'idle' }
  | { status: 'loading'; requestId: number; last: PreviewResult | null }
  | { status: 'ready'; result: PreviewResult }
  | { status: 'error'; error: UiError };

/** What a finished evaluation ran on, so views can tell whether it still matches the variants and samples. */
export interface EvalResult {
  /** The run that produced it (e2e waits for a new one). */
  runId: number;
  report: EvalReport;
  modelId: string;
  samplesId: number;
  samplesName: string;
  /** Variant id -> quantize run id that was evaluated (a re-quantized variant makes its row stale). */
  runIds: Record<string, string>;
  /** Which samples were evaluated and which calibrate: "evaluated on samples 129–300 (172); calibration uses 1–128". */
  samplesLabel: string;
}

export type EvalRunState =
  | { status: 'idle' }
  | { status: 'preparing'; runId: number; step: string }
  | { status: 'running'; runId: number; progress: EvalProgress | null }
  | { status: 'cancelling'; runId: number }
  | { status: 'error'; error: UiError };

/** Which model the flips gallery and the confusion matrix show. `variantId` null: the float model. */
export interface EvalSelection {
  variantId: string | null;
  mode: EvalMode;
}

export type SizeQualityAxis = 'sqnr' | 'accuracy';

export interface EvalSlice {
  samples: SamplesState;
  preprocess: PreprocessState | null;
  preview: PreviewState;
  evalMode: EvalModeRequest;
  evalRun: EvalRunState;
  /** The last good result; kept through failed, cancelled and running evaluations. */
  evalResult: EvalResult | null;
  evalSelection: EvalSelection;
  /** Keyed by `flipsKey`; belongs to `evalResult` and is dropped with it. */
  flips: Record<string, Async<FlipsResult>>;
  /** Gallery thumbnails keyed by `thumbnailKey` (sample set id + index); null when the sample is not image-like. */
  thumbnails: Record<string, Async<RgbaImage | null>>;
  sizeQualityAxis: SizeQualityAxis;
  /** IoU threshold for map/mask outputs, used by the next evaluation. */
  iouThreshold: number;
}

export const initialEval: EvalSlice = {
  samples: { status: 'idle' },
  preprocess: null,
  preview: { status: 'idle' },
  evalMode: 'exact',
  evalRun: { status: 'idle' },
  evalResult: null,
  evalSelection: { variantId: null, mode: 'exact' },
  flips: {},
  thumbnails: {},
  sizeQualityAxis: 'sqnr',
  iouThreshold: 0.5,
};

export const createEvalSlice: SliceCreator<EvalSlice> = () => ({ ...initialEval });

export const flipsKey = (variantId: string, mode: EvalMode) => `${variantId}|${mode}`;
export const thumbnailKey = (samplesId: number, index: number) => `${samplesId}|${index}`;
