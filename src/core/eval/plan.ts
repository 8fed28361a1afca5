// How samples are grouped into onnxruntime runs: one per run for a fixed batch of 1 (or no batch axis),
// batches for a dynamic batch axis, padded runs for a fixed batch above 1.
import { StudioError } from '../errors';
import type { BatchInfo } from '../samples';

export const DEFAULT_BATCH_SIZE = 32;
export const MAX_BATCH_SIZE = 4096;

export interface BatchPlan {
  /** Samples fed per run (the tensor's leading dim; the last run of a fixed batch is padded to it). */
  samplesPerRun: number;
  /** Whether a short last run is padded up to `samplesPerRun` (fixed batch > 1). */
  pad: boolean;
  runs: number;
}

/** `requested` is the caller's batch size; it only applies to a dynamic batch axis. */
export function planBatches(count: number, batch: BatchInfo, requested?: number): BatchPlan {
  if (!(Number.isInteger(count) && count > 0)) {
    throw new StudioError('EvaluationError', `nothing to evaluate: ${count} samples`);
  }
  if (
    requested !== undefined &&
    !(Number.isInteger(requested) && requested >= 1 && requested <= MAX_BATCH_SIZE)
  ) {
    throw new StudioError(
      'EvaluationError',
      `batch size must be an integer in 1..${MAX_BATCH_SIZE}, got ${requested}`,
    );
  }
  let samplesPerRun: number;
  let pad = false;
  if (batch.kind === 'fixed') {
    samplesPerRun = batch.size;
    pad = batch.size > 1;
  } else if (batch.kind === 'dynamic') {
    samplesPerRun = Math.min(requested ?? DEFAULT_BATCH_SIZE, count);
  } else {
    samplesPerRun = 1;
  }
  return { samplesPerRun, pad, runs: Math.ceil(count / samplesPerRun) };
}

/** [start, end) sample ranges of each run, in order. */
export function* batchRanges(count: number, plan: BatchPlan): Generator<[number, number]> {
  for (let start = 0; start < count; start += plan.samplesPerRun) {
    yield [start, Math.min(count, start + plan.samplesPerRun)];
  }
}

/** Input dims of one run of `n` fed samples: `feedDims` from checkSamplesFit with its leading -1 replaced. */
export function runDims(feedDims: readonly number[], batch: BatchInfo, n: number): number[] {
  if (batch.kind === 'none') return [...feedDims];
  return [n, ...feedDims.slice(1)];
}
