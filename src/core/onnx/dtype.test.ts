import { TensorProto_DataType as DT } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { isStudioError } from '../errors';
import {
  dtypeBits,
  dtypeByteSize,
  dtypeFromOnnx,
  isFloatDtype,
  isPackedDtype,
  onnxDataType,
  tryDtypeFromOnnx,
} from './dtype';
import type { Dtype } from './types';

describe.each<[Dtype, DT, number, boolean, number]>([
  // dtype, ONNX code, bits, float?, bytes of 5 elements
  ['float32', DT.FLOAT, 32, true, 20],
  ['float16', DT.FLOAT16, 16, true, 10],
  ['bfloat16', DT.BFLOAT16, 16, true, 10],
  ['float64', DT.DOUBLE, 64, true, 40],
  ['int8', DT.INT8, 8, false, 5],
  ['uint8', DT.UINT8, 8, false, 5],
  ['int16', DT.INT16, 16, false, 10],
  ['uint16', DT.UINT16, 16, false, 10],
  ['int32', DT.INT32, 32, false, 20],
  ['uint32', DT.UINT32, 32, false, 20],
  ['int64', DT.INT64, 64, false, 40],
  ['uint64', DT.UINT64, 64, false, 40],
  ['int4', DT.INT4, 4, false, 3],
  ['uint4', DT.UINT4, 4, false, 3],
  ['int2', DT.INT2, 2, false, 2],
  ['uint2', DT.UINT2, 2, false, 2],
  ['bool', DT.BOOL, 8, false, 5],
  ['float8e4m3fn', DT.FLOAT8E4M3FN, 8, false, 5],
  ['float8e5m2fnuz', DT.FLOAT8E5M2FNUZ, 8, false, 5],
  ['float8e8m0', DT.FLOAT8E8M0, 8, false, 5],
  ['float4e2m1', DT.FLOAT4E2M1, 4, false, 3],
  ['complex64', DT.COMPLEX64, 64, false, 40],
  ['complex128', DT.COMPLEX128, 128, false, 80],
])('[%s]', (dtype, code, bits, float, bytes5) => {
  it('maps to and from its ONNX code', () => {
    expect(dtypeFromOnnx(code)).toBe(dtype);
    expect(onnxDataType(dtype)).toBe(code);
  });
  it(`has ${bits} bits, ${bytes5} bytes for 5 elements`, () => {
    expect(dtypeBits(dtype)).toBe(bits);
    expect(dtypeByteSize(dtype, 5)).toBe(bytes5);
    expect(dtypeByteSize(dtype, 0)).toBe(0);
    expect(isPackedDtype(dtype)).toBe(bits < 8);
  });
  it(`isFloatDtype = ${float}`, () => expect(isFloatDtype(dtype)).toBe(float));
});

describe('bad codes', () => {
  it.each([0, 27, -1, 1000])('code %i is unknown', (code) => {
    expect(tryDtypeFromOnnx(code)).toBeUndefined();
    expect(() => dtypeFromOnnx(code, "tensor 'w'")).toThrow(/tensor 'w': unknown ONNX data type/);
    try {
      dtypeFromOnnx(code);
    } catch (e) {
      expect(isStudioError(e, 'OnnxParseError')).toBe(true);
    }
  });
  it('string has no byte size', () => expect(() => dtypeByteSize('string', 1)).toThrow(/string/));
});
