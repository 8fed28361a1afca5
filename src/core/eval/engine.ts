// Runs the float model and every variant (in each mode) on the same samples, one session at a time, and streams the
// outputs into accuracy / fidelity accumulators. The backend (onnxruntime in the worker) is injected.
import { StudioError, isStudioError } from '../errors';
import {
  createClassificationAccumulator,
  createFidelityAccumulator,
  createOutputKindDetector,
  type ClassificationAccumulator,
  type OutputKind,
} from '../metrics/classification';
import type { PreprocessOptions, SampleFit, SampleSet } from '../samples';
import type { EvalMode, EvalReport, ReferenceCheck, TimingDto, VariantResult } from './results';
import { createBatchInputs } from './inputs';
import { checkLabels, checkRequest, checkVariantIo, evalError, resolveInput, resolvePreprocess } from './io';
import { chooseClassificationOutput, classRowLength } from './output';
import { batchRanges, planBatches, runDims, type BatchPlan } from './plan';
import {
  createPredictions,
  createVariantPredictions,
  recordPrediction,
  type Predictions,
  type VariantPredictions,
} from './predictions';
import {
  createModeComparator,
  createProgressReporter,
  createReferenceComparator,
  createTimer,
  modeResult,
} from './report';
import type { EvalHooks, InferenceBackend, LoadedModel, TensorSpec } from './types';

export const PAUSE_EVERY_MS = 50;

export interface EvalModelRef {
  id: string;
  label: string;
  sizeBytes: number;
}

export interface EngineRequest {
  float: EvalModelRef;
  variants: EvalModelRef[];
  modes: EvalMode[];
  /** Image sets only (tensor sets are fed as they are); null infers it from the float model's input shape. */
  preprocess: PreprocessOptions | null;
  batchSize?: number;
  maxSamples?: number;
  topK?: number;
}

/** Kept after an evaluation for `flips`. Keys of `variants` are `${variantId}:${mode}`. */
export interface StoredPredictions {
  count: number;
  kind: OutputKind;
  float: Predictions;
  variants: Map<string, VariantPredictions>;
}

export interface EvalOutcome {
  report: EvalReport;
  predictions: StoredPredictions;
}

export const predictionKey = (variantId: string, mode: EvalMode): string => `${variantId}:${mode}`;

const reason = (e: unknown) => (e instanceof Error ? e.message : String(e));
const cancelled = () => new StudioError('CancelledError', 'evaluation cancelled');

/** What the float model fixes for every later run. */
interface Feed {
  input: TensorSpec;
  output: TensorSpec;
  fit: SampleFit;
  plan: BatchPlan;
  preprocess: PreprocessOptions | null;
  sampleSize: number;
}

export async function runEvaluation(
  set: SampleSet,
  req: EngineRequest,
  backend: InferenceBackend,
  hooks: EvalHooks,
): Promise<EvalOutcome> {
  const started = hooks.now();
  const modes = checkRequest(req);
  const count = Math.min(set.count, req.maxSamples ?? set.count);
  const labels = set.labels ? set.labels.subarray(0, count) : null;
  const notes: string[] = [];
  const steps = 1 + req.variants.length * modes.length;
  const report = createProgressReporter(hooks.now, hooks.onProgress);
  let lastPause = hooks.now();

  const load = async (ref: EvalModelRef, mode: EvalMode): Promise<{ model: LoadedModel; ms: number }> => {
    const t = hooks.now();
    try {
      return { model: await backend.load(ref.id, mode), ms: hooks.now() - t };
    } catch (e) {
      if (isStudioError(e)) throw e;
      throw evalError(`${ref.label}: onnxruntime could not load the model (${reason(e)})`, e);
    }
  };

  // The float model fixes the input feed, the scored output and (on its first run) the number of classes.
  const floatLoad = await load(req.float, 'exact');
  let feed: Feed;
  try {
    const preprocess = resolvePreprocess(set, floatLoad.model, req.preprocess, notes);
    const { input, sampleDims, fit } = resolveInput(floatLoad.model, req.float.label, set, preprocess);
    const choice = chooseClassificationOutput(floatLoad.model.outputs, fit.batch);
    if (choice.note) notes.push(choice.note);
    const plan = planBatches(count, fit.batch, req.batchSize);
    feed = {
      input,
      output: choice.output,
      fit,
      plan,
      preprocess,
      sampleSize: sampleDims.reduce((a, b) => a * b, 1),
    };
  } catch (e) {
    await floatLoad.model.release();
    throw e;
  }
  const { input, output, fit, plan, preprocess } = feed;
  const inputs = createBatchInputs(set, count, feed.sampleSize, preprocess);
  let rowLength = 0;

  /** Runs every batch through `model`, calling `onRow` per sample; returns the timing. */
  const runAll = async (
    model: LoadedModel,
    label: string,
    createMs: number,
    progress: { variantId: string | null; mode: EvalMode; step: number },
    onRow: (i: number, row: Float32Array) => void,
  ): Promise<TimingDto> => {
    const timer = createTimer(createMs, plan.samplesPerRun);
    const phase = progress.variantId === null ? 'float' : 'variant';
    report({ phase, ...progress, done: 0, total: count, steps }, true);
    for (const [start, end] of batchRanges(count, plan)) {
      if (hooks.isCancelled?.()) throw cancelled();
      const n = plan.pad ? plan.samplesPerRun : end - start;
      const x = await inputs.get(start, end, n);
      const dims = runDims(fit.feedDims, fit.batch, n);
      let out;
      try {
        out = await model.run(x, dims, output.name);
      } catch (e) {
        if (isStudioError(e)) throw e;
        const what = `samples ${start}..${end - 1} with input [${dims.join(',')}]`;
        throw evalError(`${label}: onnxruntime failed on ${what} (${reason(e)})`, e);
      }
      timer.add(out.runMs, end - start);
      if (rowLength === 0) rowLength = classRowLength(out.dims, n, fit.batch, output.name);
      if (out.data.length !== n * rowLength) {
        throw evalError(
          `${label}: output '${output.name}' has ${out.data.length} values for ${n} sample(s), expected ${n * rowLength}`,
        );
      }
      for (let i = start; i < end; i++) {
        onRow(i, out.data.subarray((i - start) * rowLength, (i - start + 1) * rowLength));
      }
      report({ phase, ...progress, done: end, total: count, steps }, end === count);
      if (hooks.pause && hooks.now() - lastPause >= PAUSE_EVERY_MS) {
        await hooks.pause();
        lastPause = hooks.now();
      }
    }
    return timer.result();
  };

  // 1. Float model: keep its outputs (variants are compared row by row); check labels and reference outputs.
  const float = {
    out: new Float32Array(0),
    acc: null as ClassificationAccumulator | null,
    ref: null as ReturnType<typeof createReferenceComparator> | null,
    kind: createOutputKindDetector(),
  };
  let floatTiming: TimingDto;
  try {
    const progress = { variantId: null, mode: 'exact' as const, step: 1 };
    floatTiming = await runAll(floatLoad.model, req.float.label, floatLoad.ms, progress, (i, row) => {
      if (float.out.length === 0) {
        // First row: the class count is known now.
        float.out = new Float32Array(count * rowLength);
        if (labels) {
          checkLabels(set, labels, rowLength, output.name, notes);
          float.acc = createClassificationAccumulator({
            numClasses: rowLength,
            topK: Math.min(req.topK ?? 5, rowLength),
          });
        }
        const refs = set.kind === 'tensor' ? set.referenceOutputs : null;
        float.ref = refs ? createReferenceComparator(refs, rowLength) : null;
        if (float.ref?.note) notes.push(float.ref.note);
      }
      float.out.set(row, i * rowLength);
      float.kind.add(row);
      float.acc?.add(row, (labels as Int32Array)[i]);
      float.ref?.add(i, row);
    });
  } finally {
    await floatLoad.model.release();
  }
  const kind = float.kind.result();
  const floatRow = (i: number) => float.out.subarray(i * rowLength, (i + 1) * rowLength);
  const floatPred = createPredictions(count);
  for (let i = 0; i < count; i++) recordPrediction(floatPred, i, floatRow(i), kind);
  const floatAccuracy = float.acc?.result() ?? null;
  const topK = floatAccuracy?.topK ?? Math.min(req.topK ?? 5, rowLength);
  const reference: ReferenceCheck | null = float.ref?.result() ?? null;

  // 2. Variants, one session at a time; exact before deployed so the two can be compared.
  const stored = new Map<string, VariantPredictions>();
  const variants: VariantResult[] = [];
  let step = 1;
  for (const v of req.variants) {
    const result: VariantResult = {
      ...v,
      exact: null,
      deployed: null,
      modesDiffer: null,
      modeComparison: null,
    };
    let exactOut: Float32Array | null = null;
    for (const mode of modes) {
      step++;
      if (hooks.isCancelled?.()) throw cancelled();
      const what = `${v.label} (${mode})`;
      const { model, ms } = await load(v, mode);
      try {
        checkVariantIo(model, what, feed, set, preprocess);
        const acc = labels ? createClassificationAccumulator({ numClasses: rowLength, topK }) : null;
        const fid = createFidelityAccumulator({ kind });
        const preds = createVariantPredictions(count);
        const keep = mode === 'exact' && modes.length > 1 ? new Float32Array(count * rowLength) : null;
        const compare = mode === 'deployed' && exactOut ? createModeComparator(exactOut, rowLength) : null;
        const timing = await runAll(model, what, ms, { variantId: v.id, mode, step }, (i, row) => {
          acc?.add(row, (labels as Int32Array)[i]);
          fid.add(floatRow(i), row);
          recordPrediction(preds, i, row, kind, floatPred.pred[i]);
          keep?.set(row, i * rowLength);
          compare?.add(i, row);
        });
        stored.set(predictionKey(v.id, mode), preds);
        result[mode] = modeResult({
          mode,
          accuracy: acc?.result() ?? null,
          floatAccuracy,
          fidelity: fid.result(),
          floatPred: floatPred.pred,
          pred: preds.pred,
          labels,
          timing,
        });
        if (keep) exactOut = keep;
        if (compare) {
          result.modeComparison = compare.result();
          result.modesDiffer = result.modeComparison.maxAbsDiff !== 0;
        }
      } finally {
        await model.release();
      }
    }
    variants.push(result);
  }

  return {
    report: {
      sampleCount: count,
      totalSamples: set.count,
      sourceName: set.sourceName,
      labeled: labels !== null,
      classes: set.classes,
      numClasses: rowLength,
      topK,
      input: {
        name: input.name,
        dtype: input.dtype,
        shape: input.shape,
        batch: fit.batch,
        samplesPerRun: plan.samplesPerRun,
        runDims: runDims(fit.feedDims, fit.batch, plan.samplesPerRun),
        description: fit.description,
      },
      output: { name: output.name, dtype: output.dtype, shape: output.shape, kind },
      preprocess,
      modes,
      float: {
        label: req.float.label,
        sizeBytes: req.float.sizeBytes,
        accuracy: floatAccuracy,
        timing: floatTiming,
      },
      variants,
      reference,
      notes,
      durationMs: hooks.now() - started,
    },
    predictions: { count, kind, float: floatPred, variants: stored },
  };
}
