import { describe, expect, it } from 'vitest';
import { parseModel, serializeModel } from '../onnx';
import { findInitializer } from '../onnx/graph';
import { inlineTensorToFloat32 } from '../onnx/tensor';
import type { OnnxModel } from '../onnx/types';
import { runQuantization } from '../pipeline/run';
import { normalizeConfig } from '../quant/config';
import {
  buildModel,
  floatTensor,
  modelBytes,
  node,
  valueInfo,
  type ModelSpec,
} from '../../../test/fixtures/onnx-builders';
import { rng } from '../../../test/support/random';
import { runModel } from '../../../test/support/ort';
import { equalizeModel } from './equalize';

const r = rng(3);
/** Values whose output channels (stride `per` along axis 0) differ in range by up to 10^3. */
const lopsided = (n: number, per: number) =>
  Array.from({ length: n }, (_, i) => (r() * 2 - 1) * 10 ** ((Math.floor(i / per) % 4) - 1.5));
const noise = (n: number, s = 1) => Array.from({ length: n }, () => (r() * 2 - 1) * s);

const scalar = (name: string, v: number) => floatTensor(name, [], [v]);

/** An opset-13 model built from `graph` and parsed as file `name`. */
const model13 = (name: string, graph: Omit<ModelSpec, 'opset'>): OnnxModel =>
  parseModel(modelBytes(buildModel({ opset: 13, ...graph })), name);

function depthwiseCnn(): OnnxModel {
  return model13('dw.onnx', {
    inputs: [valueInfo('x', 'float32', [1, 3, 8, 8])],
    outputs: [valueInfo('y')],
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c1'], { pads: [1, 1, 1, 1] }, { name: 'conv1' }),
      node('Clip', ['c1', 'zero', 'six'], ['a1'], {}, { name: 'relu6_1' }),
      node('Conv', ['a1', 'dw', 'bdw'], ['c2'], { group: 8, pads: [1, 1, 1, 1] }, { name: 'dw' }),
      node('Clip', ['c2', 'zero', 'six'], ['a2'], {}, { name: 'relu6_2' }),
      node('Conv', ['a2', 'pw', 'bpw'], ['c3'], {}, { name: 'pw' }),
      node('Relu', ['c3'], ['a3']),
      node('Conv', ['a3', 'gw'], ['y'], { group: 2 }, { name: 'grouped' }),
    ],
    initializers: [
      floatTensor('w1', [8, 3, 3, 3], lopsided(216, 27)),
      floatTensor('b1', [8], noise(8)),
      floatTensor('dw', [8, 1, 3, 3], lopsided(72, 9)),
      floatTensor('bdw', [8], noise(8)),
      floatTensor('pw', [6, 8, 1, 1], noise(48)),
      floatTensor('bpw', [6], noise(6)),
      floatTensor('gw', [4, 3, 1, 1], noise(12)),
      scalar('zero', 0),
      scalar('six', 6),
    ],
  });
}

function mlp(): OnnxModel {
  return model13('mlp.onnx', {
    inputs: [valueInfo('x', 'float32', [2, 6])],
    outputs: [valueInfo('y')],
    nodes: [
      node('Gemm', ['x', 'g1', 'gb1'], ['h1'], { transB: 1 }, { name: 'fc1' }),
      node('LeakyRelu', ['h1'], ['a1'], { alpha: 0.1 }),
      node('MatMul', ['a1', 'm2'], ['h2'], {}, { name: 'fc2' }),
      node('Add', ['h2', 'mb2'], ['h2b']),
      node('Clip', ['h2b', 'zero', 'six'], ['a2']),
      node('Gemm', ['a2', 'g3'], ['h3'], {}, { name: 'fc3' }),
      node('MatMul', ['h3', 'm4'], ['y'], {}, { name: 'fc4' }),
    ],
    initializers: [
      floatTensor('g1', [10, 6], lopsided(60, 6)),
      floatTensor('gb1', [10], noise(10)),
      floatTensor('m2', [10, 12], noise(120)),
      floatTensor('mb2', [12], noise(12)),
      floatTensor('g3', [12, 5], noise(60, 3)),
      floatTensor('m4', [5, 3], noise(15)),
      scalar('zero', 0),
      scalar('six', 6),
    ],
  });
}

function expectClose(a: Float32Array, b: Float32Array) {
  const scale = Math.max(...a.map(Math.abs));
  const worst = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
  expect(worst / scale).toBeLessThan(1e-5);
}

/** mnist-8's shape of chain: Conv without bias → Add(bias [C,1,1]) → Relu → MaxPool → Conv. */
function pooledCnn(): OnnxModel {
  return model13('pooled.onnx', {
    inputs: [valueInfo('x', 'float32', [1, 3, 8, 8])],
    outputs: [valueInfo('y')],
    nodes: [
      node('Conv', ['x', 'w1'], ['c1'], { pads: [1, 1, 1, 1] }, { name: 'conv1' }),
      node('Add', ['c1', 'b1'], ['c1b']),
      node('Relu', ['c1b'], ['a1']),
      node('MaxPool', ['a1'], ['p1'], { kernel_shape: [2, 2], strides: [2, 2] }),
      node('Conv', ['p1', 'w2'], ['y'], {}, { name: 'conv2' }),
    ],
    initializers: [
      floatTensor('w1', [8, 3, 3, 3], lopsided(216, 27)),
      floatTensor('b1', [8, 1, 1], noise(8)),
      floatTensor('w2', [5, 8, 1, 1], noise(40)),
    ],
  });
}

describe('cross-layer equalization', () => {
  it.each([
    ['depthwise-separable CNN with ReLU6 and a grouped conv', depthwiseCnn, [1, 3, 8, 8], 3],
    ['Gemm / MatMul+Add chain with LeakyRelu and Clip', mlp, [2, 6], 3],
    ['Conv + Add bias → Relu → MaxPool → Conv', pooledCnn, [1, 3, 8, 8], 1],
  ] as const)('%s: float outputs unchanged (1e-5 relative)', async (_name, make, dims, pairs) => {
    const model = make();
    const { model: eq, report } = await equalizeModel(model, { layers: {} });
    expect(report.pairs).toHaveLength(pairs);
    expect(report.pairs.some((p) => p.maxScale / p.minScale > 10)).toBe(true);
    const x = Float32Array.from(
      noise(
        (dims as readonly number[]).reduce((a, b) => a * b, 1),
        6,
      ),
    );
    const run = (m: OnnxModel) =>
      runModel('node', serializeModel(m.proto), { x: { dims: [...dims], data: x } });
    expectClose((await run(model)).y, (await run(eq)).y);
  });

  it('balances the ranges: output channel c of the first layer and input channel c of the second match', async () => {
    const { model: eq, report } = await equalizeModel(mlp(), { layers: {} });
    expect(report.pairs[0]).toMatchObject({ first: 'fc1', second: 'fc2', activation: 'LeakyRelu' });
    const g = eq.proto.graph!;
    const g1 = inlineTensorToFloat32(findInitializer(g, 'g1')!); // [10, 6]: row c
    const m2 = inlineTensorToFloat32(findInitializer(g, 'm2')!); // [10, 12]: row c
    for (let c = 0; c < 10; c++) {
      const r1 = Math.max(...g1.slice(c * 6, c * 6 + 6).map(Math.abs));
      const r2 = Math.max(...m2.slice(c * 12, c * 12 + 12).map(Math.abs));
      expect(r1 / r2).toBeCloseTo(1, 1); // fc2 is also rescaled by its own pair: a few rounds settle to ~1%
    }
  });

  it('turns an equalized Clip(0, 6) into Relu → Min with per-channel bounds', async () => {
    const { model: eq, report } = await equalizeModel(depthwiseCnn(), { layers: {} });
    expect(report.pairs[0].activation).toMatch(/Clip\(0, 6\) → Relu \+ per-channel Min/);
    const ops = eq.proto.graph!.node.map((n) => n.opType);
    expect(ops.filter((o) => o === 'Clip')).toHaveLength(0);
    expect(ops.filter((o) => o === 'Min')).toHaveLength(2);
  });

  it('skips a chain with BatchNormalization between and says why; honours equalize: false', async () => {
    const bn = model13('bn.onnx', {
      inputs: [valueInfo('x', 'float32', [1, 2, 4, 4])],
      outputs: [valueInfo('y')],
      nodes: [
        node('Conv', ['x', 'w1'], ['c1'], {}, { name: 'a' }),
        node('BatchNormalization', ['c1', 's', 'b', 'm', 'v'], ['n1']),
        node('Conv', ['n1', 'w2'], ['y'], {}, { name: 'b' }),
      ],
      initializers: [
        floatTensor('w1', [2, 2, 1, 1], noise(4)),
        floatTensor('w2', [2, 2, 1, 1], noise(4)),
        ...['s', 'b', 'm', 'v'].map((n) => floatTensor(n, [2], [1, 1])),
      ],
    });
    const { report } = await equalizeModel(bn, { layers: {} });
    expect(report).toEqual({
      pairs: [],
      skipped: [{ first: 'a', second: 'b', reason: expect.stringMatching(/BatchNormalization/) }],
    });
    const off = await equalizeModel(mlp(), { layers: { m2: { equalize: false } } });
    expect(off.report.pairs.map((p) => p.first)).toEqual(['fc3']);
    expect(off.report.skipped.map((s) => s.reason)).toEqual([
      'equalize: false for one of the weights',
      'equalize: false for one of the weights',
    ]);
  });

  it('runs inside the pipeline with a note, and the quantized model still loads', async () => {
    const model = depthwiseCnn();
    const config = normalizeConfig({ bits: 4, granularity: 'tensor', equalize: true, clip: 'mse' });
    const { summary, bytes } = await runQuantization(model, config, 'cle');
    expect(summary.notes.join('\n')).toMatch(/equalized 3 layer pair\(s\): conv1→dw/);
    const x = Float32Array.from(noise(192, 6));
    const y = await runModel('node', bytes, { x: { dims: [1, 3, 8, 8], data: x } });
    expect(y.y.length).toBe(4 * 8 * 8);
  });
});
