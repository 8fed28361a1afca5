// Runs the float model and every variant (in each mode) on the same samples, one session at a time, and streams the
// outputs into accuracy / fidelity accumulators. The backend (onnxruntime in the worker) is injected.
import {
  createClassificationAccumulator,
  createFidelityAccumulator,
  createOutputKindDetector,
  type ClassificationAccumulator,
} from '../metrics/classification';
import { sampleDimsOf, type SampleSet } from '../samples';
import type { EvalMode, ReferenceCheck, TimingDto, VariantResult } from './results';
import { createFeedBuilder } from './batch-feeds';
import { planFloatFeed, type Feed } from './float-feed';
import { checkLabels, checkRequest, checkVariantFeeds, evalError } from './io';
import { classRowLength } from './output';
import { createOutputStore, type OutputStore } from './output-store';
import { runDims } from './plan';
import {
  createPredictions,
  createVariantPredictions,
  recordPrediction,
  type VariantPredictions,
} from './predictions';
import {
  createModeComparator,
  createProgressReporter,
  createReferenceComparator,
  modeResult,
} from './report';
import { DEFAULT_IOU_THRESHOLD } from './output-fidelity';
import { runLatencyPass } from './latency-pass';
import { predictionKey, type EngineRequest, type EvalModelRef, type EvalOutcome } from './request';
import { cancelled, createBatchRunner, loadModel, reason } from './runner';
import { createSessionKeeper, type SessionKeeper } from './sessions';
import type { EvalHooks, InferenceBackend, RunOutput, TensorSpec } from './types';

export { PAUSE_EVERY_MS } from './runner';
export {
  FLOAT_MODEL_ID,
  predictionKey,
  type EngineRequest,
  type EvalModelRef,
  type EvalOutcome,
  type StoredPredictions,
} from './request';

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
  const lastPause = hooks.now();
  const load = (ref: EvalModelRef, mode: EvalMode) => loadModel(backend, hooks.now, ref, mode);

  // The float model fixes the input feeds, the outputs and (on its first run) the class count.
  const floatLoad = await load(req.float, 'exact');
  let feed: Feed;
  try {
    feed = planFloatFeed(set, req, floatLoad.model, count, notes);
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

  const pass = { hooks, report, steps, count, batches, inputs, outputNames };
  const runAll = createBatchRunner({ ...pass, lastPause });

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

  // 3. Latency (timing.latency), on the pass's sessions when they were kept.
  await runLatencyPass({ ...pass, req, modes, backend, sessions }, floatTiming, variants);

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
