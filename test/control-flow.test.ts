// Weights where real models keep them: inside If branches (nested), as main-graph initializers read only by a
// branch, as Constant nodes in a body, shared by two branches, and in LSTM/GRU/RNN. Each export must load in both
// runtimes and equal its independently decoded float reference (and the core's fake-quantized float model).
import { describe, expect, it } from 'vitest';
import { fromBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, type GraphProto } from 'onnx-buf';
import { findWeights, forEachGraph, parseModel } from '../src/core/onnx';
import { foldWeightInputs } from '../src/core/onnx/fold';
import { normalizeConfig, type QuantConfig } from '../src/core/quant/config';
import { runQuantization } from '../src/core/pipeline/run';
import {
  buildGraph,
  buildModel,
  constantNode,
  floatTensor,
  int64Tensor,
  modelBytes,
  node,
  valueInfo,
} from './fixtures/onnx-builders';
import { fakeQuantModel } from './support/fake-quant';
import { prng } from './support/models';
import { relError, runModel, type Feeds, type Runtime } from './support/ort';
import { referenceFloatModel } from './support/reference-float';

const MAX_REL_ERROR = 1e-4;
const randn = (n: number, seed: number, scale = 0.2) => {
  const r = prng(seed);
  return Array.from({ length: n }, () => (r() + r() + r() - 1.5) * scale);
};
const floats = (dims: number[], seed: number) =>
  Float32Array.from(
    randn(
      dims.reduce((a, b) => a * b, 1),
      seed,
      1,
    ),
  );

const CONFIGS: [string, Partial<QuantConfig>][] = [
  ['8-bit channel', { bits: 8, granularity: 'channel' }],
  ['4-bit channel', { bits: 4, granularity: 'channel' }],
  ['4-bit block 16', { bits: 4, granularity: 'block', blockSize: 16 }],
];

/**
 * Main graph: If(c1) { MatMul(x, Wout) + If(c2) { MatMul(x, Win) } else { Gemm(x, Constant Wc, transB) } }
 * else { MatMul(x, Wout) }. Wout lives in the main graph and is read only inside the branches, by both.
 */
function nestedIf(opset: number): Uint8Array {
  const inner = (name: string, nodes: ReturnType<typeof node>[], out: string, inits = [] as never[]) =>
    buildGraph({ name, nodes, outputs: [valueInfo(out)], initializers: inits });
  const g3 = buildGraph({
    name: 'inner_then',
    nodes: [node('MatMul', ['x', 'Win'], ['i3'], {}, { name: 'mm_inner' })],
    outputs: [valueInfo('i3')],
    initializers: [floatTensor('Win', [16, 8], randn(128, 2))],
  });
  const g4 = inner(
    'inner_else',
    [
      constantNode('Wc', floatTensor('Wc_value', [8, 16], randn(128, 3))),
      node('Gemm', ['x', 'Wc'], ['i4'], { transB: 1 }, { name: 'gemm_inner' }),
    ],
    'i4',
  );
  const g1 = inner(
    'then',
    [
      node('MatMul', ['x', 'Wout'], ['t1'], {}, { name: 'mm_then' }),
      node('If', ['c2'], ['i'], { then_branch: g3, else_branch: g4 }, { name: 'if_inner' }),
      node('Add', ['t1', 'i'], ['y_then']),
    ],
    'y_then',
  );
  const g2 = inner('else', [node('MatMul', ['x', 'Wout'], ['y_else'], {}, { name: 'mm_else' })], 'y_else');
  return modelBytes(
    buildModel({
      opset,
      inputs: [valueInfo('x', 'float32', [2, 16]), valueInfo('c1', 'bool', []), valueInfo('c2', 'bool', [])],
      outputs: [valueInfo('y')],
      nodes: [node('If', ['c1'], ['y'], { then_branch: g1, else_branch: g2 }, { name: 'if_outer' })],
      initializers: [floatTensor('Wout', [16, 8], randn(128, 1))],
    }),
  );
}

async function run(bytes: Uint8Array, feeds: Feeds, runtime: Runtime) {
  return Object.values(await runModel(runtime, bytes, feeds))[0];
}

const floatInitializers = (bytes: Uint8Array): string[] => {
  const names: string[] = [];
  forEachGraph(fromBinary(ModelProtoSchema, bytes).graph!, (g: GraphProto) => {
    for (const t of g.initializer) if (t.dataType === 1) names.push(t.name);
  });
  return names;
};

describe('weights inside If branches (nested) and outer-scope initializers', () => {
  it('finds every weight, with its scope, and one shared entry for the tied outer weight', () => {
    const weights = findWeights(parseModel(nestedIf(21), 'if.onnx'));
    expect(weights.map((w) => [w.name, w.op, w.scope, w.uses.length, w.homePath.length])).toEqual([
      ['Wout', 'MatMul', 'if_outer/then_branch', 2, 0],
      ['Win', 'MatMul', 'if_outer/then_branch/if_inner/then_branch', 1, 2],
      ['Wc', 'Gemm', 'if_outer/then_branch/if_inner/else_branch', 1, 2],
    ]);
  });

  describe.each(CONFIGS)('%s', (_, partial) => {
    it('quantizes all three, keeps no float weight, equals its reference in both runtimes', async () => {
      const bytes = nestedIf(21);
      const model = parseModel(bytes, 'if.onnx');
      const { summary, bytes: out } = await runQuantization(model, normalizeConfig(partial), 'r');
      expect(summary.skipped).toEqual([]);
      expect(summary.layers.map((l) => l.name).sort()).toEqual(['Wc', 'Win', 'Wout']);
      expect(floatInitializers(out).filter((n) => /^W(out|in|c)/.test(n) && !/scale/.test(n))).toEqual([]);
      const reference = referenceFloatModel(out);
      const x = floats([2, 16], 9);
      for (const [c1, c2] of [
        [true, true],
        [true, false],
        [false, false],
      ]) {
        const feeds: Feeds = {
          x: { dims: [2, 16], data: x },
          c1: { dims: [], bool: [c1] },
          c2: { dims: [], bool: [c2] },
        };
        for (const runtime of ['node', 'web'] as Runtime[]) {
          const got = await run(out, feeds, runtime);
          expect(relError(got, await run(reference, feeds, runtime))).toBeLessThanOrEqual(MAX_REL_ERROR);
          expect(relError(got, await run(bytes, feeds, runtime))).toBeLessThan(0.2);
        }
      }
    });
  });
});

/** x [T=5, B=2, I=16] through one recurrent op with hidden size 8. */
function recurrent(op: 'LSTM' | 'GRU' | 'RNN', directions: 1 | 2, opset: number): Uint8Array {
  const gates = { LSTM: 4, GRU: 3, RNN: 1 }[op];
  const h = 8;
  return modelBytes(
    buildModel({
      opset,
      inputs: [valueInfo('x', 'float32', [5, 2, 16])],
      outputs: [valueInfo('y')],
      nodes: [
        node('Reshape', ['x', 'shape'], ['xr']),
        node(
          op,
          ['xr', 'W', 'R', 'B'],
          ['y'],
          { hidden_size: h, direction: directions === 2 ? 'bidirectional' : 'forward' },
          { name: op.toLowerCase() },
        ),
      ],
      initializers: [
        int64Tensor('shape', [3], [5, 2, 16]),
        floatTensor('W', [directions, gates * h, 16], randn(directions * gates * h * 16, 21)),
        floatTensor('R', [directions, gates * h, h], randn(directions * gates * h * h, 22)),
        floatTensor('B', [directions, 2 * gates * h], randn(directions * 2 * gates * h, 23, 0.05)),
      ],
    }),
  );
}

describe.each<['LSTM' | 'GRU' | 'RNN', 1 | 2]>([
  ['LSTM', 1],
  ['GRU', 2],
  ['RNN', 1],
])('%s (%i directions): W and R per gate channel', (op, dirs) => {
  it.each(CONFIGS)('%s equals the fake-quantized float model and its reference', async (_, partial) => {
    const bytes = recurrent(op, dirs, 21);
    const model = parseModel(bytes, 'rnn.onnx');
    const config = normalizeConfig(partial);
    const { summary, bytes: out } = await runQuantization(model, config, 'r');
    expect(summary.layers.map((l) => [l.name, l.op])).toEqual([
      ['W', op],
      ['R', op],
    ]);
    expect(summary.skipped).toEqual([]);
    if (partial.granularity === 'block') {
      // R's reduction axis (hidden 8) is shorter than a block of 16: per-channel, and said so.
      expect(summary.layers[1].granularity).toBe('channel');
      expect(summary.layers[1].fallback).toMatch(/block 16 .*\(8\): per-channel/);
    }
    const feeds: Feeds = { x: { dims: [5, 2, 16], data: floats([5, 2, 16], 31) } };
    const fake = await fakeQuantModel(model, config, summary);
    const got = await run(out, feeds, 'node');
    expect(relError(got, await run(fake, feeds, 'node'))).toBeLessThanOrEqual(MAX_REL_ERROR);
    const web = await run(out, feeds, 'web');
    expect(relError(web, await run(referenceFloatModel(out), feeds, 'web'))).toBeLessThanOrEqual(
      MAX_REL_ERROR,
    );
  });
});

/**
 * PyTorch's LSTM export: the W input is Unsqueeze(Concat(Slice(w_ih), Slice(w_ih))) (gate reordering), and the same
 * module runs in both branches of an If, each with its own chain. Folding must give one tensor, quantized once.
 */
function gateReorderedLstm(): Uint8Array {
  const h = 4;
  const i64 = (name: string, v: number[]) => int64Tensor(name, [v.length], v);
  const branch = (tag: string) =>
    buildGraph({
      name: tag,
      nodes: [
        node('Slice', ['w_ih', `${tag}_s0`, `${tag}_e0`, `${tag}_ax`], [`${tag}_a`]),
        node('Slice', ['w_ih', `${tag}_s1`, `${tag}_e1`, `${tag}_ax`], [`${tag}_b`]),
        node('Concat', [`${tag}_b`, `${tag}_a`], [`${tag}_cat`], { axis: 0 }),
        node('Unsqueeze', [`${tag}_cat`, `${tag}_ax`], [`${tag}_W`]),
        node('Unsqueeze', ['w_hh', `${tag}_ax`], [`${tag}_R`]),
        node(
          'LSTM',
          ['x', `${tag}_W`, `${tag}_R`],
          [`${tag}_y`],
          { hidden_size: h },
          { name: `${tag}_lstm` },
        ),
      ],
      outputs: [valueInfo(`${tag}_y`)],
      initializers: [
        i64(`${tag}_s0`, [0]),
        i64(`${tag}_e0`, [2 * h]),
        i64(`${tag}_s1`, [2 * h]),
        i64(`${tag}_e1`, [4 * h]),
        i64(`${tag}_ax`, [0]),
      ],
    });
  return modelBytes(
    buildModel({
      opset: 21,
      inputs: [valueInfo('x', 'float32', [3, 1, 16]), valueInfo('c', 'bool', [])],
      outputs: [valueInfo('y')],
      nodes: [node('If', ['c'], ['y'], { then_branch: branch('t'), else_branch: branch('e') })],
      initializers: [
        floatTensor('w_ih', [4 * h, 16], randn(4 * h * 16, 41)),
        floatTensor('w_hh', [4 * h, h], randn(4 * h * h, 42)),
      ],
    }),
  );
}

describe('constant-only chains to a weight input are folded', () => {
  it('folds Slice→Concat→Unsqueeze in two sibling branches into one shared, quantized weight', async () => {
    const bytes = gateReorderedLstm();
    const { model, folded } = await foldWeightInputs(parseModel(bytes, 'lstm.onnx'));
    expect(folded).toEqual(['t_W', 'e_W']);
    const weights = findWeights(model);
    // W folded once (stored in the main graph); R reaches both LSTMs through an Unsqueeze: tied, in one layout.
    expect(weights.map((w) => [w.op, w.inputIndex, w.uses.length, w.homePath.length])).toEqual([
      ['LSTM', 1, 2, 0],
      ['LSTM', 2, 2, 0],
    ]);
    const { summary, bytes: out } = await runQuantization(model, normalizeConfig({ bits: 4 }), 'r');
    expect(summary.skipped).toEqual([]);
    // Only the 4-bit tensors and their scales are left: w_ih's float copy and its chains are gone.
    expect(floatInitializers(out).filter((n) => !/scale/.test(n))).toEqual([]);
    const x = floats([3, 1, 16], 43);
    for (const c of [true, false]) {
      const feeds: Feeds = { x: { dims: [3, 1, 16], data: x }, c: { dims: [], bool: [c] } };
      for (const runtime of ['node', 'web'] as Runtime[]) {
        const got = await run(out, feeds, runtime);
        expect(relError(got, await run(referenceFloatModel(out), feeds, runtime))).toBeLessThanOrEqual(
          MAX_REL_ERROR,
        );
        expect(relError(got, await run(bytes, feeds, runtime))).toBeLessThan(0.2);
      }
    }
  });
});

describe('exclusions and overrides by subgraph weight names', () => {
  it('accepts every weight name found (outer-scope and nested-branch weights) as --exclude and per-layer bits', async () => {
    const model = parseModel(nestedIf(21), 'if.onnx');
    const names = findWeights(model).map((w) => w.name);
    expect(names).toEqual(['Wout', 'Win', 'Wc']);
    const { summary } = await runQuantization(
      model,
      normalizeConfig({ bits: 8, granularity: 'channel', layers: { Win: { skip: true }, Wc: { bits: 4 } } }),
      'r',
    );
    expect(summary.skipped).toEqual([{ name: 'Win', reason: 'excluded', bytes: expect.any(Number) }]);
    expect(summary.layers.map((l) => [l.name, l.bits]).sort()).toEqual([
      ['Wc', 4],
      ['Wout', 8],
    ]);
  });
});
