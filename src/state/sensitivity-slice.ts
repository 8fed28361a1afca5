// Measured per-layer sensitivity: the run and its last result (belongs to the open model; dropped with it).
import type { IntBits } from '../core/quant/config';
import type { SensitivityProgress, SensitivityReport } from '../protocol/eval-dto';
import type { SliceCreator } from './slices';
import type { UiError } from './types';

export type SensitivityRunState =
  | { status: 'idle' }
  | { status: 'running'; runId: number; progress: SensitivityProgress | null }
  | { status: 'error'; error: UiError };

export interface SensitivityResult {
  runId: number;
  report: SensitivityReport;
  modelId: string;
  /** The user's sample set (with its name), or the synthetic probe. */
  source: 'samples' | 'synthetic';
  samplesName: string;
}

export interface SensitivitySlice {
  /** Bit width each layer is measured at. */
  sensitivityBits: IntBits;
  sensitivityRun: SensitivityRunState;
  sensitivityResult: SensitivityResult | null;
}

export const initialSensitivity: SensitivitySlice = {
  sensitivityBits: 4,
  sensitivityRun: { status: 'idle' },
  sensitivityResult: null,
};

export const createSensitivitySlice: SliceCreator<SensitivitySlice> = () => ({ ...initialSensitivity });
