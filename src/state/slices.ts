import type { StateCreator } from 'zustand/vanilla';
import type { ChannelErrorsDto, ChannelRangesDto, ClipView, HistogramDto } from '../protocol/dto';
import type { ErrorCurvePoint } from '../protocol/dto';
import { defaultQuantConfig, type Bits, type QuantConfig } from '../core/quant/config';
import type { SplitMode } from '../core/samples/split';
import type {
  Async,
  DownloadState,
  ErrorMetric,
  HistogramScale,
  ModelState,
  Theme,
  Variant,
  VariantCheck,
} from './types';
import type { EvalSlice } from './eval-slice';
import type { SensitivitySlice } from './sensitivity-slice';
import type { UiError } from './ui-error';

export interface ModelSlice {
  model: ModelState;
}

export type BatchState =
  | { status: 'idle' }
  | {
      status: 'running';
      batchId: number;
      variantIds: string[];
      /** Calibration capture for GPTQ / AdaRound / bias correction in progress: samples fed so far. */
      capture?: { done: number; total: number } | null;
    }
  | { status: 'cancelling'; batchId: number; variantIds: string[] };

export interface QuantSlice {
  /** Global settings; `bits` is replaced per variant by each of `chosenBits`. */
  config: QuantConfig;
  /** Bit widths to compare; each becomes a variant when quantizing. */
  chosenBits: Bits[];
  variants: Record<string, Variant>;
  /** Variant ids in display order. */
  variantOrder: string[];
  batch: BatchState;
  /** The budget of a mixed-precision variant: average bits per weight, or the exported file's size in MB. */
  budget: BudgetSetting;
  /** Why the last budget could not be planned (e.g. below the smallest possible model), until the next try. */
  budgetError: UiError | null;
  /** The budget plan's phase while it runs (measuring: the detail is in `sensitivityRun`), else null. */
  budgetPhase: BudgetPhase | null;
  /** GPTQ / AdaRound / bias correction: how many of the loaded samples (the first ones) to calibrate on. */
  calibrationCount: number;
  /** Evaluate on the samples after the calibration's (`holdout`, when the set is large enough) or on all of them. */
  calibrationSplit: SplitMode;
}

export type BudgetPhase =
  | { phase: 'measuring' }
  | { phase: 'planning' }
  /** Whole configurations evaluated so far, of at most `cap`. */
  | { phase: 'refining'; done: number; cap: number }
  | { phase: 'quantizing' };

export interface BudgetSetting {
  mode: 'bits' | 'size';
  bits: number;
  /** Decimal megabytes (10⁶ bytes), like the CLI's `--target-size 1.2MB`. */
  megabytes: number;
}

export type WeightSortKey = 'order' | 'name' | 'op' | 'elements' | 'bytes';

export interface UiSlice {
  /** null: follow prefers-color-scheme. */
  theme: Theme | null;
  selectedWeight: string | null;
  histogramScale: HistogramScale;
  errorMetric: ErrorMetric;
  weightsFilter: string;
  weightsSort: { key: WeightSortKey; dir: 'asc' | 'desc' };
  compare: { a: string | null; b: string | null };
}

/** Data the worker computed for views, keyed by model/weight/run; dropped with the model. */
export interface ViewsSlice {
  histograms: Record<string, Async<HistogramDto>>;
  channelRanges: Record<string, Async<ChannelRangesDto>>;
  channelErrors: Record<string, Async<ChannelErrorsDto>>;
  /** A run's clip choice per weight (null: that run does not clip it). */
  clipViews: Record<string, Async<ClipView | null>>;
  errorCurves: Record<string, Async<ErrorCurvePoint[]>>;
  /** Weights done of a whole-model error curve being computed, by its errorCurveKey. */
  errorCurveProgress: Record<string, { done: number; total: number }>;
  downloads: Record<string, DownloadState>;
  /** Pre-download check per variant id (for the run named in it). */
  checks: Record<string, VariantCheck>;
}

export type AppState = ModelSlice & QuantSlice & UiSlice & ViewsSlice & EvalSlice & SensitivitySlice;
export type SliceCreator<S> = StateCreator<AppState, [], [], S>;

export const DEFAULT_CHOSEN_BITS: Bits[] = [8, 4];

export const initialModel: ModelSlice = { model: { status: 'idle' } };
export const initialQuant: QuantSlice = {
  config: defaultQuantConfig,
  chosenBits: DEFAULT_CHOSEN_BITS,
  variants: {},
  variantOrder: [],
  batch: { status: 'idle' },
  budget: { mode: 'bits', bits: 4.5, megabytes: 1 },
  budgetError: null,
  budgetPhase: null,
  calibrationCount: 128,
  calibrationSplit: 'holdout',
};
export const initialUi: UiSlice = {
  theme: null,
  selectedWeight: null,
  histogramScale: 'linear',
  errorMetric: 'sqnrDb',
  weightsFilter: '',
  weightsSort: { key: 'order', dir: 'asc' },
  compare: { a: null, b: null },
};
export const initialViews: ViewsSlice = {
  histograms: {},
  channelRanges: {},
  channelErrors: {},
  clipViews: {},
  errorCurves: {},
  errorCurveProgress: {},
  downloads: {},
  checks: {},
};

export const createModelSlice: SliceCreator<ModelSlice> = () => ({ ...initialModel });
export const createQuantSlice: SliceCreator<QuantSlice> = () => ({ ...initialQuant });
export const createUiSlice: SliceCreator<UiSlice> = () => ({ ...initialUi });
export const createViewsSlice: SliceCreator<ViewsSlice> = () => ({ ...initialViews });
