// Already-quantized models: every integer weight is listed with its op, dtype and granularity, and read back as the
// values its op computes with. The reference is onnxruntime-node itself: each model outputs the dequantized weight
// (DequantizeLinear's output, or MatMulNBits applied to an identity matrix), and our values must match bit for bit.
import * as ort from 'onnxruntime-node';
import type { TensorProto } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { findWeights, openModel, parseModel, readWeight } from '../src/core/onnx';
import { readParts } from '../src/core/export/stream';
import { normalizeConfig } from '../src/core/quant/config';
import { runQuantization } from '../src/core/pipeline/run';
import { weightSpec } from '../src/core/pipeline/select';
import { quantizeWeight } from '../src/core/pipeline/weight';
import { testModel } from './paths';
import { listQuantizedWeights, readDequantized } from '../src/core/onnx/quantized-weights';
import {
  buildGraph,
  buildModel,
  floatTensor,
  MemoryBlob,
  modelBytes,
  node,
  tensor,
  valueInfo,
  type ModelSpec,
} from './fixtures/onnx-builders';

const open = (spec: ModelSpec) => parseModel(modelBytes(buildModel(spec)), 'q.onnx');

async function ortOutput(spec: ModelSpec, feeds: Record<string, ort.Tensor> = {}): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(modelBytes(buildModel(spec)));
  try {
    const out = await session.run(feeds);
    return out[session.outputNames[0]].data as Float32Array;
  } finally {
    await session.release();
  }
}

const levels = (n: number, lo: number, hi: number) =>
  Array.from({ length: n }, (_, i) => lo + ((i * 7) % (hi - lo + 1)));

describe('already-quantized weights read back as onnxruntime dequantizes them', () => {
  it.each<{
    what: string;
    opset: number;
    q: TensorProto;
    s: TensorProto;
    z: TensorProto | null;
    attrs: Record<string, number>;
    granularity: string;
  }>([
    {
      what: 'int8 per-tensor with zero point',
      opset: 13,
      q: tensor('q', 'int8', [4, 6], levels(24, -128, 127)),
      s: floatTensor('s', [], [0.0123]),
      z: tensor('z', 'int8', [], [3]),
      attrs: {},
      granularity: 'per-tensor',
    },
    {
      what: 'uint8 per-channel along axis 1',
      opset: 13,
      q: tensor('q', 'uint8', [4, 6], levels(24, 0, 255)),
      s: floatTensor('s', [6], [0.01, 0.02, 0.03, 0.5, 1.5, 0.001]),
      z: tensor('z', 'uint8', [6], [128, 0, 3, 255, 7, 100]),
      attrs: { axis: 1 },
      granularity: 'per-channel',
    },
    {
      what: 'int8 per-channel along axis 0 of a Conv weight',
      opset: 13,
      q: tensor('q', 'int8', [3, 2, 2, 2], levels(24, -127, 127)),
      s: floatTensor('s', [3], [0.1, 0.2, 0.3]),
      z: null,
      attrs: { axis: 0 },
      granularity: 'per-channel',
    },
    {
      what: 'int4 blocks of 2 along axis 0 (packed two per byte)',
      opset: 21,
      q: tensor('q', 'int4', [6, 3], levels(18, -8, 7)),
      s: floatTensor('s', [3, 3], [0.5, 1, 2, 0.25, 0.125, 4, 3, 0.75, 1.5]),
      z: tensor('z', 'int4', [3, 3], [0, 1, -1, 2, 0, 0, -3, 7, -8]),
      attrs: { axis: 0, block_size: 2 },
      granularity: 'block',
    },
    {
      what: 'uint4 per-channel along axis 1',
      opset: 21,
      q: tensor('q', 'uint4', [5, 2], levels(10, 0, 15)),
      s: floatTensor('s', [2], [0.3, 0.07]),
      z: tensor('z', 'uint4', [2], [8, 3]),
      attrs: { axis: 1 },
      granularity: 'per-channel',
    },
  ])('DequantizeLinear: $what', async ({ opset, q, s, z, attrs, granularity }) => {
    const spec: ModelSpec = {
      opset,
      inputs: [],
      outputs: [valueInfo('w')],
      nodes: [node('DequantizeLinear', ['q', 's', ...(z ? ['z'] : [])], ['w'], attrs)],
      initializers: [q, s, ...(z ? [z] : [])],
    };
    const model = open(spec);
    const [info] = listQuantizedWeights(model);
    expect(info).toMatchObject({ name: 'q', op: 'DequantizeLinear', granularity, unit: 'value' });
    expect(Array.from(await readDequantized(model, info))).toEqual(Array.from(await ortOutput(spec)));
  });

  it.each([
    { what: 'default zero point', zp: null },
    { what: 'packed uint8 zero points', zp: tensor('zp', 'uint8', [3, 1], [5, 8, 15]) },
  ])('MatMulNBits 4-bit, block 16, K = 20 (partial block): $what', async ({ zp }) => {
    const K = 20;
    const N = 3;
    const kBlocks = 2;
    const B = tensor('B', 'uint8', [N, kBlocks, 8], levels(N * kBlocks * 8, 0, 255));
    const scales = floatTensor('sc', [N * kBlocks], [0.5, 0.25, 1, 2, 0.125, 0.75]);
    const eye = new Float32Array(K * K);
    for (let i = 0; i < K; i++) eye[i * K + i] = 1;
    const spec: ModelSpec = {
      opset: { '': 21, 'com.microsoft': 1 },
      inputs: [valueInfo('a', 'float32', [K, K])],
      outputs: [valueInfo('w')],
      nodes: [
        node(
          'MatMulNBits',
          ['a', 'B', 'sc', ...(zp ? ['zp'] : [])],
          ['w'],
          { K, N, bits: 4, block_size: 16 },
          { domain: 'com.microsoft' },
        ),
      ],
      initializers: [B, scales, ...(zp ? [zp] : [])],
    };
    const model = open(spec);
    const [info] = listQuantizedWeights(model);
    expect(info).toMatchObject({
      op: 'com.microsoft.MatMulNBits',
      dtype: '4-bit',
      shape: [K, N],
      granularity: 'block',
    });
    const want = await ortOutput(spec, { a: new ort.Tensor('float32', eye, [K, K]) });
    expect(Array.from(await readDequantized(model, info))).toEqual(Array.from(want));
  });
});

describe('listQuantizedWeights', () => {
  const convInteger = (scaled: boolean): ModelSpec => ({
    opset: 13,
    inputs: [valueInfo('x', 'float32', [1, 1, 4, 4])],
    outputs: [valueInfo(scaled ? 'y' : 'yi')],
    nodes: [
      node('DynamicQuantizeLinear', ['x'], ['xq', 'xs', 'xz']),
      node('ConvInteger', ['xq', 'w', 'xz', 'wz'], ['yi']),
      ...(scaled
        ? [
            node('Cast', ['yi'], ['yf'], { to: 1 }),
            node('Mul', ['xs', 'ws'], ['s']),
            node('Mul', ['yf', 's'], ['y']),
          ]
        : []),
    ],
    initializers: [
      tensor('w', 'uint8', [2, 1, 2, 2], [0, 100, 200, 255, 128, 129, 127, 130]),
      tensor('wz', 'uint8', [], [128]),
      floatTensor('ws', [], [0.5]),
    ],
  });

  it('ConvInteger: the weight scale is found behind Cast → Mul(x_scale · w_scale)', async () => {
    const model = open(convInteger(true));
    const [info] = listQuantizedWeights(model);
    expect(info).toMatchObject({ name: 'w', op: 'ConvInteger', dtype: 'uint8', unit: 'value' });
    expect(Array.from(await readDequantized(model, info))).toEqual([-64, -14, 36, 63.5, 0, 0.5, -0.5, 1]);
  });

  it('ConvInteger without a constant scale after it: levels (q − zero point), said so', async () => {
    const model = open(convInteger(false));
    const [info] = listQuantizedWeights(model);
    expect(info.unit).toBe('level');
    expect(Array.from(await readDequantized(model, info))).toEqual([-128, -28, 72, 127, 0, 1, -1, 2]);
  });

  it('finds integer weights inside If branches (outer-scope initializers), with their scope', async () => {
    const branch = (k: number) =>
      buildGraph({
        name: `b${k}`,
        inputs: [],
        outputs: [valueInfo(`o${k}`)],
        nodes: [node('DequantizeLinear', ['q', 's'], [`w${k}`]), node('MatMul', ['x', `w${k}`], [`o${k}`])],
      });
    const model = open({
      opset: 13,
      inputs: [valueInfo('x', 'float32', [1, 2]), valueInfo('c', 'bool', [])],
      outputs: [valueInfo('y')],
      nodes: [node('If', ['c'], ['y'], { then_branch: branch(0), else_branch: branch(1) })],
      initializers: [tensor('q', 'int8', [2, 2], [1, -2, 3, -4]), floatTensor('s', [], [0.25])],
    });
    const list = listQuantizedWeights(model);
    expect(list.map((w) => [w.name, w.scope])).toEqual([
      ['q@#0/then_branch/#0', '#0/then_branch'],
      ['q@#0/else_branch/#0', '#0/else_branch'],
    ]);
    expect(Array.from(await readDequantized(model, list[1]))).toEqual([0.25, -0.5, 0.75, -1]);
  });
});

describe('our own exports read back as already quantized', () => {
  it.each([
    ['8-bit per-channel', { bits: 8, granularity: 'channel' }],
    ['4-bit per-channel', { bits: 4, granularity: 'channel' }],
    ['4-bit block 32, MatMulNBits', { bits: 4, granularity: 'block', blockSize: 32, format: 'matmulnbits' }],
    [
      '4-bit asymmetric block 16, int4 DequantizeLinear',
      { bits: 4, granularity: 'block', blockSize: 16, scheme: 'asymmetric', format: 'qdq' },
    ],
  ] as const)('%s: every quantized weight dequantizes to the run’s own values', async (_, partial) => {
    const model = await openModel({
      name: 'm.onnx',
      blob: new MemoryBlob(readFileSync(testModel('mnist-onnx-mlir/model.onnx'))),
    });
    const config = normalizeConfig(partial);
    const { summary, file } = await runQuantization(model, config, 'r');
    const exported = parseModel(await readParts(file), 'q.onnx');
    const list = listQuantizedWeights(exported);
    expect(list.length).toBe(summary.layers.length);
    for (const w of findWeights(model, { includeGather: true })) {
      const spec = weightSpec(config, w);
      if (!spec || !summary.layers.some((l) => l.name === w.name)) continue;
      const base = w.name.replace(/[^A-Za-z0-9_.:/-]/g, '_');
      const info = list.find((x) => x.name === `${base}_quantized` || x.name === `${base}_nbits`);
      expect(info, w.name).toBeDefined();
      expect(info!.shape).toEqual(w.shape);
      const want = quantizeWeight(await readWeight(model, w), w, spec).dequantized;
      expect(Array.from(await readDequantized(exported, info!))).toEqual(Array.from(want));
    }
  });
});
