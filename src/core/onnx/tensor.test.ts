import { fromBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, type ModelProto, type TensorProto } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import {
  buildModel,
  encodeValues,
  externalTensor,
  floatTensor,
  MemoryBlob,
  modelBytes,
  tensor,
  type Storage,
} from '../../../test/fixtures/onnx-builders';
import { isStudioError, type StudioErrorName } from '../errors';
import {
  inlineTensorToFloat32,
  inlineTensorToInt64,
  makeFloat32Tensor,
  makeInt64Tensor,
  makeRawTensor,
  readTensorAsFloat32,
  readTensorAsInt64,
  readTensorBytes,
  tensorDims,
  tensorElements,
  tensorStoredBytes,
} from './tensor';
import type { BlobLike, Dtype, OnnxModel } from './types';

const modelWith = (files: Record<string, BlobLike> = {}, proto: ModelProto = buildModel({})): OnnxModel => ({
  proto,
  fileName: 'model.onnx',
  fileBytes: 0,
  externalFiles: new Map(Object.entries(files)),
});

/** Values exactly representable in each dtype (odd counts for the packed types, to test the half byte). */
const CASES: [Dtype, (number | bigint)[]][] = [
  ['float32', [1.5, -2.25, 0, 3e-5, 1e10, -7]],
  ['float16', [1.5, -2.25, 0, 65504, 2 ** -24, -0.099975586]],
  ['bfloat16', [1.5, -2.25, 0, 2 ** 100, -(2 ** -100), 3.140625]],
  ['float64', [1.5, -2.25, 0, 1e-3, 1e300]],
  ['int8', [-128, 127, 0, -1]],
  ['uint8', [0, 255, 1]],
  ['int16', [-32768, 32767, -2]],
  ['uint16', [65535, 0, 3]],
  ['int32', [-(2 ** 31), 2 ** 31 - 1, 5]],
  ['uint32', [2 ** 32 - 1, 0, 9]],
  ['int64', [-(2n ** 40n), 2n ** 40n, -1n]],
  ['uint64', [2n ** 50n, 0n, 12n]],
  ['int4', [-8, 7, 0, -1, 3]],
  ['uint4', [15, 0, 1, 2, 3]],
  ['int2', [-2, 1, 0, -1, 1]],
  ['uint2', [3, 0, 1, 2, 3]],
  ['bool', [1, 0, 1]],
];

/** The same tensor as raw_data starting at an odd byte offset of a bigger buffer. */
function unaligned(t: TensorProto): TensorProto {
  const buf = new Uint8Array(t.rawData.byteLength + 8);
  buf.set(t.rawData, 3);
  t.rawData = buf.subarray(3, 3 + t.rawData.byteLength);
  return t;
}

type Form = Storage | 'unaligned raw' | 'external';

async function build(name: string, dtype: Dtype, values: (number | bigint)[], form: Form) {
  const dims = [values.length];
  if (form === 'external') {
    const bytes = encodeValues(dtype, values);
    const file = new Uint8Array(100 + bytes.byteLength);
    file.set(bytes, 97); // odd offset inside the side file
    const t = externalTensor(name, dtype, dims, { location: 'w.bin', offset: 97, length: bytes.byteLength });
    return { t, model: modelWith({ 'w.bin': new MemoryBlob(file) }) };
  }
  const t = tensor(name, dtype, dims, values, form === 'typed' ? 'typed' : 'raw');
  return { t: form === 'unaligned raw' ? unaligned(t) : t, model: modelWith() };
}

describe.each(CASES)('[%s]', (dtype, values) => {
  const expected = Float32Array.from(values, (v) => Number(v));
  it.each<Form>(['raw', 'typed', 'unaligned raw', 'external'])(
    'reads %s storage as float32',
    async (form) => {
      const { t, model } = await build('w', dtype, values, form);
      if (form === 'unaligned raw') expect(t.rawData.byteOffset % 2).toBe(1);
      expect(await readTensorAsFloat32(model, t)).toEqual(expected);
      expect(await readTensorBytes(model, t)).toEqual(encodeValues(dtype, values));
      if (form !== 'external') expect(inlineTensorToFloat32(t)).toEqual(expected);
    },
  );
  it('stored bytes and elements follow dims', () => {
    const t = tensor('w', dtype, [values.length], values);
    expect(tensorElements(t)).toBe(values.length);
    expect(tensorStoredBytes(t)).toBe(encodeValues(dtype, values).byteLength);
  });
});

describe('raw_data decoded from a real buffer at an unaligned offset', () => {
  it('reads float32 whose raw_data starts at an odd offset of the file', () => {
    const values = [1, 2, 3.5, -4];
    // the name's length shifts where raw_data lands in the encoded file: take one that leaves it unaligned
    const decodedWithName = (name: string) =>
      fromBinary(ModelProtoSchema, modelBytes(buildModel({ initializers: [floatTensor(name, [4], values)] })))
        .graph!.initializer[0];
    const t = ['x', 'xx', 'xxx', 'xxxx'].map(decodedWithName).find((d) => d.rawData.byteOffset % 4 !== 0)!;
    expect(t.rawData.byteOffset % 4).not.toBe(0);
    expect(inlineTensorToFloat32(t)).toEqual(Float32Array.from(values));
  });
});

describe('integers', () => {
  it.each<[Dtype, Form]>([
    ['int64', 'raw'],
    ['int64', 'typed'],
    ['int64', 'unaligned raw'],
    ['int64', 'external'],
    ['int32', 'typed'],
    ['uint8', 'raw'],
  ])('[%s %s] readTensorAsInt64 is exact', async (dtype, form) => {
    const values = dtype === 'int64' ? [2n ** 60n + 1n, -3n, 0n] : [7n, 0n, 1n];
    const { t, model } = await build('s', dtype, values, form);
    expect(await readTensorAsInt64(model, t)).toEqual(values);
    if (form !== 'external') expect(inlineTensorToInt64(t)).toEqual(values);
  });
});

describe('builders', () => {
  it('makeFloat32Tensor / makeInt64Tensor / makeRawTensor round-trip', async () => {
    const model = modelWith();
    const f = makeFloat32Tensor('f', [2, 2], new Float32Array([1, -2, 3.5, 4]));
    expect(await readTensorAsFloat32(model, f)).toEqual(new Float32Array([1, -2, 3.5, 4]));
    const i = makeInt64Tensor('i', [3], [1, -1n, 2 ** 40]);
    expect(inlineTensorToInt64(i)).toEqual([1n, -1n, 2n ** 40n]);
    const r = makeRawTensor('r', 'int4', [3], new Uint8Array([0xf7, 0x01]));
    expect(tensorDims(r)).toEqual([3]);
    expect(inlineTensorToFloat32(r)).toEqual(new Float32Array([7, -1, 1]));
  });
  it.each([
    () => makeFloat32Tensor('x', [2, 2], new Float32Array(3)),
    () => makeInt64Tensor('x', [2], [1]),
    () => makeRawTensor('x', 'uint4', [3], new Uint8Array(1)),
  ])('rejects a size mismatch (%#)', (fn) =>
    expect(fn).toThrow(/'x': \d+ (values|bytes) for dims \[.*\], expected \d+/),
  );
});

const withDims = (t: TensorProto, dims: bigint[]) => Object.assign(t, { dims });
const withCode = (t: TensorProto, dataType: number) => Object.assign(t, { dataType });

describe('bad tensors', () => {
  it.each<[string, () => TensorProto, StudioErrorName, RegExp]>([
    [
      'raw_data too short',
      () => withDims(floatTensor('w', [5], [1, 2, 3, 4, 5]), [2n, 3n]),
      'OnnxParseError',
      /tensor 'w' \(float32, dims \[2,3\]\): raw_data holds 20 bytes, expected 24/,
    ],
    [
      'float_data too long',
      () => withDims(floatTensor('w', [7], [1, 2, 3, 4, 5, 6, 7], 'typed'), [2n, 3n]),
      'OnnxParseError',
      /float_data holds 7 values, expected 6/,
    ],
    [
      'float16 int32_data',
      () => withDims(tensor('h', 'float16', [2], [1, 2], 'typed'), [3n]),
      'OnnxParseError',
      /tensor 'h' \(float16, dims \[3\]\): int32_data holds 2 values, expected 3/,
    ],
    [
      'int4 int32_data',
      () => withDims(tensor('q', 'int4', [4], [1, 2, 3, 4], 'typed'), [6n]),
      'OnnxParseError',
      /int32_data holds 2 values, expected 3/,
    ],
    [
      'no data at all',
      () => withDims(floatTensor('w', [0], []), [4n]),
      'OnnxParseError',
      /raw_data holds 0 bytes, expected 16/,
    ],
    [
      'negative dim',
      () => withDims(floatTensor('w', [1], [1]), [-1n]),
      'OnnxParseError',
      /tensor 'w': invalid dimension -1/,
    ],
    [
      'undefined dtype',
      () => withCode(floatTensor('w', [1], [1]), 0),
      'OnnxParseError',
      /tensor 'w': unknown ONNX data type 0/,
    ],
    [
      'string',
      () => withCode(floatTensor('s', [1], [1]), 8),
      'UnsupportedDtypeError',
      /tensor 's' \(string, dims \[1\]\)/,
    ],
    ['complex64', () => withCode(floatTensor('c', [1], [1, 2]), 14), 'UnsupportedDtypeError', /complex64/],
    [
      'float8',
      () => withCode(tensor('f8', 'uint8', [2], [1, 2]), 17),
      'UnsupportedDtypeError',
      /float8e4m3fn/,
    ],
    [
      'external, read inline',
      () => externalTensor('e', 'float32', [2], { location: 'a.bin' }),
      'ExternalDataError',
      /tensor 'e' .*external/,
    ],
  ])('%s', (_, make, name, message) => {
    const t = make();
    let error: unknown;
    try {
      inlineTensorToFloat32(t);
    } catch (e) {
      error = e;
    }
    expect(isStudioError(error, name), String(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it('external data shorter than dims need', async () => {
    const t = externalTensor('e', 'float32', [2, 3], { location: 'a.bin', offset: 0, length: 8 });
    await expect(
      readTensorAsFloat32(modelWith({ 'a.bin': new MemoryBlob(new Uint8Array(64)) }), t),
    ).rejects.toThrow(/tensor 'e' \(float32, dims \[2,3\]\): external data holds 8 bytes, expected 24/);
  });
});
