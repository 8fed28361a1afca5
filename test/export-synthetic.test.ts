// Op layouts the real models do not have: ConvTranspose, constant Gemm/MatMul A, transposed / cast / batched
// weights, embeddings, and a model at the newest opset and IR onnxruntime takes. Each exported model must load in both
// runtimes, equal its independently decoded float reference, and stay close to the original float model.
import { describe, expect, it } from 'vitest';
import { parseModel } from '../src/core/onnx';
import { normalizeConfig, type QuantConfig } from '../src/core/quant/config';
import { runQuantization } from '../src/core/pipeline/run';
import {
  buildModel,
  float16Tensor,
  floatTensor,
  modelBytes,
  node,
  valueInfo,
} from './fixtures/onnx-builders';
import { prng } from './support/models';
import { relError, runModel, type Feeds, type Runtime } from './support/ort';
import { referenceFloatModel } from './support/reference-float';

const MAX_REL_ERROR = 1e-4;
/** 8-bit per-channel must stay this close to the float model: catches a weight folded in the wrong layout. */
const INT8_SANITY = 0.03;

const randn = (n: number, seed: number, scale = 0.2) => {
  const r = prng(seed);
  return Array.from({ length: n }, () => (r() + r() + r() - 1.5) * scale);
};
const feed = (name: string, dims: number[], seed: number): Feeds => ({
  [name]: {
    dims,
    data: Float32Array.from(
      randn(
        dims.reduce((a, b) => a * b, 1),
        seed,
        1,
      ),
    ),
  },
});

interface Case {
  name: string;
  bytes: Uint8Array;
  feeds: () => Feeds;
  includeGather?: boolean;
  expectOps: string[];
  /** Stored as float16 already: fp16 has nothing to do. */
  storedFp16?: boolean;
}

const CASES: Case[] = [
  {
    name: 'ConvTranspose (channel axis 1)',
    bytes: modelBytes(
      buildModel({
        opset: 13,
        inputs: [valueInfo('x', 'float32', [1, 4, 5, 5])],
        outputs: [valueInfo('y')],
        nodes: [node('ConvTranspose', ['x', 'w'], ['y'], { pads: [1, 1, 1, 1] })],
        initializers: [floatTensor('w', [4, 6, 3, 3], randn(216, 1))],
      }),
    ),
    feeds: () => feed('x', [1, 4, 5, 5], 11),
    expectOps: ['ConvTranspose'],
  },
  {
    name: 'Gemm with a constant A, transA=1',
    bytes: modelBytes(
      buildModel({
        opset: 11,
        inputs: [valueInfo('x', 'float32', [8, 5])],
        outputs: [valueInfo('y')],
        nodes: [node('Gemm', ['a', 'x'], ['y'], { transA: 1 })],
        initializers: [floatTensor('a', [8, 3], randn(24, 2))],
      }),
    ),
    feeds: () => feed('x', [8, 5], 12),
    expectOps: ['Gemm'],
  },
  {
    name: 'MatMul with a constant A',
    bytes: modelBytes(
      buildModel({
        opset: 13,
        inputs: [valueInfo('x', 'float32', [16, 6])],
        outputs: [valueInfo('y')],
        nodes: [node('MatMul', ['a', 'x'], ['y'])],
        initializers: [floatTensor('a', [4, 16], randn(64, 3))],
      }),
    ),
    feeds: () => feed('x', [16, 6], 13),
    expectOps: ['MatMul'],
  },
  {
    name: 'MatMul weight behind a Transpose',
    bytes: modelBytes(
      buildModel({
        opset: 13,
        inputs: [valueInfo('x', 'float32', [2, 40])],
        outputs: [valueInfo('y')],
        nodes: [node('Transpose', ['wt'], ['w'], { perm: [1, 0] }), node('MatMul', ['x', 'w'], ['y'])],
        initializers: [floatTensor('wt', [12, 40], randn(480, 4))],
      }),
    ),
    feeds: () => feed('x', [2, 40], 14),
    expectOps: ['MatMul'],
  },
  {
    name: 'float16 weight behind a Cast, batched MatMul',
    bytes: modelBytes(
      buildModel({
        opset: 13,
        inputs: [valueInfo('x', 'float32', [2, 3, 16])],
        outputs: [valueInfo('y')],
        nodes: [node('Cast', ['wh'], ['w'], { to: 1 }), node('MatMul', ['x', 'w'], ['y'])],
        initializers: [float16Tensor('wh', [2, 16, 8], randn(256, 5))],
      }),
    ),
    feeds: () => feed('x', [2, 3, 16], 15),
    expectOps: ['MatMul'],
    storedFp16: true,
  },
  {
    name: 'Gather embeddings (opt-in)',
    bytes: modelBytes(
      buildModel({
        opset: 13,
        inputs: [valueInfo('ids', 'int64', [5])],
        outputs: [valueInfo('y')],
        nodes: [node('Gather', ['table', 'ids'], ['y'])],
        initializers: [floatTensor('table', [20, 32], randn(640, 6))],
      }),
    ),
    feeds: () => ({ ids: { dims: [5], int64: [0n, 3n, 19n, 3n, 7n] } }),
    includeGather: true,
    expectOps: ['Gather'],
  },
  {
    name: 'opset 26, IR 13',
    bytes: modelBytes(
      buildModel({
        opset: 26,
        irVersion: 13,
        inputs: [valueInfo('x', 'float32', [1, 64])],
        outputs: [valueInfo('y')],
        nodes: [node('MatMul', ['x', 'w'], ['h']), node('Relu', ['h'], ['y'])],
        initializers: [floatTensor('w', [64, 24], randn(1536, 7))],
      }),
    ),
    feeds: () => feed('x', [1, 64], 17),
    expectOps: ['MatMul'],
  },
];

const CONFIGS: Partial<QuantConfig>[] = [
  { bits: 8, granularity: 'channel' },
  { bits: 3, scheme: 'asymmetric', granularity: 'channel' },
  { bits: 4, granularity: 'block', blockSize: 16 },
  { bits: 2, granularity: 'tensor' },
  { bits: 'fp16' },
];

describe.each(CASES)('$name', (c) => {
  const model = parseModel(c.bytes, 'synthetic.onnx');

  it.each(CONFIGS.map((cfg) => [JSON.stringify(cfg), cfg] as const))('%s', async (_, partial) => {
    const config = normalizeConfig({ ...partial, includeGather: c.includeGather ?? false });
    const { bytes, summary } = await runQuantization(model, config, 't');
    if (c.storedFp16 && config.bits === 'fp16') {
      expect(summary.skipped).toEqual([{ name: 'wh', reason: 'already float16', bytes: expect.any(Number) }]);
      return;
    }
    expect(summary.skipped).toEqual([]);
    expect(summary.layers.map((l) => l.op)).toEqual(c.expectOps);
    const reference = referenceFloatModel(bytes);
    for (const runtime of ['node', 'web'] as Runtime[]) {
      const feeds = c.feeds();
      const got = await runModel(runtime, bytes, feeds);
      const want = await runModel(runtime, reference, feeds);
      const original = await runModel(runtime, c.bytes, feeds);
      for (const name of Object.keys(want)) {
        expect(relError(got[name], want[name]), `${runtime} ${name}`).toBeLessThanOrEqual(MAX_REL_ERROR);
        if (config.bits === 8) expect(relError(got[name], original[name])).toBeLessThanOrEqual(INT8_SANITY);
      }
    }
  });
});
