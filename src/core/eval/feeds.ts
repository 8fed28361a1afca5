// Which sample array feeds which model input, and one run's input tensors. Arrays match inputs by name (npz keys,
// TensorProto names, .npy file names), then in order; inputs with no data (recurrent state, masks) get their initial
// values: zeros, or ones for masks. Values are converted to each input's dtype, integers exactly.
import { toFloat16Array } from '../onnx/float16';
import {
  arraySamples,
  checkSamplesFit,
  sampleArraysOf,
  type BatchInfo,
  type SampleArray,
  type SampleFit,
  type SampleSet,
} from '../samples';
import { evalError } from './errors';
import type { TensorSpec } from './types';

export type FeedData =
  | Float32Array
  | Float64Array
  | Uint16Array
  | BigInt64Array
  | BigUint64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Int8Array
  | Uint8Array;

/** One input tensor of one run, in the model input's dtype (float16 as its bits). */
export interface FeedTensor {
  dtype: string;
  data: FeedData;
  dims: number[];
}

export type InputSource =
  | { kind: 'images' }
  | { kind: 'array'; array: SampleArray; matchedBy: 'name' | 'order' }
  | { kind: 'default'; value: 0 | 1; why: string };

export interface InputFeed {
  input: TensorSpec;
  source: InputSource;
  /** How the data fits the input (null for defaults). */
  fit: SampleFit | null;
}

export interface FeedPlan {
  feeds: InputFeed[];
  /** The first input fed from the samples: it fixes the batch axis and the dims of default inputs. */
  primary: InputFeed & { fit: SampleFit };
  notes: string[];
}

const STATE_NAME = /state|hidden|past|cache|memory|^(h|c|hx|cx)(_?\d+|_?in|_?init)?$/i;
const MASK_NAME = /mask/i;
/** Recurrent state, caches and the like: fed their initial value (zeros) unless the samples hold them. */
export const isStateInput = (name: string): boolean => STATE_NAME.test(name);
const NUMERIC = new Set([
  'float32',
  'float16',
  'float64',
  'int64',
  'uint64',
  'int32',
  'uint32',
  'int16',
  'uint16',
  'int8',
  'uint8',
  'bool',
]);

const show = (shape: readonly (number | string | null)[]) =>
  `[${shape.map((d) => (d === null || (typeof d === 'number' && d <= 0) ? '?' : d)).join(',')}]`;

/** The input images are fed to: the first that is neither recurrent state nor a mask. */
export const imageInputOf = (inputs: readonly TensorSpec[]): TensorSpec | undefined =>
  inputs.find((i) => !isStateInput(i.name) && !MASK_NAME.test(i.name)) ?? inputs[0];

/** Match the set's arrays (or its images) to the model's inputs. Throws EvaluationError / SampleSetError. */
export function planFeeds(
  inputs: readonly TensorSpec[],
  set: SampleSet,
  sampleDimsOfImages: number[] | null,
  label: string,
): FeedPlan {
  if (inputs.length === 0) throw evalError(`${label} has no inputs`);
  for (const i of inputs) {
    if (!NUMERIC.has(i.dtype)) {
      throw evalError(`${label}: input '${i.name}' is ${i.dtype}; the evaluator feeds numeric tensors only`);
    }
  }
  const notes: string[] = [];
  const sources = new Map<string, InputSource>();
  const fits = new Map<string, SampleFit>();
  if (set.kind === 'images') {
    const target = imageInputOf(inputs) as TensorSpec;
    sources.set(target.name, { kind: 'images' });
    fits.set(target.name, checkSamplesFit(sampleDimsOfImages ?? [], target, set.sourceName));
  } else {
    const arrays = sampleArraysOf(set);
    const free = [...arrays];
    const take = (a: SampleArray) => free.splice(free.indexOf(a), 1);
    for (const i of inputs) {
      const a =
        free.find((x) => x.name === i.name) ??
        free.find((x) => x.name !== null && x.name.toLowerCase() === i.name.toLowerCase());
      if (a) {
        sources.set(i.name, { kind: 'array', array: a, matchedBy: 'name' });
        take(a);
      }
    }
    const open = inputs.filter((i) => !sources.has(i.name));
    const targets = free.length === open.length ? open : open.filter((i) => !isStateInput(i.name));
    for (const i of targets) {
      const a = free.shift();
      if (!a) break;
      sources.set(i.name, { kind: 'array', array: a, matchedBy: 'order' });
    }
    if (free.length > 0) {
      notes.push(
        `not fed (no model input of that name left): ${free.map((a) => `'${a.name ?? a.source}'`).join(', ')}`,
      );
    }
    for (const [name, s] of sources) {
      if (s.kind !== 'array') continue;
      const input = inputs.find((i) => i.name === name) as TensorSpec;
      fits.set(name, checkSamplesFit(s.array.sampleDims, input, s.array.source));
    }
  }
  const feeds: InputFeed[] = inputs.map((input) => {
    const source = sources.get(input.name) ?? {
      kind: 'default' as const,
      value: MASK_NAME.test(input.name) ? (1 as const) : (0 as const),
      why: isStateInput(input.name)
        ? 'initial state'
        : MASK_NAME.test(input.name)
          ? 'mask: nothing masked'
          : 'not in the samples',
    };
    return { input, source, fit: fits.get(input.name) ?? null };
  });
  const primary = feeds.find((f) => f.fit !== null) as FeedPlan['primary'] | undefined;
  if (!primary) {
    const names = sampleArraysOf(set).map((a) => `'${a.name ?? a.source}'`);
    throw evalError(
      `${label}: none of the sample arrays (${names.join(', ')}) matches an input (${inputs.map((i) => `'${i.name}'`).join(', ')})`,
    );
  }
  checkBatches(feeds, primary, label);
  for (const f of feeds) {
    const s = f.source;
    if (s.kind === 'array' && (inputs.length > 1 || s.array.name !== null)) {
      notes.push(
        `input '${f.input.name}' ← ${s.array.name ?? s.array.source} (${s.array.dtype} [${s.array.sampleDims.join(',')}] per sample${s.matchedBy === 'order' ? ', matched in order' : ''})`,
      );
    } else if (s.kind === 'default') {
      notes.push(
        `input '${f.input.name}' ${f.input.dtype} ${show(f.input.shape)} is not in the samples: fed ${s.value === 1 ? 'all ones' : 'zeros'} (${s.why})`,
      );
    }
  }
  return { feeds, primary, notes };
}

/** Every fed input must batch the same way as the primary one. */
function checkBatches(feeds: InputFeed[], primary: InputFeed & { fit: SampleFit }, label: string): void {
  const b = primary.fit.batch;
  for (const f of feeds) {
    if (!f.fit || f === primary) continue;
    const o: BatchInfo = f.fit.batch;
    const same = o.kind === b.kind && (o.kind !== 'fixed' || (b.kind === 'fixed' && o.size === b.size));
    if (!same) {
      throw evalError(
        `${label}: input '${f.input.name}' batches as ${o.kind === 'fixed' ? `fixed ${o.size}` : o.kind}, input '${primary.input.name}' as ${b.kind === 'fixed' ? `fixed ${b.size}` : b.kind}: cannot feed them together`,
      );
    }
  }
}

/** Run dims of an input with no data: fixed dims, symbols shared with the primary input, else the primary's by position, else 1. */
export function defaultDims(
  input: TensorSpec,
  primary: TensorSpec,
  primaryRunDims: readonly number[],
): number[] {
  return input.shape.map((d, k) => {
    if (typeof d === 'number' && d > 0) return d;
    if (typeof d === 'string') {
      const j = primary.shape.indexOf(d);
      if (j >= 0) return primaryRunDims[j];
    }
    if (input.shape.length === primary.shape.length) return primaryRunDims[k];
    return 1;
  });
}

const INT_RANGES: Readonly<Record<string, [number, number]>> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  int16: [-(2 ** 15), 2 ** 15 - 1],
  uint16: [0, 2 ** 16 - 1],
  int8: [-128, 127],
  uint8: [0, 255],
  int64: [-(2 ** 53), 2 ** 53],
  uint64: [0, 2 ** 53],
};

/** `values` as a tensor of `dtype`: integers must be whole and in range (else an error naming `what`). */
export function toFeedData(values: Float32Array | Float64Array, dtype: string, what: string): FeedData {
  if (dtype === 'float32') return values instanceof Float32Array ? values : Float32Array.from(values);
  if (dtype === 'float64') return values instanceof Float64Array ? values : Float64Array.from(values);
  if (dtype === 'float16')
    return toFloat16Array(values instanceof Float32Array ? values : Float32Array.from(values));
  if (dtype === 'bool') return Uint8Array.from(values, (v) => (v !== 0 ? 1 : 0));
  const range = INT_RANGES[dtype];
  if (!range) throw evalError(`${what}: cannot feed dtype ${dtype}`);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < range[0] || v > range[1]) {
      throw evalError(
        `${what}: value ${v} at index ${i} is not a whole number in ${dtype}'s range (check the sample dtype; for images choose range 0..255)`,
      );
    }
  }
  switch (dtype) {
    case 'int64':
      return BigInt64Array.from(values, (v) => BigInt(v));
    case 'uint64':
      return BigUint64Array.from(values, (v) => BigInt(v));
    case 'int32':
      return Int32Array.from(values);
    case 'uint32':
      return Uint32Array.from(values);
    case 'int16':
      return Int16Array.from(values);
    case 'uint16':
      return Uint16Array.from(values);
    case 'int8':
      return Int8Array.from(values);
    default:
      return Uint8Array.from(values);
  }
}

/** Samples [start, end) of an array, zero-padded to `runSize` samples. */
export function arrayBatch(
  a: SampleArray,
  start: number,
  end: number,
  runSize: number,
): Float32Array | Float64Array {
  const view = arraySamples(a, start, end);
  if (end - start === runSize) return view;
  const size = a.sampleDims.reduce((x, y) => x * y, 1) * runSize;
  const out = view instanceof Float64Array ? new Float64Array(size) : new Float32Array(size);
  out.set(view);
  return out;
}

/** A constant tensor of `dims` in `dtype`. */
export function constantFeed(value: 0 | 1, dtype: string, dims: number[], what: string): FeedTensor {
  const n = dims.reduce((a, b) => a * b, 1);
  return { dtype, dims, data: toFeedData(new Float32Array(n).fill(value), dtype, what) };
}

/**
 * The preview's fit check: several inputs (or several arrays) go through the same matching as the evaluation, and
 * the matching's notes join the description; one input and one array is the plain shape check.
 */
export function checkPreviewFit(
  set: SampleSet,
  sampleDims: number[],
  modelInput: { name?: string; dtype: string; shape: readonly (number | string | null)[] },
  allInputs?: readonly { name?: string; dtype: string; shape: readonly (number | string | null)[] }[],
): SampleFit {
  const several = (allInputs?.length ?? 1) > 1 || (set.kind === 'tensor' && (set.arrays?.length ?? 1) > 1);
  if (!several) return checkSamplesFit(sampleDims, modelInput, set.sourceName);
  const specs = (allInputs ?? [modelInput]).map((i, k) => ({
    name: i.name ?? `input ${k}`,
    dtype: i.dtype,
    shape: [...i.shape],
  }));
  const plan = planFeeds(specs, set, set.kind === 'images' ? sampleDims : null, 'the model');
  return { ...plan.primary.fit, description: [plan.primary.fit.description, ...plan.notes].join('; ') };
}
