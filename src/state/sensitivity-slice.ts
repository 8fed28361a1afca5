// Measured per-layer sensitivity: the run, its last result and every report of the open model (dropped with it).
import type { IntBits } from '../core/quant/config';
import type { LayerSelection, SensitivityProgress, SensitivityReport } from '../protocol/eval-dto';
import type { MeasurementEstimate } from './actions/sensitivity-plan';
import type { SliceCreator } from './slices';
import type { UiError } from './types';

export type SensitivityRunState =
  | { status: 'idle' }
  | {
      status: 'running';
      runId: number;
      progress: SensitivityProgress | null;
      /** "Measure for the budget": the width being measured, as step `index` (0-based) of `count`. */
      sweep: { bits: IntBits; index: number; count: number } | null;
    }
  | { status: 'error'; error: UiError };

export interface SensitivityResult {
  runId: number;
  report: SensitivityReport;
  modelId: string;
  /** The user's sample set (with its name), or the synthetic probe. */
  source: 'samples' | 'synthetic';
  samplesName: string;
  /** Samples each model ran on (the first N of the set's calibration part, or the probe's): part of the data key. */
  samples: number;
  /** The settings measured with, bits aside (`sensitivityKey`, + the layer selection): comparable when equal. */
  key: string;
}

/** A long measurement waiting for the user's consent, with what the cheaper choices would run. */
export interface SensitivityConfirm {
  /**
   * Who asked: the Sensitivity panel (one width, or "Measure for the budget"), or "Quantize to budget", whose plan
   * measures first and can use the weight-error proxy instead (asked beside the budget field).
   */
  purpose: 'panel' | 'plan';
  /** What each model runs on, in words ("the first 128 samples of digits.npz"), and how many samples. */
  source: string;
  samples: number;
  widths: IntBits[];
  show: IntBits;
  all: MeasurementEstimate;
  /** One model per block (null: no block holds two layers, or the run feeds the budget, which needs layers). */
  block: MeasurementEstimate | null;
  /** An even sample of the layers (null: as above, or too few layers to sample). */
  sample: (MeasurementEstimate & { selection: LayerSelection }) | null;
  /** A budget plan: about how long its refinement's whole-assignment runs take after the measurement; else null. */
  refineSeconds: number | null;
}

export interface SensitivitySlice {
  /** Bit width each layer is measured at. */
  sensitivityBits: IntBits;
  sensitivityRun: SensitivityRunState;
  /** The report shown. */
  sensitivityResult: SensitivityResult | null;
  /** Every finished report of the open model, one per width, settings and source (the budget's measured loss). */
  sensitivityReports: SensitivityResult[];
  sensitivityConfirm: SensitivityConfirm | null;
}

export const initialSensitivity: SensitivitySlice = {
  sensitivityBits: 4,
  sensitivityRun: { status: 'idle' },
  sensitivityResult: null,
  sensitivityReports: [],
  sensitivityConfirm: null,
};

export const createSensitivitySlice: SliceCreator<SensitivitySlice> = () => ({ ...initialSensitivity });
