// ONNX TensorProto.DataType codes <-> our Dtype names, and element sizes.
import { TensorProto_DataType as DT } from 'onnx-buf';
import { StudioError } from '../errors';
import type { Dtype } from './types';

const CODE_TO_DTYPE: Readonly<Record<number, Dtype>> = {
  [DT.FLOAT]: 'float32',
  [DT.UINT8]: 'uint8',
  [DT.INT8]: 'int8',
  [DT.UINT16]: 'uint16',
  [DT.INT16]: 'int16',
  [DT.INT32]: 'int32',
  [DT.INT64]: 'int64',
  [DT.STRING]: 'string',
  [DT.BOOL]: 'bool',
  [DT.FLOAT16]: 'float16',
  [DT.DOUBLE]: 'float64',
  [DT.UINT32]: 'uint32',
  [DT.UINT64]: 'uint64',
  [DT.COMPLEX64]: 'complex64',
  [DT.COMPLEX128]: 'complex128',
  [DT.BFLOAT16]: 'bfloat16',
  [DT.FLOAT8E4M3FN]: 'float8e4m3fn',
  [DT.FLOAT8E4M3FNUZ]: 'float8e4m3fnuz',
  [DT.FLOAT8E5M2]: 'float8e5m2',
  [DT.FLOAT8E5M2FNUZ]: 'float8e5m2fnuz',
  [DT.UINT4]: 'uint4',
  [DT.INT4]: 'int4',
  [DT.FLOAT4E2M1]: 'float4e2m1',
  [DT.FLOAT8E8M0]: 'float8e8m0',
  [DT.UINT2]: 'uint2',
  [DT.INT2]: 'int2',
};

const DTYPE_TO_CODE = Object.fromEntries(
  Object.entries(CODE_TO_DTYPE).map(([code, dtype]) => [dtype, Number(code)]),
) as Record<Dtype, DT>;

/** Bits per element; string has no fixed width (0). */
const BITS: Readonly<Record<Dtype, number>> = {
  float32: 32,
  float16: 16,
  bfloat16: 16,
  float64: 64,
  int8: 8,
  uint8: 8,
  int16: 16,
  uint16: 16,
  int32: 32,
  uint32: 32,
  int64: 64,
  uint64: 64,
  int4: 4,
  uint4: 4,
  int2: 2,
  uint2: 2,
  bool: 8,
  string: 0,
  float8e4m3fn: 8,
  float8e4m3fnuz: 8,
  float8e5m2: 8,
  float8e5m2fnuz: 8,
  float8e8m0: 8,
  float4e2m1: 4,
  complex64: 64,
  complex128: 128,
};

/** The Dtype of an ONNX data type code, or undefined for UNDEFINED / unknown codes. */
export function tryDtypeFromOnnx(code: number): Dtype | undefined {
  return Object.prototype.hasOwnProperty.call(CODE_TO_DTYPE, code) ? CODE_TO_DTYPE[code] : undefined;
}

/** The Dtype of an ONNX data type code; throws OnnxParseError for UNDEFINED / unknown codes. */
export function dtypeFromOnnx(code: number, context = 'tensor'): Dtype {
  const dtype = tryDtypeFromOnnx(code);
  if (dtype === undefined) {
    throw new StudioError('OnnxParseError', `${context}: unknown ONNX data type ${code}`);
  }
  return dtype;
}

export function onnxDataType(dtype: Dtype): DT {
  return DTYPE_TO_CODE[dtype];
}

/** Alias of onnxDataType (Dtype -> ONNX TensorProto.DataType code). */
export const onnxFromDtype = onnxDataType;

/** Bits per element (int4 = 4, int2 = 2, bool = 8); 0 for string. */
export function dtypeBits(dtype: Dtype): number {
  return BITS[dtype];
}

/** The float types we decode to float32 and treat as quantizable weights. */
export function isFloatDtype(dtype: Dtype): dtype is 'float32' | 'float16' | 'bfloat16' | 'float64' {
  return dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16' || dtype === 'float64';
}

/** Sub-byte types pack several elements per byte, first element in the least significant bits. */
export function isPackedDtype(dtype: Dtype): boolean {
  return BITS[dtype] > 0 && BITS[dtype] < 8;
}

/** Bytes that n elements occupy when stored little-endian; packed types round up to a whole byte. */
export function dtypeByteSize(dtype: Dtype, elements: number): number {
  const bits = BITS[dtype];
  if (bits === 0) {
    throw new StudioError('UnsupportedDtypeError', `string tensors have no fixed byte size`);
  }
  return Math.ceil((elements * bits) / 8);
}
