import { clone, toBinary } from '@bufbuild/protobuf';
import { readFileSync } from 'node:fs';
import { ModelProtoSchema } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { testModel } from '../../../test/paths';
import { parseModel } from './read';

const original = parseModel(
  new Uint8Array(readFileSync(testModel('mnist-onnx-mlir/model.onnx'))),
  'm.onnx',
).proto;

function mutated(fn: (m: typeof original) => void): Uint8Array {
  const m = clone(ModelProtoSchema, original);
  fn(m);
  return toBinary(ModelProtoSchema, m);
}

describe('opening refuses data that does not match the declared shape', () => {
  const fc1 = (m: typeof original) => m.graph!.initializer.find((t) => t.name === 'fc1.weight')!;
  it.each([
    [
      'raw_data too short',
      (m: typeof original) => void (fc1(m).rawData = fc1(m).rawData.slice(0, 100)),
      /tensor 'fc1\.weight' .*raw_data holds 100 bytes, expected \d+/,
    ],
    [
      'dims doubled',
      (m: typeof original) => void (fc1(m).dims[0] *= 2n),
      /tensor 'fc1\.weight' .*raw_data holds \d+ bytes, expected \d+/,
    ],
    [
      'negative dim',
      (m: typeof original) => void (fc1(m).dims[0] = -1n),
      /tensor 'fc1\.weight': invalid dimension -1/,
    ],
    [
      '2^52 elements',
      (m: typeof original) => void (fc1(m).dims = [1n << 26n, 1n << 26n]),
      /expected 18014398509481984/,
    ],
    ['no opset_import', (m: typeof original) => void (m.opsetImport = []), /declares no opset_import/],
    [
      'opset 0',
      (m: typeof original) => void (m.opsetImport[0].version = 0n),
      /opset 0 .* is not a valid opset version/,
    ],
  ])('%s', (_, fn, message) => {
    expect(() => parseModel(mutated(fn), 'm.onnx')).toThrow(message);
    try {
      parseModel(mutated(fn), 'm.onnx');
    } catch (e) {
      expect((e as Error).name).toBe('OnnxParseError');
    }
  });
});
