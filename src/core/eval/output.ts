// Which model output holds the class scores, and how one run's output splits into one row per sample.
import { StudioError } from '../errors';
import type { BatchInfo } from '../samples';
import type { TensorSpec } from './types';

export const FLOAT_DTYPES = ['float32', 'float16', 'float64'] as const;
export const isFloatDtype = (d: string): boolean => (FLOAT_DTYPES as readonly string[]).includes(d);

const evalError = (message: string) => new StudioError('EvaluationError', message);
const show = (shape: readonly (number | string | null)[]) =>
  `[${shape.map((d) => (d === null || (typeof d === 'number' && d < 0) ? '?' : d)).join(',')}]`;

/** Dims other than the batch axis that are not 1 (symbolic dims count: they may be anything). */
const scoreDims = (shape: readonly (number | string | null)[], batched: boolean) =>
  (batched ? shape.slice(1) : shape).filter((d) => d !== 1);

/**
 * The output to score as class scores: the first float tensor whose declared shape is [batch, classes] up to axes
 * of size 1 ([1,1000,1,1] is fine), else a lone float output of unknown shape (checked again on the first run),
 * else null: the model's outputs are compared with per-output fidelity only.
 */
export function chooseClassificationOutput(
  outputs: readonly TensorSpec[],
  batch: BatchInfo,
): { output: TensorSpec; note: string | null } | null {
  const floats = outputs.filter((o) => isFloatDtype(o.dtype));
  const batched = batch.kind !== 'none';
  const output =
    floats.find((o) => o.shape.length > 0 && scoreDims(o.shape, batched).length <= 1) ??
    (floats.length === 1 && floats[0].shape.length === 0 ? floats[0] : null);
  if (!output) return null;
  const note =
    outputs.length > 1
      ? `scoring output '${output.name}' as class scores (${outputs.length} outputs: ${outputs.map((o) => o.name).join(', ')})`
      : null;
  return { output, note };
}

/**
 * Values per sample in one run's output of `dims` for `n` samples fed (padded runs count the padding).
 * Throws EvaluationError unless it is one row of ≥ 2 class scores per sample.
 */
export function classRowLength(
  dims: readonly number[],
  n: number,
  batch: BatchInfo,
  outputName: string,
): number {
  const batched = batch.kind !== 'none';
  const rest = batched ? dims.slice(1) : dims;
  const row = rest.reduce((a, b) => a * b, 1);
  const what = `output '${outputName}' has shape ${show(dims)} for a run of ${n} sample(s)`;
  if (batched && dims[0] !== n) {
    throw evalError(`${what}: expected the batch axis first ([${n}, classes])`);
  }
  if (rest.filter((d) => d !== 1).length > 1 || dims.length === 0) {
    throw evalError(
      `${what}: expected one row of class scores per sample ([batch, classes], e.g. [${n},10])`,
    );
  }
  if (row < 2) {
    throw evalError(
      `${what}: ${row} value per sample; a classifier needs one score per class (single-score sigmoid outputs are not supported)`,
    );
  }
  return row;
}
