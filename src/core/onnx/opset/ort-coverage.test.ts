// A "safe bump" is only useful if onnxruntime 1.30 runs the bumped op. For the ops of the upgrade table
// (those buildable as a tiny model here), a model at each target opset must load, except the versions the
// table lists as `ortMissing`, which must fail to load and must be blocked by planOpsetUpgrade.
import { create, toBinary } from '@bufbuild/protobuf';
import * as ort from 'onnxruntime-node';
import {
  ModelProtoSchema,
  ValueInfoProtoSchema,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import {
  buildModel,
  floatTensor,
  int64Tensor,
  node,
  valueInfo,
} from '../../../../test/fixtures/onnx-builders';
import { irVersionFor, OP_TABLE, planOpsetUpgrade, versionAt } from './index';

interface Spec {
  nodes: NodeProto[];
  inputs: ValueInfoProto[];
  initializers?: TensorProto[];
}

const X = [1, 2, 6, 6];
const f = (n: string, s: number[] = X) => valueInfo(n, 'float32', s);
const ramp = (n: number) => Array.from({ length: n }, (_, i) => Math.sin(i + 1));
const unary = (op: string, attrs = {}): Spec => ({
  nodes: [node(op, ['x'], ['y'], attrs)],
  inputs: [f('x')],
});
const binary = (op: string): Spec => ({ nodes: [node(op, ['x', 'z'], ['y'])], inputs: [f('x'), f('z')] });
const logical = (op: string): Spec => ({
  nodes: [node(op, ['a', 'b'], ['y'])],
  inputs: [valueInfo('a', 'bool', [3]), valueInfo('b', 'bool', [3])],
});

const UNARY = [
  'Abs',
  'Neg',
  'Reciprocal',
  'Sqrt',
  'Exp',
  'Log',
  'Floor',
  'Ceil',
  'Round',
  'Sign',
  'Erf',
  'Sin',
  'Cos',
  'Tan',
  'Asin',
  'Acos',
  'Atan',
  'Sinh',
  'Cosh',
  'Asinh',
  'Acosh',
  'Atanh',
  'Relu',
  'LeakyRelu',
  'Elu',
  'Selu',
  'Celu',
  'Sigmoid',
  'HardSigmoid',
  'HardSwish',
  'Tanh',
  'Softplus',
  'Softsign',
  'ThresholdedRelu',
  'Softmax',
  'LogSoftmax',
  'Hardmax',
  'IsNaN',
  'IsInf',
  'Identity',
  'Dropout',
  'GlobalAveragePool',
  'GlobalMaxPool',
  'GlobalLpPool',
  'LpNormalization',
  'MeanVarianceNormalization',
  'Flatten',
  'Transpose',
  'Shape',
  'Size',
  'NonZero',
  'Mish',
  'Gelu',
  'Shrink',
  'RandomNormalLike',
  'RandomUniformLike',
  'Clip',
  'Squeeze',
  'ReduceMean',
  'ReduceSum',
  'ReduceMax',
  'ReduceMin',
  'ReduceProd',
  'ReduceL1',
  'ReduceL2',
  'ReduceLogSum',
  'ReduceLogSumExp',
  'ReduceSumSquare',
  'ArgMax',
  'ArgMin',
];
const BINARY = [
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'Max',
  'Min',
  'Sum',
  'Mean',
  'PRelu',
  'Equal',
  'Greater',
  'Less',
  'GreaterOrEqual',
  'LessOrEqual',
  'MatMul',
];

const SPECS: Record<string, () => Spec> = {
  ...Object.fromEntries(UNARY.map((op) => [op, () => unary(op)])),
  ...Object.fromEntries(BINARY.map((op) => [op, () => binary(op)])),
  ...Object.fromEntries(['And', 'Or', 'Xor'].map((op) => [op, () => logical(op)])),
  Not: () => ({ nodes: [node('Not', ['a'], ['y'])], inputs: [valueInfo('a', 'bool', [3])] }),
  Where: () => ({
    nodes: [node('Where', ['c', 'x', 'z'], ['y'])],
    inputs: [valueInfo('c', 'bool', X), f('x'), f('z')],
  }),
  Mod: () => ({ nodes: [node('Mod', ['x', 'z'], ['y'], { fmod: 1 })], inputs: [f('x'), f('z')] }),
  LRN: () => unary('LRN', { size: 3 }),
  Cast: () => unary('Cast', { to: 10 }),
  CastLike: () => binary('CastLike'),
  AveragePool: () => unary('AveragePool', { kernel_shape: [2, 2] }),
  MaxPool: () => unary('MaxPool', { kernel_shape: [2, 2] }),
  LpPool: () => unary('LpPool', { kernel_shape: [2, 2] }),
  DepthToSpace: () => ({
    nodes: [node('DepthToSpace', ['x'], ['y'], { blocksize: 2 })],
    inputs: [f('x', [1, 4, 2, 2])],
  }),
  SpaceToDepth: () => unary('SpaceToDepth', { blocksize: 2 }),
  Concat: () => ({ nodes: [node('Concat', ['x', 'z'], ['y'], { axis: 1 })], inputs: [f('x'), f('z')] }),
  Gemm: () => ({ nodes: [node('Gemm', ['x', 'z'], ['y'])], inputs: [f('x', [2, 3]), f('z', [3, 4])] }),
  Conv: () => ({
    nodes: [node('Conv', ['x', 'w'], ['y'])],
    inputs: [f('x')],
    initializers: [floatTensor('w', [3, 2, 3, 3], ramp(54))],
  }),
  ConvTranspose: () => ({
    nodes: [node('ConvTranspose', ['x', 'w'], ['y'])],
    inputs: [f('x')],
    initializers: [floatTensor('w', [2, 3, 3, 3], ramp(54))],
  }),
  InstanceNormalization: () => ({
    nodes: [node('InstanceNormalization', ['x', 's', 'b'], ['y'])],
    inputs: [f('x')],
    initializers: [floatTensor('s', [2], [1, 2]), floatTensor('b', [2], [0, 1])],
  }),
  BatchNormalization: () => ({
    nodes: [node('BatchNormalization', ['x', 's', 'b', 's', 's'], ['y'])],
    inputs: [f('x')],
    initializers: [floatTensor('s', [2], [1, 2]), floatTensor('b', [2], [0, 1])],
  }),
  Det: () => ({ nodes: [node('Det', ['x'], ['y'])], inputs: [f('x', [2, 3, 3])] }),
  EyeLike: () => ({ nodes: [node('EyeLike', ['x'], ['y'])], inputs: [f('x', [3, 4])] }),
  RandomNormal: () => ({ nodes: [node('RandomNormal', [], ['y'], { shape: [2, 3] })], inputs: [] }),
  RandomUniform: () => ({ nodes: [node('RandomUniform', [], ['y'], { shape: [2, 3] })], inputs: [] }),
  MaxRoiPool: () => ({
    nodes: [node('MaxRoiPool', ['x', 'rois'], ['y'], { pooled_shape: [2, 2] })],
    inputs: [f('x')],
    initializers: [floatTensor('rois', [1, 5], [0, 0, 0, 3, 3])],
  }),
  RoiAlign: () => ({
    nodes: [node('RoiAlign', ['x', 'rois', 'bi'], ['y'])],
    inputs: [f('x')],
    initializers: [floatTensor('rois', [1, 4], [0, 0, 3, 3]), int64Tensor('bi', [1], [0])],
  }),
  RNN: () => ({
    nodes: [node('RNN', ['x', 'W', 'R'], ['y'], { hidden_size: 2 })],
    inputs: [f('x', [3, 1, 2])],
    initializers: [floatTensor('W', [1, 2, 2], ramp(4)), floatTensor('R', [1, 2, 2], ramp(4))],
  }),
  GRU: () => ({
    nodes: [node('GRU', ['x', 'W', 'R'], ['y'], { hidden_size: 2 })],
    inputs: [f('x', [3, 1, 2])],
    initializers: [floatTensor('W', [1, 6, 2], ramp(12)), floatTensor('R', [1, 6, 2], ramp(12))],
  }),
  LSTM: () => ({
    nodes: [node('LSTM', ['x', 'W', 'R'], ['y'], { hidden_size: 2 })],
    inputs: [f('x', [3, 1, 2])],
    initializers: [floatTensor('W', [1, 8, 2], ramp(16)), floatTensor('R', [1, 8, 2], ramp(16))],
  }),
  Reshape: () => ({
    nodes: [node('Reshape', ['x', 's'], ['y'])],
    inputs: [f('x')],
    initializers: [int64Tensor('s', [2], [2, -1])],
  }),
  Unsqueeze: () => ({
    nodes: [node('Unsqueeze', ['x', 'a'], ['y'])],
    inputs: [f('x')],
    initializers: [int64Tensor('a', [1], [0])],
  }),
  Expand: () => ({
    nodes: [node('Expand', ['x', 's'], ['y'])],
    inputs: [f('x', [1, 3])],
    initializers: [int64Tensor('s', [2], [2, 3])],
  }),
  Tile: () => ({
    nodes: [node('Tile', ['x', 's'], ['y'])],
    inputs: [f('x', [1, 3])],
    initializers: [int64Tensor('s', [2], [2, 1])],
  }),
  Gather: () => ({
    nodes: [node('Gather', ['x', 'i'], ['y'])],
    inputs: [f('x', [4, 3])],
    initializers: [int64Tensor('i', [2], [3, 0])],
  }),
  GatherElements: () => ({
    nodes: [node('GatherElements', ['x', 'i'], ['y'])],
    inputs: [f('x', [2, 3])],
    initializers: [int64Tensor('i', [1, 3], [1, 0, 1])],
  }),
  Pad: () => ({
    nodes: [node('Pad', ['x', 'p'], ['y'])],
    inputs: [f('x', [2, 3])],
    initializers: [int64Tensor('p', [4], [0, 1, 1, 0])],
  }),
  ConstantOfShape: () => ({
    nodes: [node('ConstantOfShape', ['s'], ['y'])],
    inputs: [],
    initializers: [int64Tensor('s', [2], [2, 3])],
  }),
  Constant: () => ({
    nodes: [node('Constant', [], ['y'], { value: floatTensor('v', [2], [1, 2]) })],
    inputs: [],
  }),
  Range: () => ({
    nodes: [node('Range', ['a', 'b', 'c'], ['y'])],
    inputs: [],
    initializers: [floatTensor('a', [], [0]), floatTensor('b', [], [5]), floatTensor('c', [], [1])],
  }),
  TopK: () => ({
    nodes: [node('TopK', ['x', 'k'], ['y', 'i'])],
    inputs: [f('x')],
    initializers: [int64Tensor('k', [1], [2])],
  }),
  CumSum: () => ({
    nodes: [node('CumSum', ['x', 'a'], ['y'])],
    inputs: [f('x')],
    initializers: [int64Tensor('a', [], [1])],
  }),
  Resize: () => ({
    nodes: [node('Resize', ['x', '', 's'], ['y'])],
    inputs: [f('x')],
    initializers: [floatTensor('s', [4], [1, 1, 2, 2])],
  }),
  LayerNormalization: () => ({
    nodes: [node('LayerNormalization', ['x', 's'], ['y'])],
    inputs: [f('x', [2, 3])],
    initializers: [floatTensor('s', [3], [1, 2, 3])],
  }),
  DequantizeLinear: () => ({
    nodes: [node('DequantizeLinear', ['q', 's'], ['y'])],
    inputs: [valueInfo('q', 'int8', [4])],
    initializers: [floatTensor('s', [], [0.5])],
  }),
  QuantizeLinear: () => ({
    nodes: [node('QuantizeLinear', ['x', 's'], ['y'])],
    inputs: [f('x')],
    initializers: [floatTensor('s', [], [0.5])],
  }),
};

/** Graph outputs without a declared type: onnxruntime infers them (ops here output float, bool or int64). */
const untyped = (name: string) => create(ValueInfoProtoSchema, { name });

const CASES = Object.keys(SPECS)
  .filter((op) => OP_TABLE[op])
  .flatMap((op) =>
    [21, 22, 25, 26].map((target) => ({ op, target, version: versionAt(OP_TABLE[op], target) })),
  )
  .filter((c) => c.version !== undefined);

describe('onnxruntime 1.30 runs the table ops at the target opsets', () => {
  it('covers most of the table', () => {
    expect(Object.keys(SPECS).filter((op) => OP_TABLE[op]).length).toBeGreaterThan(100);
  });

  it.each(CASES)('$op at opset $target (version $version)', async ({ op, target, version }) => {
    const spec = SPECS[op]();
    const outputs = spec.nodes.at(-1)!.output.filter(Boolean).map(untyped);
    const m = buildModel({ ...spec, opset: target, irVersion: irVersionFor(target), outputs });
    const load = ort.InferenceSession.create(toBinary(ModelProtoSchema, m)).then((s) => s.release());
    if (OP_TABLE[op].ortMissing?.includes(version!)) {
      await expect(load).rejects.toThrow(/implementation/);
      const older = buildModel({ ...spec, opset: 13, irVersion: 7, outputs });
      expect(planOpsetUpgrade(older, target)).toMatchObject({
        ok: false,
        blockers: [expect.stringContaining(`${op}-${version}`)],
      });
    } else {
      await expect(load).resolves.toBeUndefined();
    }
  });
});
