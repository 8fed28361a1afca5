// A small synthetic MLP for the mixed-precision tests: three MatMul weights of different sizes and value shapes
// (x [1, 32] → w1 [32, 64] → Relu → w2 [64, 16] → w3 [16, 8]), so a budget has layers worth trading.
import { parseModel } from '../../src/core/onnx';
import type { OnnxModel } from '../../src/core/onnx/types';
import { buildModel, floatTensor, modelBytes, node, valueInfo } from '../fixtures/onnx-builders';

const wave = (n: number, f: number) => Array.from({ length: n }, (_, i) => Math.sin(i * f) * (1 + (i % 7)));

export function syntheticMlp(opset = 21): OnnxModel {
  return parseModel(
    modelBytes(
      buildModel({
        opset,
        inputs: [valueInfo('x', 'float32', [1, 32])],
        outputs: [valueInfo('y')],
        nodes: [
          node('MatMul', ['x', 'w1'], ['h']),
          node('Relu', ['h'], ['r']),
          node('MatMul', ['r', 'w2'], ['s']),
          node('MatMul', ['s', 'w3'], ['y']),
        ],
        initializers: [
          floatTensor('w1', [32, 64], wave(2048, 0.37)),
          floatTensor('w2', [64, 16], wave(1024, 1.3)),
          floatTensor('w3', [16, 8], wave(128, 0.11)),
        ],
      }),
    ),
    'mlp.onnx',
  );
}
