import { describe, expect, it } from 'vitest';
import {
  attr,
  type AttrInit,
  buildModel,
  floatTensor,
  modelBytes,
  node,
  valueInfo,
} from '../../../test/fixtures/onnx-builders';
import { inlineTensorToFloat32, parseModel } from '../onnx';
import type { WeightInfo } from '../onnx/types';
import { normalizeConfig } from '../quant/config';
import { outputShift } from './bias';
import { runQuantization } from './run';

/**
 * Known answer at 2 bits per channel, symmetric (levels −1, 0, 1 · scale, scale = max |w| of the row):
 * row [1, 0.4] → [1, 0] (error [0, 0.4]); row [−0.8, 0.3] → [−0.8, 0] (error [0, 0.3]).
 * With E[x] = [2, 5] the output means shift by (W − Ŵ)·E[x] = [2, 1.5].
 */
const W = [1, 0.4, -0.8, 0.3];
const MEAN = Float64Array.of(2, 5);
const SHIFT = [2, 1.5];

const info = (shape: number[], channelAxis: number, op: WeightInfo['op']): WeightInfo =>
  ({ name: 'w', op, shape, channelAxis, reductionAxis: 1 - channelAxis }) as unknown as WeightInfo;

describe('outputShift: (W − Ŵ)·E[x] per output channel', () => {
  it.each([
    ['Gemm W [N, K] (transB)', [2, 2], 0, W],
    ['MatMul W [K, N]', [2, 2], 1, [W[0], W[2], W[1], W[3]]],
  ] as const)('%s', (_what, shape, axis, w) => {
    const values = Float32Array.from(w);
    const rows = axis === 0 ? [1, 0, -0.8, 0] : [1, -0.8, 0, 0];
    const shift = outputShift(values, Float32Array.from(rows), info([...shape], axis, 'Gemm'), [MEAN]);
    expect(Array.from(shift, (s) => Number(s.toFixed(6)))).toEqual(SHIFT);
  });

  it('grouped Conv: each group uses its own mean patch', () => {
    // Conv [O=2, C/g=1, 1, 2], 2 groups: output channel o uses group o's mean patch.
    const values = Float32Array.of(1, 1, 1, 1);
    const deq = Float32Array.of(0, 1, 1, 0);
    const w = { ...info([2, 1, 1, 2], 0, 'Conv'), reductionAxis: 1 };
    expect(Array.from(outputShift(values, deq, w, [Float64Array.of(3, 4), Float64Array.of(5, 6)]))).toEqual([
      3, 6,
    ]);
  });

  it('refuses a layout it cannot correct', () => {
    expect(() =>
      outputShift(new Float32Array(4), new Float32Array(4), info([2, 2], 0, 'Gather'), [MEAN]),
    ).toThrow(/no bias correction for a Gather weight/);
  });
});

/** x [1, 2] → op with weight w → y; the calibration says E[x] = [2, 5]. */
async function corrected(op: 'Gemm' | 'Conv' | 'MatMul', withBias: boolean) {
  const conv = op === 'Conv';
  const weight = conv
    ? floatTensor('w', [2, 2, 1, 1], W)
    : floatTensor('w', [2, 2], op === 'MatMul' ? [W[0], W[2], W[1], W[3]] : W);
  const inputs = ['x', 'w'];
  if (withBias) inputs.push('b');
  const attrs: Record<string, AttrInit> = op === 'Gemm' ? { transB: 1, beta: attr.float('beta', 2) } : {};
  const proto = buildModel({
    opset: 13,
    inputs: [valueInfo('x', 'float32', conv ? [1, 2, 1, 1] : [1, 2])],
    outputs: [valueInfo('y', 'float32')],
    nodes: [node(op, inputs, ['y'], attrs, { name: 'layer' })],
    initializers: [weight, ...(withBias ? [floatTensor('b', [2], [0.5, -1])] : [])],
  });
  const model = parseModel(modelBytes(proto), 'm.onnx');
  const config = normalizeConfig({ bits: 2, biasCorrection: true });
  const calibration = { hessians: new Map(), meanInputs: new Map([['w', [MEAN]]]) };
  const { bytes, summary } = await runQuantization(model, config, 'r', {}, {}, calibration);
  return { out: parseModel(bytes, 'out.onnx').proto.graph!, notes: summary.notes };
}

describe('bias correction in the exported graph', () => {
  it('Gemm with bias and β = 2: C + shift/β, the old bias dropped', async () => {
    const { out, notes } = await corrected('Gemm', true);
    const gemm = out.node.find((n) => n.opType === 'Gemm')!;
    const c = out.initializer.find((t) => t.name === gemm.input[2])!;
    expect(Array.from(inlineTensorToFloat32(c), (v) => Number(v.toFixed(5)))).toEqual([1.5, -0.25]);
    expect(out.initializer.some((t) => t.name === 'b')).toBe(false);
    expect(notes.join('\n')).toMatch(/bias correction: 1 of 1 layers .*0 biases created/);
  });

  it('Conv without bias: a bias is created', async () => {
    const { out, notes } = await corrected('Conv', false);
    const conv = out.node.find((n) => n.opType === 'Conv')!;
    const b = out.initializer.find((t) => t.name === conv.input[2])!;
    expect(Array.from(inlineTensorToFloat32(b), (v) => Number(v.toFixed(5)))).toEqual(SHIFT);
    expect(notes.join('\n')).toMatch(/1 bias created/);
  });

  it('MatMul: an Add of the shift after it, producing the original output', async () => {
    const { out } = await corrected('MatMul', false);
    const k = out.node.findIndex((n) => n.opType === 'MatMul');
    const add = out.node[k + 1];
    expect(add.opType).toBe('Add');
    expect(add.output).toEqual(['y']);
    expect(add.input[0]).toBe(out.node[k].output[0]);
    const b = out.initializer.find((t) => t.name === add.input[1])!;
    expect(Array.from(inlineTensorToFloat32(b), (v) => Number(v.toFixed(5)))).toEqual(SHIFT);
  });

  it('without calibration data for the layer: unchanged, and said', async () => {
    const proto = buildModel({
      opset: 13,
      inputs: [valueInfo('x', 'float32', [1, 2])],
      outputs: [valueInfo('y', 'float32')],
      nodes: [node('MatMul', ['x', 'w'], ['y'], {}, { name: 'layer' })],
      initializers: [floatTensor('w', [2, 2], W)],
    });
    const model = parseModel(modelBytes(proto), 'm.onnx');
    const { bytes, summary } = await runQuantization(
      model,
      normalizeConfig({ bits: 2, biasCorrection: true }),
      'r',
    );
    expect(parseModel(bytes, 'out.onnx').proto.graph!.node.map((n) => n.opType)).not.toContain('Add');
    expect(summary.notes.join('\n')).toMatch(
      /bias correction not applied to: w \(no calibration activations/,
    );
  });
});
