// The evaluate worker's API as a plain object: reads a sample set, previews it against a model input, runs the float
// model and its quantized variants with onnxruntime (injected, so Node tests pass onnxruntime-web's Node build).
// Assembled from: the sample set (evaluate-samples.ts), the one-at-a-time run queue and its cancel
// (evaluate-queue.ts), variant evaluation and flips (evaluate-variants.ts), sensitivity and assignment measurement
// (evaluate-sensitivity.ts) and calibration capture (evaluate-capture.ts).
import type * as Ort from 'onnxruntime-web';
import { StudioError } from '../core/errors';
import type { ImageDecoder } from '../core/samples';
import type { WireBlob } from '../protocol/dto';
import type { CalibrationData, CaptureProgress, CaptureRequest } from '../protocol/eval-dto';
import { macrotask } from './macrotask';
import { captureCalibration } from './evaluate-capture';
import { createRunQueue, fireAndForget, type RunContext } from './evaluate-queue';
import { createSampleStore } from './evaluate-samples';
import { createSensitivityRuns } from './evaluate-sensitivity';
import { createVariantRuns } from './evaluate-variants';
import { SESSION_OPTIONS, readBytes, type OrtModule } from './ort-backend';

export type { OrtModule } from './ort-backend';

export interface EvaluateEnv {
  /** Image decoder for non-PNG files (the worker passes a createImageBitmap one); default: PNG only. */
  decodeImage?: ImageDecoder;
  now?: () => number;
  /** A macrotask yield, so a cancel message can be handled during a run. */
  pause?: () => Promise<void>;
  /** Why onnxruntime got its thread count (wasmThreads), reported with the results. */
  threadsWhy?: string;
}

export function createEvaluateApi(ort: OrtModule, env: EvaluateEnv = {}) {
  const runs = createRunQueue();
  // Results belong to the set they were computed on: replacing the set forgets them.
  const samples = createSampleStore(env.decodeImage, () => variants.forget());
  const ctx: RunContext = {
    ort,
    now: env.now ?? (() => performance.now()),
    pause: env.pause ?? macrotask,
    runs,
    samples,
  };
  const variants = createVariantRuns(ctx, env.threadsWhy);

  return {
    ...samples.api,
    ...variants.api,
    ...createSensitivityRuns(ctx),

    /**
     * Calibration for data-aware rounding: Hessians (and mean inputs) of the layers `request.config` needs, from the
     * float model's activations on the first `request.count` samples of `request.range` (the calibration part of the
     * loaded set). Cancel with `cancel()`.
     */
    async capture(
      request: CaptureRequest,
      onProgress?: (p: CaptureProgress) => void,
    ): Promise<CalibrationData> {
      return runs.exclusive((isCancelled) =>
        captureCalibration(ort, samples.mustGetSet(), request, {
          isCancelled,
          onProgress: fireAndForget(onProgress),
        }),
      );
    },

    /** Cancels the running evaluation and any queued ones (they reject with CancelledError between runs). */
    async cancel(): Promise<void> {
      runs.cancel();
    },

    /**
     * Create (and release) an onnxruntime session for an exported variant: the last check before it is offered for
     * download. Rejects with EvaluationError carrying onnxruntime's message. Runs nothing, touches no sample set.
     */
    async checkLoads(blob: WireBlob, label: string): Promise<void> {
      let session: Ort.InferenceSession;
      try {
        session = await ort.InferenceSession.create(await readBytes(blob), SESSION_OPTIONS.exact);
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        throw new StudioError('EvaluationError', `onnxruntime-web could not load ${label}: ${why}`);
      }
      await session.release();
    },

    /** Forget the sample set and the last results. */
    async clear(): Promise<void> {
      samples.clear();
      variants.forget();
    },
  };
}

export type EvaluateApi = ReturnType<typeof createEvaluateApi>;
