// The latency pass after the evaluation: the pass's sessions (or fresh ones when they were too large to keep), warmed
// up, interleaved on the first run's input; fills timing.latency of the float model and of every variant's modes.
import { measureLatency, type LatencyTarget } from './latency';
import { predictionKey, type EngineRequest } from './request';
import type { EvalMode, TimingDto, VariantResult } from './results';
import { loadModel, type BatchRunnerContext } from './runner';
import type { SessionKeeper } from './sessions';
import type { InferenceBackend } from './types';

/** The batch runner's context (bar its pause clock) plus what the latency targets are made of. */
export interface LatencyPassContext extends Omit<BatchRunnerContext, 'lastPause'> {
  req: EngineRequest;
  modes: EvalMode[];
  backend: InferenceBackend;
  sessions: SessionKeeper;
}

export async function runLatencyPass(
  ctx: LatencyPassContext,
  floatTiming: TimingDto,
  variants: VariantResult[],
): Promise<void> {
  const { req, modes, backend, hooks, sessions, report, steps, count, batches } = ctx;
  if (!req.latency) return;
  const load = async (ref: EngineRequest['float'], mode: EvalMode) =>
    (await loadModel(backend, hooks.now, ref, mode)).model;
  const n = batches.pad ? batches.samplesPerRun : Math.min(count, batches.samplesPerRun);
  const feeds = await ctx.inputs.get(0, Math.min(count, batches.samplesPerRun), n);
  const targets: LatencyTarget[] = [
    {
      key: req.float.id,
      sizeBytes: req.float.sizeBytes,
      load: async () => sessions.take(req.float.id) ?? (await load(req.float, 'exact')),
    },
    ...req.variants.flatMap((v) =>
      modes.map((mode) => ({
        key: predictionKey(v.id, mode),
        sizeBytes: v.sizeBytes,
        load: async () => sessions.take(predictionKey(v.id, mode)) ?? (await load(v, mode)),
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
    ctx.outputNames,
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
