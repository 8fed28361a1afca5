// Named input arrays of a tensor sample set: one per model input (input_ids, attention_mask, ...), each kept in the
// values its file holds (integers exact, not squeezed through float32), so token ids reach the model unchanged.
import { elementCount, npyToFloat32, numberView, type NpyArray } from './npy';
import { sampleSetError } from './paths';
import type { SampleArray, SampleSet } from './types';

const FLOAT_SOURCES = new Set(['float32', 'float16', 'float64']);
export const isIntegerSampleDtype = (d: string): boolean => !FLOAT_SOURCES.has(d);

const NPY_DTYPES: Readonly<Record<string, string>> = {
  '<f4': 'float32',
  '<f2': 'float16',
  '<f8': 'float64',
  '<i8': 'int64',
  '<i4': 'int32',
  '<i2': 'int16',
  '|i1': 'int8',
  '<u4': 'uint32',
  '<u2': 'uint16',
  '|u1': 'uint8',
  '|b1': 'bool',
};

/** The dtype name an .npy descr stands for ('<i8' -> 'int64'). */
export const npyDtypeName = (descr: string): string => NPY_DTYPES[descr] ?? 'float32';

/** Values of an .npy array as numbers: float32 stays float32, everything else is widened exactly to float64. */
export function npyValues(a: NpyArray): Float32Array | Float64Array {
  const n = elementCount(a);
  switch (a.dtype) {
    case '<f4':
    case '<f2':
      return npyToFloat32(a);
    case '<f8':
      return new Float64Array(a.data.buffer, a.data.byteOffset, n);
    case '<i8': {
      const v = new BigInt64Array(a.data.buffer, a.data.byteOffset, n);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        if (v[i] > 9007199254740991n || v[i] < -9007199254740991n) {
          throw sampleSetError(
            `${a.name}: value ${v[i]} at index ${i} is beyond ±2^53 (not an id or a count)`,
          );
        }
        out[i] = Number(v[i]);
      }
      return out;
    }
    default:
      return Float64Array.from(numberView(a, n));
  }
}

/** The array name an .npz entry or .npy file gives (`samples.npz:input_ids.npy` -> `input_ids`). */
export const arrayNameOf = (fileName: string): string => {
  const base = fileName.slice(Math.max(fileName.lastIndexOf(':'), fileName.lastIndexOf('/')) + 1);
  return base.replace(/\.npy$/i, '');
};

/** An .npy array as one input array of N samples. */
export function sampleArrayFromNpy(a: NpyArray): SampleArray {
  if (a.shape.length === 0)
    throw sampleSetError(`${a.name}: a scalar, expected an array of samples (N, ...)`);
  return {
    name: arrayNameOf(a.name),
    dtype: npyDtypeName(a.dtype),
    sampleDims: a.shape.slice(1),
    values: npyValues(a),
    source: a.name,
  };
}

/** The set's input arrays: its named arrays, or its single float32 `inputs` as an unnamed array. */
export function sampleArraysOf(set: SampleSet): SampleArray[] {
  if (set.kind !== 'tensor') return [];
  if (set.arrays && set.arrays.length > 0) return set.arrays;
  return [
    { name: null, dtype: 'float32', sampleDims: set.sampleDims, values: set.inputs, source: set.sourceName },
  ];
}

/** Values of array `a` for samples [start, end) (a view). */
export function arraySamples(a: SampleArray, start: number, end: number): Float32Array | Float64Array {
  const size = a.sampleDims.reduce((x, y) => x * y, 1);
  return a.values.subarray(start * size, end * size);
}

/** float32 copy for previews and thumbnails (the first array of a multi-input set). */
export const toFloat32Values = (v: Float32Array | Float64Array): Float32Array =>
  v instanceof Float32Array ? v : Float32Array.from(v);
