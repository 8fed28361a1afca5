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
import { sampleDimsOf, type PreprocessOptions, type SampleSet } from '../samples';
import type { EvalMode, EvalReport, ReferenceCheck, TimingDto, VariantResult } from './results';
import { createFeedBuilder } from './batch-feeds';
import { planFeeds, type FeedPlan } from './feeds';
import { checkLabels, checkRequest, checkVariantFeeds, evalError, resolvePreprocess } from './io';
import { chooseClassificationOutput, classRowLength, isFloatDtype } from './output';
import { createOutputStore, type OutputStore } from './output-store';
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
import { DEFAULT_IOU_THRESHOLD } from './output-fidelity';
import { measureLatency, type LatencyOptions, type LatencyTarget } from './latency';
import { createSessionKeeper, type SessionKeeper } from './sessions';
import type { EvalHooks, InferenceBackend, LoadedModel, RunOutput, TensorSpec } from './types';

export const PAUSE_EVERY_MS = 50;

/** The float model's id among a run's model files (cannot collide with a variant id from the UI). */
export const FLOAT_MODEL_ID = '\u0000float';

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
  /** IoU threshold for map outputs (default 0.5). */
  iouThreshold?: number;
  /** Float outputs kept for the per-output comparison (default OUTPUT_KEEP_BYTES). */
  outputKeepBytes?: number;
  /** Time every model in interleaved rounds after the evaluation (timing.latency); left out when absent. */
  latency?: LatencyOptions;
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
  plan: FeedPlan;
  /** The class-score output (null when none: per-output fidelity only). */
  output: TensorSpec | null;
  outputNames: string[];
  batches: BatchPlan;
  preprocess: PreprocessOptions | null;
}

export async function runEvaluation(
  set: SampleSet,
  req: EngineRequest,
  backend: InferenceBackend,
  hooks: EvalHooks,
): Promise<EvalOutcome> {
  // The benchmark reuses the pass's sessions when it would hold them all together anyway (LatencyOptions.holdBytes).
  const modelBytes =
    req.float.sizeBytes + req.variants.reduce((a, v) => a + v.sizeBytes * req.modes.length, 0);
  const sessions = createSessionKeeper(!!req.latency && modelBytes <= req.latency.holdBytes);
  try {
    return await evaluate(set, req, backend, hooks, sessions);
  } finally {
    await sessions.releaseAll();
  }
}

async function evaluate(
  set: SampleSet,
  req: EngineRequest,
  backend: InferenceBackend,
  hooks: EvalHooks,
  sessions: SessionKeeper,
): Promise<EvalOutcome> {
  const started = hooks.now();
  const modes = checkRequest(req);
  const count = Math.min(set.count, req.maxSamples ?? set.count);
  const labelsGiven = set.labels ? set.labels.subarray(0, count) : null;
  // The probe's notes say how each input was made up: they belong with its numbers.
  const notes: string[] = set.source === 'synthetic' ? [...set.notes] : [];
  const steps = 1 + req.variants.length * modes.length + (req.latency ? 1 : 0);
  const report = createProgressReporter(hooks.now, hooks.onProgress);
  const threshold = req.iouThreshold ?? DEFAULT_IOU_THRESHOLD;
  if (!Number.isFinite(threshold)) throw evalError(`IoU threshold must be a number, got ${threshold}`);
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

  // The float model fixes the input feeds, the outputs and (on its first run) the class count.
  const floatLoad = await load(req.float, 'exact');
  let feed: Feed;
  try {
    const preprocess = resolvePreprocess(set, floatLoad.model, req.preprocess, notes);
    const imageDims = set.kind === 'images' ? sampleDimsOf(set, preprocess) : null;
    const plan = planFeeds(floatLoad.model.inputs, set, imageDims, req.float.label);
    notes.push(...plan.notes);
    const batch = plan.primary.fit.batch;
    const candidate = chooseClassificationOutput(floatLoad.model.outputs, batch);
    if (candidate?.note) notes.push(candidate.note);
    const skipped = floatLoad.model.outputs.filter((o) => !isFloatDtype(o.dtype));
    if (skipped.length > 0) {
      notes.push(
        `not compared (not float): ${skipped.map((o) => `output '${o.name}' ${o.dtype}`).join(', ')}`,
      );
    }
    feed = {
      plan,
      output: candidate?.output ?? null,
      outputNames: floatLoad.model.outputs.filter((o) => isFloatDtype(o.dtype)).map((o) => o.name),
      batches: planBatches(count, batch, req.batchSize),
      preprocess,
    };
    if (feed.outputNames.length === 0) throw evalError(`${req.float.label} has no float output to compare`);
  } catch (e) {
    await floatLoad.model.release();
    throw e;
  }
  const { plan, outputNames, batches, preprocess } = feed;
  const { fit } = plan.primary;
  const imageSize = set.kind === 'images' ? sampleDimsOf(set, preprocess).reduce((a, b) => a * b, 1) : 0;
  const inputs = createFeedBuilder(plan, set, count, imageSize, preprocess);
  let rowLength = 0;
  let scored: TensorSpec | null = feed.output;
  let labels = labelsGiven;
  const store: OutputStore = createOutputStore(outputNames, fit.batch, threshold, req.outputKeepBytes);

  /** Runs every batch through `model`, calling `onRun` per run; returns the timing. */
  const runAll = async (
    model: LoadedModel,
    label: string,
    createMs: number,
    progress: { variantId: string | null; mode: EvalMode; step: number },
    onRun: (run: number, start: number, end: number, n: number, out: RunOutput['outputs']) => void,
  ): Promise<TimingDto> => {
    const timer = createTimer(createMs, batches.samplesPerRun);
    const phase = progress.variantId === null ? 'float' : 'variant';
    report({ phase, ...progress, done: 0, total: count, steps }, true);
    let run = 0;
    for (const [start, end] of batchRanges(count, batches)) {
      if (hooks.isCancelled?.()) throw cancelled();
      const n = batches.pad ? batches.samplesPerRun : end - start;
      const x = await inputs.get(start, end, n);
      let out: RunOutput;
      try {
        out = await model.run(x, outputNames);
      } catch (e) {
        if (isStudioError(e)) throw e;
        const shapes = Object.entries(x).map(([k, t]) => `${k} [${t.dims.join(',')}]`);
        const what = `samples ${start}..${end - 1} with input ${shapes.join(', ')}`;
        throw evalError(`${label}: onnxruntime failed on ${what} (${reason(e)})`, e);
      }
      timer.add(out.runMs, end - start);
      onRun(run++, start, end, n, out.outputs);
      report({ phase, ...progress, done: end, total: count, steps }, end === count);
      if (hooks.pause && hooks.now() - lastPause >= PAUSE_EVERY_MS) {
        await hooks.pause();
        lastPause = hooks.now();
      }
    }
    return timer.result();
  };

  /** Class-score rows of one run (validated against the first run's row length). */
  const rowsOf = (label: string, out: RunOutput['outputs'], n: number) => {
    const o = out[(scored as TensorSpec).name];
    if (o.data.length !== n * rowLength) {
      throw evalError(
        `${label}: output '${(scored as TensorSpec).name}' has ${o.data.length} values for ${n} sample(s), expected ${n * rowLength}`,
      );
    }
    return (i: number) => o.data.subarray(i * rowLength, (i + 1) * rowLength);
  };

  // 1. Float model: keep its outputs (variants are compared to them); check labels and reference outputs.
  const float = {
    out: new Float32Array(0),
    acc: null as ClassificationAccumulator | null,
    ref: null as ReturnType<typeof createReferenceComparator> | null,
    kind: createOutputKindDetector(),
  };
  let floatTiming: TimingDto;
  try {
    const progress = { variantId: null, mode: 'exact' as const, step: 1 };
    floatTiming = await runAll(
      floatLoad.model,
      req.float.label,
      floatLoad.ms,
      progress,
      (run, start, end, n, out) => {
        if (run === 0 && scored) {
          // First run: is the candidate really one row of class scores per sample?
          try {
            rowLength = classRowLength(out[scored.name].dims, n, fit.batch, scored.name);
          } catch (e) {
            notes.push(`${reason(e)}: no class scores, per-output fidelity only`);
            scored = null;
          }
          if (scored) {
            float.out = new Float32Array(count * rowLength);
            if (labels) {
              checkLabels(set, labels, rowLength, scored.name, notes);
              float.acc = createClassificationAccumulator({
                numClasses: rowLength,
                topK: Math.min(req.topK ?? 5, rowLength),
              });
            }
            const refs = set.kind === 'tensor' ? set.referenceOutputs : null;
            float.ref = refs ? createReferenceComparator(refs, rowLength) : null;
            if (float.ref?.note) notes.push(float.ref.note);
          } else if (labels) {
            notes.push(
              `${set.sourceName} has labels, but no output holds class scores: accuracy not measured`,
            );
            labels = null;
          }
        }
        store.addFloat(run, start, end, n, out);
        if (!scored) return;
        const row = rowsOf(req.float.label, out, n);
        for (let i = start; i < end; i++) {
          const r = row(i - start);
          float.out.set(r, i * rowLength);
          float.kind.add(r);
          float.acc?.add(r, (labels as Int32Array)[i]);
          float.ref?.add(i, r);
        }
      },
    );
  } finally {
    await sessions.done(req.float.id, floatLoad.model);
  }
  if (store.capped) notes.push(store.cappedNote());
  const kind = float.kind.result();
  const floatRow = (i: number) => float.out.subarray(i * rowLength, (i + 1) * rowLength);
  const floatPred = createPredictions(count);
  if (scored) for (let i = 0; i < count; i++) recordPrediction(floatPred, i, floatRow(i), kind);
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
        checkVariantFeeds(model, what, plan, outputNames);
        const acc =
          labels && scored ? createClassificationAccumulator({ numClasses: rowLength, topK }) : null;
        const fid = scored ? createFidelityAccumulator({ kind }) : null;
        const preds = createVariantPredictions(count);
        const keep =
          scored && mode === 'exact' && modes.length > 1 ? new Float32Array(count * rowLength) : null;
        const compare =
          scored && mode === 'deployed' && exactOut ? createModeComparator(exactOut, rowLength) : null;
        const outputs = store.variantComparison(scored?.name ?? null);
        const timing = await runAll(
          model,
          what,
          ms,
          { variantId: v.id, mode, step },
          (run, start, end, n, out) => {
            outputs.add(run, start, end, n, out);
            if (!scored) return;
            const row = rowsOf(what, out, n);
            for (let i = start; i < end; i++) {
              const r = row(i - start);
              acc?.add(r, (labels as Int32Array)[i]);
              fid?.add(floatRow(i), r);
              recordPrediction(preds, i, r, kind, floatPred.pred[i]);
              keep?.set(r, i * rowLength);
              compare?.add(i, r);
            }
          },
        );
        stored.set(predictionKey(v.id, mode), preds);
        result[mode] = modeResult({
          mode,
          accuracy: acc?.result() ?? null,
          floatAccuracy,
          fidelity: fid?.result() ?? null,
          outputs: outputs.result(),
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
        await sessions.done(predictionKey(v.id, mode), model);
      }
    }
    variants.push(result);
  }

  // 3. Latency: the pass's sessions (or fresh ones when they were too large to keep), warmed up, interleaved on the
  // first run's input (timing.latency).
  if (req.latency) {
    const n = batches.pad ? batches.samplesPerRun : Math.min(count, batches.samplesPerRun);
    const feeds = await inputs.get(0, Math.min(count, batches.samplesPerRun), n);
    const targets: LatencyTarget[] = [
      {
        key: req.float.id,
        sizeBytes: req.float.sizeBytes,
        load: async () => sessions.take(req.float.id) ?? (await load(req.float, 'exact')).model,
      },
      ...req.variants.flatMap((v) =>
        modes.map((mode) => ({
          key: predictionKey(v.id, mode),
          sizeBytes: v.sizeBytes,
          load: async () => sessions.take(predictionKey(v.id, mode)) ?? (await load(v, mode)).model,
        })),
      ),
    ];
    const progress = {
      phase: 'latency' as const,
      variantId: null,
      mode: 'exact' as const,
      step: steps,
      steps,
    };
    report({ ...progress, done: 0, total: 1 }, true);
    const stats = await measureLatency(
      targets,
      feeds,
      outputNames,
      n,
      {
        now: hooks.now,
        isCancelled: hooks.isCancelled,
        pause: hooks.pause,
        onRun: (done, total) => report({ ...progress, done, total }, done === total),
      },
      req.latency,
    );
    floatTiming.latency = stats.get(req.float.id) ?? null;
    for (const v of variants) {
      for (const mode of modes) {
        const r = v[mode];
        if (r) r.timing.latency = stats.get(predictionKey(v.id, mode)) ?? null;
      }
    }
  }

  const primary = plan.primary;
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
        name: primary.input.name,
        dtype: primary.input.dtype,
        shape: primary.input.shape,
        batch: fit.batch,
        samplesPerRun: batches.samplesPerRun,
        runDims: runDims(fit.feedDims, fit.batch, batches.samplesPerRun),
        description: fit.description,
      },
      output: scored ? { name: scored.name, dtype: scored.dtype, shape: scored.shape, kind } : null,
      outputs: store.infos(scored?.name ?? null, floatLoad.model.outputs),
      iouThreshold: threshold,
      outputSamples: store.samples,
      synthetic: set.source === 'synthetic',
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
      runtime: backend.runtime ?? null,
      notes,
      durationMs: hooks.now() - started,
    },
    predictions: { count, kind, float: floatPred, variants: stored },
  };
}
