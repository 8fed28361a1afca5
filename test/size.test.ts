// Size targets for weight-dominated models: 4-bit ≤ 15 % and 8-bit ≤ 27 % of the float32 file (per-channel, the
// default), on the real mnist-onnx-mlir and on a larger synthetic MLP; and the reported size is the file's size.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { parseModel } from '../src/core/onnx';
import { normalizeConfig } from '../src/core/quant/config';
import { runQuantization } from '../src/core/pipeline/run';
import { buildModel, floatTensor, modelBytes, node, valueInfo } from './fixtures/onnx-builders';
import { testModel } from './paths';
import { prng } from './support/models';

const TARGETS = [
  { bits: 4, maxRatio: 0.15 },
  { bits: 8, maxRatio: 0.27 },
] as const;

function syntheticMlp(layers: number, width: number): Uint8Array {
  const r = prng(99);
  const nodes = [];
  const initializers = [];
  for (let i = 0; i < layers; i++) {
    const input = i === 0 ? 'x' : `h${i}`;
    nodes.push(
      node('MatMul', [input, `w${i}`], [`m${i}`]),
      node('Relu', [`m${i}`], [i === layers - 1 ? 'y' : `h${i + 1}`]),
    );
    initializers.push(
      floatTensor(
        `w${i}`,
        [width, width],
        Array.from({ length: width * width }, () => (r() - 0.5) * 0.1),
      ),
    );
  }
  return modelBytes(
    buildModel({
      opset: 17,
      inputs: [valueInfo('x', 'float32', [1, width])],
      outputs: [valueInfo('y')],
      nodes,
      initializers,
    }),
  );
}

const MODELS = [
  {
    name: 'mnist-onnx-mlir',
    bytes: () => new Uint8Array(readFileSync(testModel('mnist-onnx-mlir/model.onnx'))),
  },
  { name: 'synthetic MLP 8×512×512 (8 MiB)', bytes: () => syntheticMlp(8, 512) },
];

describe.each(MODELS)('$name', ({ bytes }) => {
  const original = bytes();
  const model = parseModel(original, 'model.onnx');
  it.each(TARGETS)('$bits-bit per-channel file ≤ $maxRatio of float32', async ({ bits, maxRatio }) => {
    const { bytes: out, summary } = await runQuantization(model, normalizeConfig({ bits }), 'size');
    expect(summary.fileBytesAfter).toBe(out.length);
    expect(summary.fileBytesBefore).toBe(original.length);
    expect(out.length / original.length).toBeLessThanOrEqual(maxRatio);
    const session = await ort.InferenceSession.create(out);
    await session.release();
  });
});
