// Measured sensitivity (each layer quantized alone) and whole mixed-precision assignments, both against the float
// model on the loaded samples or the synthetic probe, through exact-mode onnxruntime sessions.
import { probeSetForModel } from '../core/eval';
import type { Measurement } from '../core/mixed/refine';
import { parseModel } from '../core/onnx';
import { measureAssignments } from '../core/sensitivity/assignments';
import { measureSensitivity } from '../core/sensitivity/run';
import type {
  AssignmentsRunRequest,
  SensitivityProgress,
  SensitivityReport,
  SensitivityRunRequest,
} from '../protocol/eval-dto';
import { fireAndForget, type RunContext } from './evaluate-queue';
import { partOf } from './evaluate-samples';
import { openSession, readBytes, readExternal } from './ort-backend';

export function createSensitivityRuns(ctx: RunContext) {
  const { ort, now, pause, runs, samples } = ctx;

  /** The float model of a sensitivity or assignments request, and the samples it runs on (loaded or the probe). */
  const floatModelAndSet = async (request: SensitivityRunRequest | AssignmentsRunRequest) => {
    const file = request.float;
    const externalData = await readExternal(file);
    const model = parseModel(
      await readBytes(file.blob),
      file.label ?? 'model.onnx',
      new Map((file.externalData ?? []).map((e) => [e.path, e.blob])),
      { checkExternal: false },
    );
    const set =
      request.source === 'synthetic'
        ? probeSetForModel(model, { preprocess: request.preprocess })
        : partOf(samples.mustGetSet(), request.range);
    const open = (bytes: Uint8Array) => openSession(ort, bytes, externalData, 'exact', now);
    return { model, set, open };
  };

  return {
    /**
     * Measured sensitivity: each layer quantized alone (others float) on the loaded samples or the synthetic probe,
     * ranked by output KL (or output noise-to-signal ratio), with the weight-SQNR proxy and their Spearman ρ.
     * Cancel with `cancel()`; `onProgress` must be a comlink `proxy`.
     */
    async sensitivity(
      request: SensitivityRunRequest,
      onProgress?: (p: SensitivityProgress) => void,
    ): Promise<SensitivityReport> {
      return runs.exclusive(async (isCancelled) => {
        const { model, set, open } = await floatModelAndSet(request);
        return measureSensitivity(
          model,
          set,
          {
            config: request.config,
            preprocess: request.preprocess,
            maxSamples: request.maxSamples,
            batchSize: request.batchSize,
            selection: request.selection,
          },
          open,
          { now, pause, isCancelled, onProgress: fireAndForget(onProgress) },
        );
      });
    },

    /**
     * Whole mixed-precision assignments (every layer at its chosen width at once) against the float model on the
     * loaded samples or the probe: the loss the budget's refinement compares. Cancel with `cancel()`.
     */
    async measureAssignments(request: AssignmentsRunRequest): Promise<Measurement[]> {
      return runs.exclusive(async (isCancelled) => {
        const { model, set, open } = await floatModelAndSet(request);
        return measureAssignments(model, set, request, open, { now, pause, isCancelled });
      });
    },
  };
}
