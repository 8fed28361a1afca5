// Loading a model and running every batch of the set through it: the loop each pass of the evaluation shares, with
// its cancel checks, progress, pauses for the worker's messages, and errors that name the model and the samples.
import { StudioError, isStudioError } from '../errors';
import type { FeedBuilder } from './batch-feeds';
import { evalError } from './io';
import { batchRanges, type BatchPlan } from './plan';
import type { EvalModelRef } from './request';
import { createTimer, type createProgressReporter } from './report';
import type { EvalMode, TimingDto } from './results';
import type { EvalHooks, InferenceBackend, LoadedModel, RunOutput } from './types';

export const PAUSE_EVERY_MS = 50;

export const reason = (e: unknown) => (e instanceof Error ? e.message : String(e));
export const cancelled = () => new StudioError('CancelledError', 'evaluation cancelled');

export type ProgressReporter = ReturnType<typeof createProgressReporter>;

export async function loadModel(
  backend: InferenceBackend,
  now: () => number,
  ref: EvalModelRef,
  mode: EvalMode,
): Promise<{ model: LoadedModel; ms: number }> {
  const t = now();
  try {
    return { model: await backend.load(ref.id, mode), ms: now() - t };
  } catch (e) {
    if (isStudioError(e)) throw e;
    throw evalError(`${ref.label}: onnxruntime could not load the model (${reason(e)})`, e);
  }
}

export interface BatchRunnerContext {
  hooks: EvalHooks;
  report: ProgressReporter;
  /** Passes in the whole evaluation (for progress). */
  steps: number;
  count: number;
  batches: BatchPlan;
  inputs: FeedBuilder;
  outputNames: string[];
  /** When the last pause was (hooks.now()); pauses are spaced PAUSE_EVERY_MS apart across passes. */
  lastPause: number;
}

export type RunBatch = (
  run: number,
  start: number,
  end: number,
  n: number,
  out: RunOutput['outputs'],
) => void;

/** Runs every batch through `model`, calling `onRun` per run; returns the timing. */
export function createBatchRunner(ctx: BatchRunnerContext) {
  const { hooks, report, steps, count, batches, inputs, outputNames } = ctx;
  let lastPause = ctx.lastPause;
  return async (
    model: LoadedModel,
    label: string,
    createMs: number,
    progress: { variantId: string | null; mode: EvalMode; step: number },
    onRun: RunBatch,
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
}
