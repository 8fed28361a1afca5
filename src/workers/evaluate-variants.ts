// The float model and its quantized variants run on the loaded samples (or the synthetic probe), and the flips of
// the last such evaluation: the worker keeps its predictions so the page can ask for flips per variant and mode.
import { StudioError } from '../core/errors';
import {
  DEFAULT_LATENCY_OPTIONS,
  FLOAT_MODEL_ID,
  predictionKey,
  probeSetForModel,
  runEvaluation,
  sampleFeatures,
  sampleName,
  selectFlips,
  type EvalOutcome,
} from '../core/eval';
import { parseModel } from '../core/onnx';
import type { SampleSet } from '../core/samples';
import {
  modesOf,
  type EvalMode,
  type EvalModelFile,
  type EvalProgress,
  type EvalReport,
  type EvalRequest,
  type FlipsResult,
} from '../protocol/eval-dto';
import { fireAndForget, type IsCancelled, type RunContext } from './evaluate-queue';
import { partOf } from './evaluate-samples';
import { ortBackend, readBytes } from './ort-backend';

export function createVariantRuns(ctx: RunContext, threadsWhy: string | undefined) {
  const { ort, now, pause, runs, samples } = ctx;
  /** The last evaluation: the set it read (the whole loaded set), the first sample's index in it, the outcome. */
  let last: { set: SampleSet; start: number; outcome: EvalOutcome } | null = null;

  const run = (
    set: SampleSet,
    request: EvalRequest,
    isCancelled: IsCancelled,
    onProgress?: (p: EvalProgress) => void,
  ) => {
    // Duplicate variant ids are rejected by the evaluator before any model is loaded.
    const files = new Map<string, EvalModelFile>([
      [FLOAT_MODEL_ID, request.float],
      ...request.variants.map((v) => [v.id, v] as const),
    ]);
    return runEvaluation(
      set,
      {
        float: {
          id: FLOAT_MODEL_ID,
          label: request.float.label ?? 'float model',
          sizeBytes: request.float.blob.size,
        },
        variants: request.variants.map((v) => ({ id: v.id, label: v.label, sizeBytes: v.blob.size })),
        modes: modesOf(request.mode),
        preprocess: request.preprocess,
        batchSize: request.batchSize,
        maxSamples: request.maxSamples,
        topK: request.topK,
        iouThreshold: request.iouThreshold,
        latency: request.latency ? DEFAULT_LATENCY_OPTIONS : undefined,
      },
      ortBackend(ort, files, now, threadsWhy),
      { now, pause, isCancelled, onProgress: fireAndForget(onProgress) },
    );
  };

  const api = {
    /**
     * Run the float model and every variant on the loaded samples. `onProgress` must be a comlink `proxy`.
     * Rejects with SampleSetError (set vs model), EvaluationError (model I/O, onnxruntime) or CancelledError.
     */
    async evaluate(request: EvalRequest, onProgress?: (p: EvalProgress) => void): Promise<EvalReport> {
      return runs.exclusive(async (isCancelled) => {
        const set = samples.mustGetSet();
        const range = request.range ?? { start: 0, end: set.count };
        const outcome = await run(partOf(set, request.range), request, isCancelled, onProgress);
        outcome.report.sampleRange = range;
        // not if the samples were replaced meanwhile
        if (samples.current() === set) last = { set, start: range.start, outcome };
        return outcome.report;
      });
    },

    /**
     * The synthetic probe: made-up inputs from the float model's input shapes and dtypes (no sample set needed), so
     * every variant gets an output-fidelity number. The report says `synthetic: true`; label it so.
     */
    async probe(request: EvalRequest, onProgress?: (p: EvalProgress) => void): Promise<EvalReport> {
      return runs.exclusive(async (isCancelled) => {
        const model = parseModel(
          await readBytes(request.float.blob),
          request.float.label ?? 'model.onnx',
          new Map(),
          {
            checkExternal: false,
          },
        );
        const set = probeSetForModel(model, { preprocess: request.preprocess });
        const outcome = await run(set, request, isCancelled, onProgress);
        last = { set, start: 0, outcome };
        return outcome.report;
      });
    },

    /** Samples whose top-1 changed from the float model to `variantId` in `mode` (last evaluation). */
    async flips(variantId: string, mode: EvalMode, limit = 50): Promise<FlipsResult> {
      if (!last)
        throw new StudioError(
          'EvaluationError',
          'no evaluation results in this worker (run an evaluation first; was the worker restarted?)',
        );
      // Predictions are indexed within the evaluated part; flips name and index samples of the whole set.
      const { set, start, outcome } = last;
      const preds = outcome.predictions.variants.get(predictionKey(variantId, mode));
      if (!preds) {
        throw new StudioError(
          'EvaluationError',
          `no results for variant '${variantId}' in ${mode} mode (evaluated: ${[...outcome.predictions.variants.keys()].join(', ') || 'none'})`,
        );
      }
      const result = selectFlips(
        {
          variantId,
          mode,
          float: outcome.predictions.float,
          variant: preds,
          labels: set.labels ? set.labels.subarray(start, start + outcome.predictions.count) : null,
          classes: set.classes,
          nameOf: (i) => sampleName(set, start + i),
          featuresOf: (i) => sampleFeatures(set, start + i),
        },
        limit,
      );
      return { ...result, flips: result.flips.map((f) => ({ ...f, index: start + f.index })) };
    },
  };

  return {
    api,
    /** Drop the last results (the samples they were computed on were replaced or cleared). */
    forget: () => {
      last = null;
    },
  };
}
