// NumPy .npy (format v1/v2/v3) and .npz (a zip of .npy, stored or deflated) readers.
import { strFromU8, unzipSync } from 'fflate';
import { float16BitsToFloat32 } from '../onnx/float16';
import { sampleSetError } from './paths';

export type NpyDtype = '<f4' | '<f2' | '<f8' | '<i8' | '<i4' | '<i2' | '|i1' | '<u4' | '<u2' | '|u1' | '|b1';

const ITEM_BYTES: Readonly<Record<NpyDtype, number>> = {
  '<f4': 4,
  '<f2': 2,
  '<f8': 8,
  '<i8': 8,
  '<i4': 4,
  '<i2': 2,
  '|i1': 1,
  '<u4': 4,
  '<u2': 2,
  '|u1': 1,
  '|b1': 1,
};
// numpy writes single-byte types with '|', but '<u1' / '<i1' / '<b1' occur in hand-written files.
const ALIASES: Readonly<Record<string, NpyDtype>> = {
  '<u1': '|u1',
  '<i1': '|i1',
  '<b1': '|b1',
  '|b1': '|b1',
};

/** A decoded array: values widened to float64-exact numbers only on demand. */
export interface NpyArray {
  name: string;
  dtype: NpyDtype;
  shape: number[];
  /** Raw little-endian element bytes, copied so they start 8-byte aligned. */
  data: Uint8Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export const hasNpyMagic = (b: Uint8Array): boolean => b.length >= 6 && MAGIC.every((m, i) => b[i] === m);

/** Parses a .npy file; `name` is used in every error message. */
export function parseNpy(bytes: Uint8Array, name: string): NpyArray {
  if (!hasNpyMagic(bytes)) throw sampleSetError(`${name}: not a NumPy .npy file (missing \\x93NUMPY magic)`);
  const major = bytes[6];
  if (major < 1 || major > 3)
    throw sampleSetError(`${name}: .npy format version ${major} is not supported (expected 1, 2 or 3)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLen > bytes.length) throw sampleSetError(`${name}: truncated .npy header`);
  const header = strFromU8(bytes.subarray(start, start + headerLen), major !== 3);

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw sampleSetError(
      `${name}: malformed .npy header (expected descr, fortran_order and shape): ${header.trim()}`,
    );
  }
  if (fortran === 'True') {
    throw sampleSetError(
      `${name}: fortran_order arrays are not supported (expected C order; save with np.ascontiguousarray)`,
    );
  }
  if (descr.startsWith('>')) {
    throw sampleSetError(
      `${name}: big-endian dtype '${descr}' is not supported (expected little-endian, e.g. '<f4'; use arr.astype('<f4'))`,
    );
  }
  const dtype = (ALIASES[descr] ?? (descr in ITEM_BYTES ? descr : undefined)) as NpyDtype | undefined;
  if (dtype === undefined) {
    throw sampleSetError(
      `${name}: dtype '${descr}' is not supported (expected one of ${Object.keys(ITEM_BYTES).join(' ')})`,
    );
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0))
    throw sampleSetError(`${name}: bad shape (${shapeText})`);

  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  const want = count * ITEM_BYTES[dtype];
  if (bytes.length - dataStart < want) {
    throw sampleSetError(
      `${name}: truncated: shape (${shape.join(', ')}) of ${descr} needs ${want} data bytes, found ${bytes.length - dataStart}`,
    );
  }
  // slice() copies into a fresh buffer: the data offset is not guaranteed to be element-aligned.
  return { name, dtype, shape, data: bytes.slice(dataStart, dataStart + want) };
}

export const elementCount = (a: NpyArray): number => a.shape.reduce((x, y) => x * y, 1);

/** All values as float32 (int64 beyond 2^53 loses precision, which no sample data needs). */
export function npyToFloat32(a: NpyArray): Float32Array {
  const n = elementCount(a);
  const buf = a.data.buffer;
  const off = a.data.byteOffset;
  switch (a.dtype) {
    case '<f4':
      return new Float32Array(buf, off, n);
    case '<f2': {
      const h = new Uint16Array(buf, off, n);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = float16BitsToFloat32(h[i]);
      return out;
    }
    case '<i8': {
      const v = new BigInt64Array(buf, off, n);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = Number(v[i]);
      return out;
    }
    default:
      return Float32Array.from(numberView(a, n));
  }
}

/** The array's values in its own integer or float64 type (a view, no copy); float16/float32/int64 are not here. */
export function numberView(a: NpyArray, n: number): ArrayLike<number> {
  const buf = a.data.buffer;
  const off = a.data.byteOffset;
  switch (a.dtype) {
    case '<f8':
      return new Float64Array(buf, off, n);
    case '<i4':
      return new Int32Array(buf, off, n);
    case '<i2':
      return new Int16Array(buf, off, n);
    case '|i1':
      return new Int8Array(buf, off, n);
    case '<u4':
      return new Uint32Array(buf, off, n);
    case '<u2':
      return new Uint16Array(buf, off, n);
    default:
      return new Uint8Array(buf, off, n); // |u1, |b1
  }
}

/** Class labels: shape [N] or [N,1], integer-valued, non-negative. */
export function npyToLabels(a: NpyArray): Int32Array {
  if (!(a.shape.length === 1 || (a.shape.length === 2 && a.shape[1] === 1))) {
    throw sampleSetError(`${a.name}: labels must have shape (N,) or (N, 1), found (${a.shape.join(', ')})`);
  }
  const v =
    a.dtype === '<i8'
      ? Array.from(new BigInt64Array(a.data.buffer, a.data.byteOffset, a.shape[0]), Number)
      : npyToFloat32(a);
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    if (!Number.isInteger(v[i]) || v[i] < 0 || v[i] > 0x7fffffff) {
      throw sampleSetError(
        `${a.name}: label ${i} is ${v[i]} (expected a class index: a non-negative integer)`,
      );
    }
    out[i] = v[i];
  }
  return out;
}

/** Inputs/labels picked from an .npz, and which rule picked them (shown to the user). */
export interface NpzPick {
  inputs: NpyArray;
  labels: NpyArray | null;
  rule: string;
  /** Further arrays, in archive order: inputs of a multi-input model (`attention_mask`, `token_type_ids`, ...). */
  others: NpyArray[];
}

const LABEL_NAMES = ['labels', 'label', 'y', 'y_test', 'targets'];
/** Shape (N,) or (N, 1) of whole non-negative numbers: could be class labels. */
function labelShaped(a: NpyArray, n: number): boolean {
  if (a.shape[0] !== n || !(a.shape.length === 1 || (a.shape.length === 2 && a.shape[1] === 1))) return false;
  try {
    npyToLabels(a);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads an .npz. Labels: an array named `labels`/`label`/`y`/`y_test`/`targets`. Inputs: `inputs`/`input`, else
 * `x`/`x_test`/`images`, else every other array (named after the model's inputs, e.g. `input_ids` +
 * `attention_mask`). Without names: of exactly two arrays, a second one shaped (N,) of integers is the labels.
 */
export function parseNpz(bytes: Uint8Array, name: string): NpzPick {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw sampleSetError(
      `${name}: not a readable .npz (zip) archive (${e instanceof Error ? e.message : String(e)})`,
      e,
    );
  }
  const arrays = Object.keys(files)
    .filter((k) => k.endsWith('.npy'))
    .map((k) => parseNpy(files[k], `${name}:${k}`));
  if (arrays.length === 0)
    throw sampleSetError(
      `${name}: no .npy arrays inside (found ${Object.keys(files).join(', ') || 'nothing'})`,
    );
  const key = (a: NpyArray): string => a.name.slice(a.name.lastIndexOf(':') + 1, -4).toLowerCase();
  const find = (...names: string[]): NpyArray | undefined => arrays.find((a) => names.includes(key(a)));
  const rest = (...used: (NpyArray | null | undefined)[]) => arrays.filter((a) => !used.includes(a));

  const labels = find(...LABEL_NAMES) ?? null;
  const named = find('inputs', 'input') ?? find('x', 'x_test', 'images');
  if (named) {
    const rule = key(named).startsWith('input') ? "arrays 'inputs' and 'labels'" : "arrays 'x' and 'y'";
    return { inputs: named, labels, rule, others: rest(named, labels) };
  }
  const [first, second] = arrays;
  if (!labels && arrays.length === 2 && labelShaped(second, first.shape[0] ?? -1)) {
    return {
      inputs: first,
      labels: second,
      rule: `no 'inputs'/'labels' arrays: used '${key(first)}' as inputs and '${key(second)}' (whole numbers, one per sample) as labels`,
      others: [],
    };
  }
  const inputs = rest(labels);
  if (inputs.length === 0)
    throw sampleSetError(`${name}: only labels ('${key(labels as NpyArray)}'), no inputs`);
  return {
    inputs: inputs[0],
    labels,
    rule:
      inputs.length > 1
        ? `input arrays ${inputs.map((a) => `'${key(a)}'`).join(', ')} (matched to the model's inputs by name)${labels ? `, labels '${key(labels)}'` : ''}`
        : `used '${key(inputs[0])}' as inputs${labels ? ` and '${key(labels)}' as labels` : ''}`,
    others: inputs.slice(1),
  };
}
