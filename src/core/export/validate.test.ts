import { clone, toBinary } from '@bufbuild/protobuf';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ModelProtoSchema } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, testModel } from '../../../test/paths';
import { parseModel } from '../onnx/read';
import { runQuantization } from '../pipeline/run';
import { defaultQuantConfig } from '../quant/config';
import { validateExportedModel } from './validate';

const open = (path: string) => parseModel(new Uint8Array(readFileSync(path)), 'm.onnx');

describe('validateExportedModel', () => {
  it.each([
    ['mnist-8', testModel('mnist-8/model.onnx')],
    ['squeezenet fp16', testModel('squeezenet1.0-fp16-winml/model_fp16.onnx')],
    ['tinytf', resolve(REPO_ROOT, 'test/fixtures/models/tinytf/model.onnx')],
  ])('accepts what we export from %s (int4 block and int8 channel)', async (_, path) => {
    for (const config of [
      defaultQuantConfig,
      { ...defaultQuantConfig, bits: 4 as const, granularity: 'block' as const },
    ]) {
      const { bytes } = await runQuantization(open(path), config, 'v');
      expect(validateExportedModel(bytes, 'v.onnx')).toBeGreaterThan(0);
    }
  });

  const base = open(testModel('mnist-8/model.onnx')).proto;
  const broken = (fn: (m: typeof base) => void) => {
    const m = clone(ModelProtoSchema, base);
    fn(m);
    return toBinary(ModelProtoSchema, m);
  };
  it.each([
    [
      'truncated bytes',
      () => toBinary(ModelProtoSchema, base).slice(0, 500),
      /failed validation: Not an ONNX model/,
    ],
    [
      'a dangling input',
      () => broken((m) => (m.graph!.node[2].input[0] = 'nowhere')),
      /reads 'nowhere', which no node, initializer or graph input produces/,
    ],
    ['nodes out of order', () => broken((m) => m.graph!.node.reverse()), /which nothing before it produces/],
    [
      'an output nobody produces',
      () => broken((m) => (m.graph!.output[0].name = 'ghost')),
      /graph output 'ghost'/,
    ],
    [
      'raw data cut short',
      () =>
        broken((m) => {
          const t = m.graph!.initializer.find((x) => x.rawData.byteLength > 8) ?? m.graph!.initializer[0];
          t.dims[0] = t.dims[0] * 2n;
        }),
      /failed validation: tensor/,
    ],
  ])('refuses %s', (_, bytes, message) => {
    expect(() => validateExportedModel(bytes(), 'v.onnx')).toThrow(message);
  });
});
