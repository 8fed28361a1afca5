import { describe, expect, it } from 'vitest';
import {
  buildModel,
  constantNode,
  floatTensor,
  modelBytes,
  node,
  ramp,
  tensor,
  valueInfo,
} from '../../../test/fixtures/onnx-builders';
import { detectQuantized, describeQuantized, floatLeftOutside } from './inventory';
import { parseModel } from './read';
import { summarizeModel } from './summary';
import { findWeights } from './weights';

const open = (spec: Parameters<typeof buildModel>[0]) => parseModel(modelBytes(buildModel(spec)), 'm.onnx');

describe('already-quantized detection', () => {
  it.each([
    [
      'ConvInteger, int8 per-tensor',
      {
        nodes: [
          node('DynamicQuantizeLinear', ['x'], ['xq', 'xs', 'xz']),
          node('ConvInteger', ['xq', 'w', 'xz', 'wz'], ['y']),
        ],
        initializers: [
          tensor('w', 'int8', [2, 1, 3, 3], ramp(18, 1).map(Math.round)),
          tensor('wz', 'int8', [], [0]),
        ],
      },
      '1 ConvInteger weight, int8 per-tensor',
    ],
    [
      'DequantizeLinear on a constant, per-channel',
      {
        nodes: [node('DequantizeLinear', ['q', 's'], ['w'], { axis: 1 }), node('MatMul', ['x', 'w'], ['y'])],
        initializers: [
          tensor('q', 'int8', [4, 3], ramp(12, 1).map(Math.round)),
          floatTensor('s', [3], [0.1, 0.2, 0.3]),
        ],
      },
      '1 DequantizeLinear weight, int8 per-channel',
    ],
    [
      'MatMulNBits',
      {
        opset: { '': 13, 'com.microsoft': 1 },
        nodes: [
          node(
            'MatMulNBits',
            ['x', 'b', 's'],
            ['y'],
            { K: 32, N: 2, bits: 4, block_size: 32 },
            { domain: 'com.microsoft' },
          ),
        ],
        initializers: [
          tensor('b', 'uint8', [2, 1, 16], new Array(32).fill(0)),
          floatTensor('s', [2], [1, 1]),
        ],
      },
      '1 com.microsoft.MatMulNBits weight, 4-bit block',
    ],
  ])('%s', (_, spec, want) => {
    const m = open({ inputs: [valueInfo('x')], outputs: [valueInfo('y')], ...spec });
    expect(describeQuantized(detectQuantized(m.proto.graph!))).toBe(want);
    expect(summarizeModel(m).quantized).toHaveLength(1);
  });

  it('finds nothing in a float model', () => {
    const m = open({
      inputs: [valueInfo('x', 'float32', [1, 3])],
      nodes: [node('MatMul', ['x', 'w'], ['y'])],
      initializers: [floatTensor('w', [3, 2], ramp(6))],
    });
    expect(detectQuantized(m.proto.graph!)).toEqual([]);
  });
});

describe('inventory of float constants', () => {
  it('counts Constant-node weights as parameters and gives every non-weight float constant a reason', () => {
    const m = open({
      inputs: [valueInfo('x', 'float32', [1, 2, 5, 5])],
      outputs: [valueInfo('y')],
      nodes: [
        constantNode('w', floatTensor('w', [4, 2, 3, 3], ramp(72))),
        constantNode('b', floatTensor('b', [4], ramp(4))),
        constantNode('k', floatTensor('k', [1, 4, 1, 1], ramp(4))),
        node('Conv', ['x', 'w', 'b'], ['c']),
        node('Mul', ['c', 'k'], ['y']),
      ],
    });
    expect(summarizeModel(m).totalParams).toBe(80);
    expect(floatLeftOutside(m.proto.graph!, findWeights(m))).toEqual([
      { name: 'b', elements: 4, bytes: 16, reason: expect.stringMatching(/^bias/) },
      { name: 'k', elements: 4, bytes: 16, reason: 'read by Mul: not a weight input we quantize' },
    ]);
  });
});
