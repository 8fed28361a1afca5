// Does a sample set fit a model input? Shape, batch axis and dtype, with messages naming both sides.
import { sampleSetError } from './paths';

export interface ModelInputSpec {
  name?: string;
  /** ONNX dims: a number (fixed; 0 or negative means unknown), a symbolic name, or null. */
  shape: readonly (number | string | null)[];
  dtype: string;
}

export type BatchInfo =
  | { kind: 'fixed'; size: number } // e.g. batch 1: one sample per run (a larger fixed batch needs padding)
  | { kind: 'dynamic'; symbol: string | null } // any number of samples per run
  | { kind: 'none' }; // the input has no batch axis: one sample per run, fed as is

export interface SampleFit {
  batch: BatchInfo;
  /** Dims of one run's input for `n` samples: replace the leading -1 by n (no -1 when batch.kind is 'none'). */
  feedDims: number[];
  /** True when the sample is fed reshaped (same element count, different dims, e.g. [784] -> [1,28,28]). */
  reshaped: boolean;
  /** The dtype the samples are converted to (float32: none). */
  castTo: string;
  description: string;
}

const CASTABLE = [
  'float32',
  'float16',
  'float64',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'bool',
];
const isFixed = (d: number | string | null): d is number => typeof d === 'number' && d > 0;
const show = (dims: readonly (number | string | null)[]): string =>
  `[${dims.map((d) => (isFixed(d) ? d : d === null || typeof d === 'number' ? '?' : d)).join(',')}]`;
const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** `sampleDims` are per sample (no batch axis); `source` names the sample files in messages. */
export function checkSamplesFit(
  sampleDims: readonly number[],
  modelInput: ModelInputSpec,
  source = 'samples',
): SampleFit {
  const { shape, dtype } = modelInput;
  const inputName = modelInput.name ? `model input '${modelInput.name}'` : 'the model input';
  if (!CASTABLE.includes(dtype)) {
    throw sampleSetError(
      `${inputName} has dtype ${dtype}; ${source} holds numbers (expected a float or integer input)`,
    );
  }
  const castTo = dtype;
  const mismatch = (detail: string) =>
    sampleSetError(
      `${source}: each sample has shape [${sampleDims.join(',')}] but ${inputName} expects ${show(shape)}${detail}`,
    );

  // Per-sample dims match if every fixed model dim equals the sample dim (free dims match anything).
  const matches = (rest: readonly (number | string | null)[]) =>
    rest.length === sampleDims.length && rest.every((d, i) => !isFixed(d) || d === sampleDims[i]);
  // Reshape only when it cannot reorder data: one side is flat, or both are equal after dropping 1s.
  // ([224,224,3] vs [3,224,224] has the same size but is a layout mismatch, not a reshape.)
  const squeeze = (dims: readonly number[]) => dims.filter((d) => d !== 1).join(',');
  const reshapable = (rest: readonly (number | string | null)[]): boolean => {
    if (!rest.every(isFixed) || product(rest) !== product(sampleDims)) return false;
    return rest.length === 1 || sampleDims.length === 1 || squeeze(rest) === squeeze(sampleDims);
  };

  if (shape.length === sampleDims.length + 1 || (shape.length >= 1 && reshapable(shape.slice(1)))) {
    const b = shape[0];
    const batch: BatchInfo = isFixed(b)
      ? { kind: 'fixed', size: b }
      : { kind: 'dynamic', symbol: typeof b === 'string' ? b : null };
    const rest = shape.slice(1);
    const exact = matches(rest);
    if (!exact && !reshapable(rest)) {
      throw mismatch(` (per sample ${show(rest)})`);
    }
    const feedRest = rest.map((d, i) => (isFixed(d) ? d : exact ? sampleDims[i] : -1));
    const batchText =
      batch.kind === 'fixed'
        ? batch.size === 1
          ? 'batch fixed at 1: one sample per run'
          : `batch fixed at ${batch.size}: runs of ${batch.size} (the last one padded)`
        : `dynamic batch${batch.symbol ? ` '${batch.symbol}'` : ''}: samples can be run in batches`;
    return {
      batch,
      feedDims: [-1, ...feedRest],
      reshaped: !exact,
      castTo,
      description: `${batchText}${exact ? '' : `; each sample [${sampleDims.join(',')}] is reshaped to ${show(rest)}`}${castTo !== 'float32' ? `; converted to ${castTo}` : ''}`,
    };
  }
  if (matches(shape) || reshapable(shape)) {
    const exact = matches(shape);
    return {
      batch: { kind: 'none' },
      feedDims: shape.map((d, i) => (isFixed(d) ? d : sampleDims[i])),
      reshaped: !exact,
      castTo,
      description: `no batch axis: one sample per run${exact ? '' : `, reshaped to ${show(shape)}`}${castTo !== 'float32' ? `; converted to ${castTo}` : ''}`,
    };
  }
  throw mismatch(` (rank ${shape.length} vs ${sampleDims.length} + a batch axis)`);
}
