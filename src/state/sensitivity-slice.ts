// Measured per-layer sensitivity: the run, its last result and every report of the open model (dropped with it).
import type { IntBits } from '../core/quant/config';
import type { SensitivityProgress, SensitivityReport } from '../protocol/eval-dto';
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
  /** The global settings measured with, bits aside (`sensitivityKey`): reports are comparable when equal. */
  key: string;
}

export interface SensitivitySlice {
  /** Bit width each layer is measured at. */
  sensitivityBits: IntBits;
  sensitivityRun: SensitivityRunState;
  /** The report shown. */
  sensitivityResult: SensitivityResult | null;
  /** Every finished report of the open model, one per width, settings and source (the budget's measured loss). */
  sensitivityReports: SensitivityResult[];
}

export const initialSensitivity: SensitivitySlice = {
  sensitivityBits: 4,
  sensitivityRun: { status: 'idle' },
  sensitivityResult: null,
  sensitivityReports: [],
};

export const createSensitivitySlice: SliceCreator<SensitivitySlice> = () => ({ ...initialSensitivity });
