// TensorProto access: dtype/shape, storage bytes from every storage form, values as float32 / int64, builders.
// The bytes-to-float32 decoding per dtype is in tensor-decode.ts.
import { create } from '@bufbuild/protobuf';
import { TensorProtoSchema, type TensorProto } from 'onnx-buf';
import { StudioError } from '../errors';
import { dtypeBits, dtypeByteSize, dtypeFromOnnx, onnxDataType } from './dtype';
import { isExternalTensor, readExternalBytes } from './external';
import { lazyRaw, readLazyRaw } from './lazy';
import { decodeToFloat32 } from './tensor-decode';
import type { Dtype, OnnxModel } from './types';

export function tensorDtype(t: TensorProto): Dtype {
  return dtypeFromOnnx(t.dataType, `tensor '${t.name}'`);
}

export function tensorDims(t: TensorProto): number[] {
  return t.dims.map((d) => {
    if (d < 0n || d > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new StudioError(
        'OnnxParseError',
        `tensor '${t.name}': invalid dimension ${d} in dims [${t.dims.join(',')}]`,
      );
    }
    return Number(d);
  });
}

export function tensorElements(t: TensorProto): number {
  const n = tensorDims(t).reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(n)) {
    throw new StudioError(
      'OnnxParseError',
      `tensor '${t.name}': dims [${t.dims.join(',')}] have too many elements`,
    );
  }
  return n;
}

/** Bytes the tensor's data occupies when stored little-endian (strings: total UTF-8 bytes). */
export function tensorStoredBytes(t: TensorProto): number {
  const dtype = tensorDtype(t);
  if (dtype === 'string') return t.stringData.reduce((a, s) => a + s.byteLength, 0);
  return dtypeByteSize(dtype, tensorElements(t));
}

const describe = (t: TensorProto, dtype: Dtype) =>
  `tensor '${t.name}' (${dtype}, dims [${t.dims.join(',')}])`;

function mismatch(
  t: TensorProto,
  dtype: Dtype,
  field: string,
  actual: number,
  expected: number,
  unit: string,
): StudioError {
  return new StudioError(
    'OnnxParseError',
    `${describe(t, dtype)}: ${field} holds ${actual} ${unit}, expected ${expected}`,
  );
}

/** Encodes the typed repeated field that holds a tensor of this dtype into little-endian storage bytes. */
function typedFieldBytes(t: TensorProto, dtype: Dtype, elements: number): Uint8Array {
  const bits = dtypeBits(dtype);
  const complex = dtype === 'complex64' || dtype === 'complex128';
  const expectCount = (field: string, count: number, want: number) => {
    if (count !== want) throw mismatch(t, dtype, field, count, want, 'values');
  };
  const out = new Uint8Array(dtypeByteSize(dtype, elements));
  const view = new DataView(out.buffer);
  if (dtype === 'float32' || dtype === 'complex64') {
    expectCount('float_data', t.floatData.length, elements * (complex ? 2 : 1));
    t.floatData.forEach((v, i) => view.setFloat32(i * 4, v, true));
  } else if (dtype === 'float64' || dtype === 'complex128') {
    expectCount('double_data', t.doubleData.length, elements * (complex ? 2 : 1));
    t.doubleData.forEach((v, i) => view.setFloat64(i * 8, v, true));
  } else if (dtype === 'int64') {
    expectCount('int64_data', t.int64Data.length, elements);
    t.int64Data.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  } else if (dtype === 'uint64' || dtype === 'uint32') {
    expectCount('uint64_data', t.uint64Data.length, elements);
    t.uint64Data.forEach((v, i) =>
      dtype === 'uint64'
        ? view.setBigUint64(i * 8, v, true)
        : view.setUint32(i * 4, Number(v & 0xffffffffn), true),
    );
  } else if (dtype === 'string') {
    throw new StudioError(
      'UnsupportedDtypeError',
      `${describe(t, dtype)}: string tensors have no byte storage`,
    );
  } else {
    // int32_data: one element per entry for >= 8 bits; sub-byte types hold one packed byte per entry.
    const perEntry = bits >= 8 ? 1 : 8 / bits;
    expectCount('int32_data', t.int32Data.length, Math.ceil(elements / perEntry));
    const bytesPerEntry = bits >= 8 ? bits / 8 : 1;
    t.int32Data.forEach((v, i) => {
      if (bytesPerEntry === 4) view.setInt32(i * 4, v, true);
      else if (bytesPerEntry === 2) view.setUint16(i * 2, v & 0xffff, true);
      else out[i] = v & 0xff;
    });
  }
  return out;
}

/**
 * Storage bytes of a tensor held in the model file (raw_data or a typed field), without copying raw_data:
 * the result may be a view into the file buffer at any byte offset. Throws for external tensors.
 */
export function inlineTensorBytes(t: TensorProto): Uint8Array {
  const dtype = tensorDtype(t);
  if (isExternalTensor(t)) {
    throw new StudioError(
      'ExternalDataError',
      `${describe(t, dtype)}: data is external; read it through the model`,
    );
  }
  if (lazyRaw(t)) {
    throw new StudioError(
      'UnsupportedModelError',
      `${describe(t, dtype)}: data is still in the model file; read it through the model`,
    );
  }
  const elements = tensorElements(t);
  if (t.rawData.byteLength > 0 || (dtype !== 'string' && hasNoTypedData(t))) {
    if (dtype === 'string')
      throw new StudioError(
        'UnsupportedDtypeError',
        `${describe(t, dtype)}: string tensors cannot use raw_data`,
      );
    const expected = dtypeByteSize(dtype, elements);
    if (t.rawData.byteLength !== expected)
      throw mismatch(t, dtype, 'raw_data', t.rawData.byteLength, expected, 'bytes');
    return t.rawData;
  }
  return typedFieldBytes(t, dtype, elements);
}

const hasNoTypedData = (t: TensorProto) =>
  t.floatData.length + t.int32Data.length + t.int64Data.length + t.doubleData.length + t.uint64Data.length ===
  0;

function checkLength(t: TensorProto, dtype: Dtype, bytes: Uint8Array): void {
  const expected = dtypeByteSize(dtype, tensorElements(t));
  if (bytes.byteLength !== expected)
    throw mismatch(t, dtype, 'external data', bytes.byteLength, expected, 'bytes');
}

/** Little-endian storage bytes of any tensor (raw_data, typed field or external data), as a copy the caller owns. */
export async function readTensorBytes(model: OnnxModel, t: TensorProto): Promise<Uint8Array> {
  if (isExternalTensor(t)) {
    const bytes = await readExternalBytes(model, t);
    checkLength(t, tensorDtype(t), bytes);
    return bytes;
  }
  const ref = lazyRaw(t);
  if (ref) {
    const dtype = tensorDtype(t);
    const expected = dtypeByteSize(dtype, tensorElements(t));
    if (ref.end - ref.start !== expected)
      throw mismatch(t, dtype, 'raw_data', ref.end - ref.start, expected, 'bytes');
    return readLazyRaw(t, ref);
  }
  const bytes = inlineTensorBytes(t);
  return bytes === t.rawData ? bytes.slice() : bytes;
}

const NUMERIC_NON_FLOAT: readonly Dtype[] = ['string', 'complex64', 'complex128'];

function assertReadable(t: TensorProto, dtype: Dtype): void {
  if (NUMERIC_NON_FLOAT.includes(dtype) || dtype.startsWith('float8') || dtype === 'float4e2m1') {
    throw new StudioError(
      'UnsupportedDtypeError',
      `${describe(t, dtype)}: cannot read ${dtype} values as numbers`,
    );
  }
}

/** Values of an inline tensor as float32 (throws for external data; use readTensorAsFloat32 then). */
export function inlineTensorToFloat32(t: TensorProto): Float32Array {
  const dtype = tensorDtype(t);
  assertReadable(t, dtype);
  const elements = tensorElements(t);
  if (
    dtype === 'float32' &&
    t.rawData.byteLength === 0 &&
    t.floatData.length === elements &&
    !isExternalTensor(t)
  ) {
    return Float32Array.from(t.floatData); // common in old exporters (mnist-8): skip the byte round trip
  }
  return decodeToFloat32(inlineTensorBytes(t), dtype, elements, t.name);
}

/** Values of any tensor as float32: float32/float16/bfloat16/float64 and integer types, from every storage form. */
export async function readTensorAsFloat32(model: OnnxModel, t: TensorProto): Promise<Float32Array> {
  if (!isExternalTensor(t) && !lazyRaw(t)) return inlineTensorToFloat32(t);
  const dtype = tensorDtype(t);
  assertReadable(t, dtype);
  const bytes = await readTensorBytes(model, t); // external or lazy: read into a fresh buffer
  return decodeToFloat32(bytes, dtype, tensorElements(t), t.name, true);
}

function decodeToInt64(t: TensorProto, bytes: Uint8Array, dtype: Dtype): bigint[] {
  const n = tensorElements(t);
  if (dtype === 'int64') return Array.from(new BigInt64Array(bytes.slice().buffer, 0, n));
  if (dtype === 'uint64') return Array.from(new BigUint64Array(bytes.slice().buffer, 0, n));
  if (dtype.startsWith('int') || dtype.startsWith('uint') || dtype === 'bool') {
    return Array.from(decodeToFloat32(bytes, dtype, n, t.name), (v) => BigInt(v));
  }
  throw new StudioError('UnsupportedDtypeError', `${describe(t, dtype)}: expected an integer tensor`);
}

/** Integer values (shapes, axes) of an inline tensor, exact for int64. */
export function inlineTensorToInt64(t: TensorProto): bigint[] {
  const dtype = tensorDtype(t);
  if (
    dtype === 'int64' &&
    t.rawData.byteLength === 0 &&
    !isExternalTensor(t) &&
    t.int64Data.length === tensorElements(t)
  ) {
    return [...t.int64Data];
  }
  return decodeToInt64(t, inlineTensorBytes(t), dtype);
}

export async function readTensorAsInt64(model: OnnxModel, t: TensorProto): Promise<bigint[]> {
  if (!isExternalTensor(t) && !lazyRaw(t)) return inlineTensorToInt64(t);
  return decodeToInt64(t, await readTensorBytes(model, t), tensorDtype(t));
}

function checkBuilder(
  fn: string,
  name: string,
  dims: readonly number[],
  actual: number,
  expected: number,
  unit: string,
) {
  if (actual !== expected) {
    throw new StudioError(
      'OnnxParseError',
      `${fn} '${name}': ${actual} ${unit} for dims [${dims.join(',')}], expected ${expected}`,
    );
  }
}

const elementsOf = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** A tensor whose raw_data is `bytes` (taken, not copied, unless it sits in a SharedArrayBuffer). */
export function makeRawTensor(
  name: string,
  dtype: Dtype,
  dims: readonly number[],
  bytes: Uint8Array,
): TensorProto {
  checkBuilder(
    'makeRawTensor',
    name,
    dims,
    bytes.byteLength,
    dtypeByteSize(dtype, elementsOf(dims)),
    'bytes',
  );
  const rawData =
    bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
  return create(TensorProtoSchema, { name, dataType: onnxDataType(dtype), dims: dims.map(BigInt), rawData });
}

export function makeFloat32Tensor(name: string, dims: readonly number[], values: Float32Array): TensorProto {
  checkBuilder('makeFloat32Tensor', name, dims, values.length, elementsOf(dims), 'values');
  const bytes = new Uint8Array(values.byteLength);
  new Float32Array(bytes.buffer).set(values);
  return makeRawTensor(name, 'float32', dims, bytes);
}

export function makeInt64Tensor(
  name: string,
  dims: readonly number[],
  values: readonly (number | bigint)[],
): TensorProto {
  checkBuilder('makeInt64Tensor', name, dims, values.length, elementsOf(dims), 'values');
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return makeRawTensor(name, 'int64', dims, bytes);
}
