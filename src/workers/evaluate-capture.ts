// Calibration capture in the evaluate worker (which holds the sample set and onnxruntime): the float model is
// opened as the quantize worker opens it (same weight names), the first N samples of the calibration part are fed
// through it, and the Hessians go back as plain data whose buffers the page transfers on to the quantize worker.
import { transfer } from 'comlink';
import { openModel } from '../core/onnx';
import { foldWeightInputs } from '../core/onnx/fold';
import {
  calibrateOnSet,
  calibrationBuffers,
  calibrationToData,
  type CalibrationData,
} from '../core/pipeline/calibrate';
import { normalizeConfig } from '../core/quant/config';
import { rangeText, sliceSampleSet, type SampleSet } from '../core/samples';
import type { CaptureProgress, CaptureRequest } from '../protocol/eval-dto';
import { ortActivationRunner, type OrtModule } from './ort-backend';

export async function captureCalibration(
  ort: OrtModule,
  loaded: SampleSet,
  request: CaptureRequest,
  hooks: { isCancelled: () => boolean; onProgress: (p: CaptureProgress) => void },
): Promise<CalibrationData> {
  const file = request.float;
  const sidecars = (file.externalData ?? []).map((e) => ({ name: e.path, blob: e.blob }));
  const { model } = await foldWeightInputs(
    await openModel({ name: file.label ?? 'model.onnx', blob: file.blob }, sidecars),
  );
  const set = request.range ? sliceSampleSet(loaded, request.range) : loaded;
  hooks.onProgress({ done: 0, total: Math.min(request.count, set.count) });
  const result = await calibrateOnSet(
    model,
    normalizeConfig(request.config),
    set,
    request.count,
    ortActivationRunner(ort),
    {
      preprocess: request.preprocess,
      isCancelled: hooks.isCancelled,
      onSamples: (done, total) => hooks.onProgress({ done, total }),
      of: loaded.count,
    },
  );
  if (request.range) {
    const n = Math.min(request.count, set.count);
    const used = { start: request.range.start, end: request.range.start + n };
    result.notes.splice(1, 0, `calibration samples: ${rangeText(used)} of the ${loaded.count} loaded`);
  }
  const data = calibrationToData(result);
  return transfer(data, calibrationBuffers(data));
}
