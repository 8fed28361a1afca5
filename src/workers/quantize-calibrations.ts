// The quantize worker's calibrations (GPTQ / AdaRound / bias correction): Hessians captured by the evaluate worker,
// transferred here by the page, kept under the page's key (model, samples, count, preprocessing, settings).
import { StudioError } from '../core/errors';
import {
  calibrationFromData,
  type CalibrationData,
  type CalibrationResult,
} from '../core/pipeline/calibrate';
import type { QuantConfig } from '../core/quant/config';

const held = new Map<string, { modelId: string; result: CalibrationResult }>();

export const calibrations = {
  put(modelId: string, key: string, data: CalibrationData): void {
    held.set(key, { modelId, result: calibrationFromData(data) });
  },
  delete(key: string): void {
    held.delete(key);
  },
  dropModel(modelId: string): void {
    for (const [key, c] of held) if (c.modelId === modelId) held.delete(key);
  },
};

/** A calibration the worker holds; missing after a restart, which the page's session answers by capturing again. */
export function mustGetCalibration(key: string | undefined, config: QuantConfig): CalibrationResult {
  if (key === undefined) {
    const what = config.method !== 'rtn' ? config.method.toUpperCase() : 'bias correction';
    throw new StudioError('QuantConfigError', `${what} needs calibration samples: load a sample set first`);
  }
  const c = held.get(key);
  if (!c)
    throw new StudioError(
      'ModelNotLoadedError',
      `no calibration "${key}" in this worker (was it restarted?)`,
    );
  return c.result;
}
