import { clone } from '@bufbuild/protobuf';
import { ModelProtoSchema, type ModelProto } from 'onnx-buf';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  buildModel,
  constantNode,
  float16Tensor,
  floatTensor,
  int64Tensor,
  modelBytes,
  node,
  ramp,
  tensor,
  valueInfo,
  type ModelSpec,
} from '../../../test/fixtures/onnx-builders';
import { testModel } from '../../../test/paths';
import { parseModel } from './read';
import { inlineTensorToFloat32 } from './tensor';
import type { OnnxModel, WeightInfo } from './types';
import { findWeights, readWeight } from './weights';

const open = (path: string) => parseModel(new Uint8Array(readFileSync(testModel(...path.split('/')))), path);
const wrap = (proto: ModelProto): OnnxModel => ({
  proto,
  fileName: 't.onnx',
  fileBytes: 0,
  externalFiles: new Map(),
});
const summary = (w: WeightInfo) =>
  `${w.name} ${w.op} [${w.shape}] c${w.channelAxis} r${w.reductionAxis} ${w.dtype}`;

describe.each<[string, number, number, string[]]>([
  [
    'mnist-8/model.onnx',
    3,
    5960,
    [
      'Parameter5 Conv [8,1,5,5] c0 r1 float32',
      'Parameter87 Conv [16,8,5,5] c0 r1 float32',
      'Parameter193 MatMul [256,10] c1 r0 float32',
    ],
  ],
  [
    'mnist-onnx-mlir/model.onnx',
    2,
    26368,
    ['fc1.weight Gemm [128,196] c0 r1 float32', 'fc2.weight Gemm [10,128] c0 r1 float32'],
  ],
  [
    'iris-mlp-winml/model.onnx',
    3,
    744,
    [
      'layer1.weight Gemm [24,4] c0 r1 float32',
      'layer2.weight Gemm [24,24] c0 r1 float32',
      'layer3.weight Gemm [3,24] c0 r1 float32',
    ],
  ],
])('findWeights(%s)', (path, count, elements, expected) => {
  const model = open(path);
  const weights = findWeights(model);
  it(`finds ${count} weights with ${elements} elements`, () => {
    expect(weights.map(summary).sort()).toEqual([...expected].sort());
    expect(weights.reduce((a, w) => a + w.elements, 0)).toBe(elements);
    expect(weights.every((w) => w.consumers === 1 && w.source === 'initializer' && !w.external)).toBe(true);
  });
  it('readWeight returns every element in shape order', async () => {
    for (const w of weights) {
      const values = await readWeight(model, w);
      expect(values.length).toBe(w.shape.reduce((a, b) => a * b, 1));
      expect(values).toEqual(
        inlineTensorToFloat32(model.proto.graph!.initializer.find((t) => t.name === w.initializer)!),
      );
    }
  });
});

describe('mnist-8 MatMul weight behind a Reshape', () => {
  it('is viewed as [256,10] with the stored [16,4,4,10] kept', () => {
    const w = findWeights(open('mnist-8/model.onnx')).find((x) => x.initializer === 'Parameter193')!;
    expect(w).toMatchObject({
      shape: [256, 10],
      storedShape: [16, 4, 4, 10],
      via: ['Reshape'],
      channelAxis: 1,
      reductionAxis: 0,
      op: 'MatMul',
      node: 'Times212',
      bytes: 10240,
    });
  });
});

describe('squeezenet fp16', () => {
  it('has 26 float16 Conv weights', async () => {
    const model = open('squeezenet1.0-fp16-winml/model_fp16.onnx');
    const weights = findWeights(model);
    expect(weights).toHaveLength(26);
    expect(new Set(weights.map((w) => `${w.op} ${w.dtype} c${w.channelAxis}`))).toEqual(
      new Set(['Conv float16 c0']),
    );
    const fp32 = findWeights(open('squeezenet1.0-fp16-winml/model_fp32_converted.onnx'));
    expect(fp32.map((w) => w.name)).toEqual(weights.map((w) => w.name));
    // the fp32 copy was made by casting these float16 values: reading both must agree exactly
    expect(await readWeight(model, weights[3])).toEqual(
      await readWeight(open('squeezenet1.0-fp16-winml/model_fp32_converted.onnx'), fp32[3]),
    );
  });
});

/** A model: x [2,3] input, one consumer of a weight, output y. */
const model = (spec: ModelSpec) =>
  buildModel({
    opset: 13,
    inputs: [valueInfo('x', 'float32', [2, 3])],
    outputs: [valueInfo('y', 'float32')],
    ...spec,
  });

type Expect = Partial<WeightInfo>;

describe('synthetic graphs', () => {
  it.each<[string, ModelProto, Expect[]]>([
    [
      'Conv',
      model({
        nodes: [node('Conv', ['x', 'W'], ['y'], {}, { name: 'c' })],
        initializers: [floatTensor('W', [4, 2, 3, 3], ramp(72))],
      }),
      [
        {
          name: 'W',
          op: 'Conv',
          node: 'c',
          shape: [4, 2, 3, 3],
          channelAxis: 0,
          reductionAxis: 1,
          elements: 72,
          bytes: 288,
        },
      ],
    ],
    [
      'ConvTranspose',
      model({
        nodes: [node('ConvTranspose', ['x', 'W'], ['y'])],
        initializers: [floatTensor('W', [4, 2, 3, 3], ramp(72))],
      }),
      [{ name: 'W', op: 'ConvTranspose', node: '#0', channelAxis: 1, reductionAxis: 0 }],
    ],
    [
      'Gemm B transB=0',
      model({ nodes: [node('Gemm', ['x', 'B'], ['y'])], initializers: [floatTensor('B', [3, 5], ramp(15))] }),
      [{ name: 'B', op: 'Gemm', inputIndex: 1, channelAxis: 1, reductionAxis: 0 }],
    ],
    [
      'Gemm B transB=1',
      model({
        nodes: [node('Gemm', ['x', 'B'], ['y'], { transB: 1 })],
        initializers: [floatTensor('B', [5, 3], ramp(15))],
      }),
      [{ name: 'B', channelAxis: 0, reductionAxis: 1 }],
    ],
    [
      'Gemm A transA=0',
      model({ nodes: [node('Gemm', ['A', 'x'], ['y'])], initializers: [floatTensor('A', [4, 2], ramp(8))] }),
      [{ name: 'A', inputIndex: 0, channelAxis: 0, reductionAxis: 1 }],
    ],
    [
      'Gemm A transA=1',
      model({
        nodes: [node('Gemm', ['A', 'x'], ['y'], { transA: 1 })],
        initializers: [floatTensor('A', [2, 4], ramp(8))],
      }),
      [{ name: 'A', inputIndex: 0, channelAxis: 1, reductionAxis: 0 }],
    ],
    [
      'MatMul 3-D B',
      model({
        nodes: [node('MatMul', ['x', 'W'], ['y'])],
        initializers: [floatTensor('W', [2, 3, 4], ramp(24))],
      }),
      [{ name: 'W', op: 'MatMul', shape: [2, 3, 4], channelAxis: 2, reductionAxis: 1 }],
    ],
    [
      'MatMul constant A',
      model({
        nodes: [node('MatMul', ['A', 'x'], ['y'])],
        initializers: [floatTensor('A', [4, 2], ramp(8))],
      }),
      [{ name: 'A', inputIndex: 0, channelAxis: 0, reductionAxis: 1 }],
    ],
    [
      'Transpose chain',
      model({
        nodes: [node('Transpose', ['W'], ['Wt'], { perm: [1, 0] }), node('MatMul', ['x', 'Wt'], ['y'])],
        initializers: [floatTensor('W', [5, 3], ramp(15))],
      }),
      [
        {
          name: 'W',
          via: ['Transpose'],
          shape: [3, 5],
          storedShape: [5, 3],
          channelAxis: 1,
          reductionAxis: 0,
        },
      ],
    ],
    [
      'Cast from float16',
      model({
        nodes: [node('Cast', ['W'], ['Wf'], { to: 1 }), node('MatMul', ['x', 'Wf'], ['y'])],
        initializers: [float16Tensor('W', [3, 4], ramp(12))],
      }),
      [{ name: 'W', via: ['Cast'], dtype: 'float16', bytes: 24, shape: [3, 4] }],
    ],
    [
      'Identity + Reshape(0,-1) from a Constant node shape',
      model({
        nodes: [
          constantNode('shape', int64Tensor('shape', [2], [0, -1])),
          node('Identity', ['W'], ['Wi']),
          node('Reshape', ['Wi', 'shape'], ['Wr']),
          node('MatMul', ['x', 'Wr'], ['y']),
        ],
        initializers: [floatTensor('W', [3, 2, 2], ramp(12))],
      }),
      [{ name: 'W', via: ['Identity', 'Reshape'], shape: [3, 4], storedShape: [3, 2, 2], channelAxis: 1 }],
    ],
    [
      'Unsqueeze (axes input) then Squeeze (axes attribute)',
      model({
        nodes: [
          node('Unsqueeze', ['W', 'axes'], ['Wu']),
          node('Squeeze', ['Wu'], ['Ws'], { axes: [0] }),
          node('Unsqueeze', ['Ws', 'axes'], ['Wu2']),
          node('MatMul', ['x', 'Wu2'], ['y']),
        ],
        initializers: [floatTensor('W', [3, 4], ramp(12)), int64Tensor('axes', [1], [0])],
      }),
      [
        {
          name: 'W',
          via: ['Unsqueeze', 'Squeeze', 'Unsqueeze'],
          shape: [1, 3, 4],
          channelAxis: 2,
          reductionAxis: 1,
        },
      ],
    ],
    [
      'Constant node weight',
      model({
        nodes: [constantNode('Wc', floatTensor('Wc', [3, 2], ramp(6))), node('Gemm', ['x', 'Wc'], ['y'])],
      }),
      [{ name: 'Wc', initializer: 'Wc', source: 'constant', shape: [3, 2], channelAxis: 1 }],
    ],
    [
      'Gather is opt-in',
      model({
        nodes: [node('Gather', ['E', 'x'], ['y'])],
        initializers: [floatTensor('E', [10, 4], ramp(40))],
      }),
      [],
    ],
    [
      'tied weight: two MatMuls',
      model({
        nodes: [
          node('MatMul', ['x', 'W'], ['h'], {}, { name: 'm1' }),
          node('MatMul', ['h', 'W'], ['y'], {}, { name: 'm2' }),
        ],
        initializers: [floatTensor('W', [3, 3], ramp(9))],
      }),
      // Same layout for both: one weight, quantized once, both uses rewired to it.
      [
        {
          name: 'W',
          node: 'm1',
          consumers: 2,
          uses: [expect.objectContaining({ node: 'm1' }), expect.objectContaining({ node: 'm2' })],
        },
      ],
    ],
    [
      'tied through a chain: MatMul and Add',
      model({
        nodes: [
          node('Identity', ['W'], ['Wi']),
          node('MatMul', ['x', 'Wi'], ['h']),
          node('Add', ['h', 'W'], ['y']),
        ],
        initializers: [floatTensor('W', [3, 3], ramp(9))],
      }),
      [{ name: 'W', consumers: 2 }],
    ],
    [
      'IR 3 initializers listed as inputs',
      model({
        irVersion: 3,
        opset: 8,
        initializersAsInputs: true,
        nodes: [node('MatMul', ['x', 'W'], ['y'])],
        initializers: [floatTensor('W', [3, 2], ramp(6))],
      }),
      [{ name: 'W' }],
    ],
    [
      'float64 weight',
      model({
        nodes: [node('MatMul', ['x', 'W'], ['y'])],
        initializers: [tensor('W', 'float64', [3, 2], ramp(6))],
      }),
      [{ name: 'W', dtype: 'float64', bytes: 48 }],
    ],
    [
      'int8 initializer is not a weight',
      model({
        nodes: [node('MatMul', ['x', 'W'], ['y'])],
        initializers: [tensor('W', 'int8', [3, 2], [1, 2, 3, 4, 5, 6])],
      }),
      [],
    ],
    [
      'Cast to int32 is not looked through',
      model({
        nodes: [node('Cast', ['W'], ['Wi'], { to: 6 }), node('MatMul', ['x', 'Wi'], ['y'])],
        initializers: [floatTensor('W', [3, 2], ramp(6))],
      }),
      [],
    ],
    [
      'Reshape with a runtime shape is not looked through',
      model({
        nodes: [
          node('Shape', ['x'], ['s']),
          node('Reshape', ['W', 's'], ['Wr']),
          node('MatMul', ['x', 'Wr'], ['y']),
        ],
        initializers: [floatTensor('W', [3, 2], ramp(6))],
      }),
      [],
    ],
    [
      'two runtime inputs',
      model({ inputs: [valueInfo('x'), valueInfo('z')], nodes: [node('MatMul', ['x', 'z'], ['y'])] }),
      [],
    ],
    [
      'custom-domain MatMul is skipped',
      model({
        opset: { '': 13, 'com.microsoft': 1 },
        nodes: [node('MatMul', ['x', 'W'], ['y'], {}, { domain: 'com.microsoft' })],
        initializers: [floatTensor('W', [3, 2], ramp(6))],
      }),
      [],
    ],
    [
      'Conv bias is not a weight',
      model({
        nodes: [node('Conv', ['x', 'W', 'b'], ['y'])],
        initializers: [floatTensor('W', [2, 1, 1, 1], [1, 2]), floatTensor('b', [2], [0, 1])],
      }),
      [{ name: 'W' }],
    ],
  ])('%s', (_, proto, expected) => {
    const found = findWeights(wrap(proto));
    expect(found).toHaveLength(expected.length);
    expected.forEach((e, i) => expect(found[i]).toMatchObject(e));
  });

  it.each<[string, number, number]>([
    ['axis 0', 0, 1],
    ['axis -2 of rank 2', -2, 1],
    ['axis 1', 1, 0],
  ])('Gather with includeGather: %s', (_, axis, count) => {
    const proto = model({
      nodes: [node('Gather', ['E', 'x'], ['y'], { axis })],
      initializers: [floatTensor('E', [10, 4], ramp(40))],
    });
    const found = findWeights(wrap(proto), { includeGather: true });
    expect(found).toHaveLength(count);
    if (count)
      expect(found[0]).toMatchObject({ op: 'Gather', channelAxis: 0, reductionAxis: 1, inputIndex: 0 });
  });
});

/** What onnxruntime computes for `value`: the oracle for readWeight's chain handling. */
async function ortValue(proto: ModelProto, value: string): Promise<Float32Array> {
  const p = clone(ModelProtoSchema, proto);
  p.graph!.node.push(node('Cast', [value], ['__probe'], { to: 1 }));
  p.graph!.output = [valueInfo('__probe', 'float32')];
  p.graph!.node = p.graph!.node.filter((n) => n.opType !== 'MatMul');
  const session = await ort.InferenceSession.create(modelBytes(p));
  const out = await session.run({});
  return out.__probe.data as Float32Array;
}

describe('readWeight applies the via chain as onnxruntime does', () => {
  const chain = (
    nodes: ReturnType<typeof node>[],
    last: string,
    init = floatTensor('W', [2, 3, 4], ramp(24, 0.1234567)),
  ) =>
    buildModel({
      opset: 13,
      inputs: [],
      outputs: [valueInfo('y')],
      nodes: [...nodes, node('MatMul', ['x', last], ['y'])],
      initializers: [init],
    });
  it.each<[string, ModelProto, string]>([
    ['Transpose perm [2,0,1]', chain([node('Transpose', ['W'], ['T'], { perm: [2, 0, 1] })], 'T'), 'T'],
    ['Transpose default perm', chain([node('Transpose', ['W'], ['T'])], 'T'), 'T'],
    ['Cast to float16 rounds', chain([node('Cast', ['W'], ['H'], { to: 10 })], 'H'), 'H'],
    ['Cast to bfloat16 rounds', chain([node('Cast', ['W'], ['H'], { to: 16 })], 'H'), 'H'],
    [
      'Reshape, Transpose, Cast',
      chain(
        [
          node('Reshape', ['W', 's'], ['R']),
          node('Transpose', ['R'], ['T'], { perm: [1, 0] }),
          node('Cast', ['T'], ['C'], { to: 10 }),
          constantNode('s', int64Tensor('s', [2], [6, 4])),
        ],
        'C',
      ),
      'C',
    ],
    [
      'float16 stored, Transpose',
      chain(
        [node('Transpose', ['W'], ['T'], { perm: [1, 2, 0] })],
        'T',
        float16Tensor('W', [2, 3, 4], ramp(24, 0.37)),
      ),
      'T',
    ],
  ])('%s', async (_, proto, value) => {
    const [w] = findWeights(wrap(proto));
    expect(w).toBeDefined();
    const values = await readWeight(wrap(proto), w);
    expect(values).toEqual(await ortValue(proto, value));
  });

  it('refuses a WeightInfo that no longer matches the graph', async () => {
    const proto = chain([node('Transpose', ['W'], ['T'])], 'T');
    const [w] = findWeights(wrap(proto));
    await expect(readWeight(wrap(proto), { ...w, initializer: 'other' })).rejects.toMatchObject({
      name: 'UnsupportedModelError',
    });
  });
});
