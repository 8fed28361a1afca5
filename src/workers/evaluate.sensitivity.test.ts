// Measured sensitivity through the evaluate worker API (onnxruntime-web's Node build), on a hand-made model whose
// answer is known: logits = Relu(x·W1)·W2 + 0·(x·W3).
//   W1: a ramp, quantized with some error → the only layer that moves the outputs (KL > 0).
//   W2: values in {−0.875, 0, 0.875}, exactly representable at int4 (scale 0.125) → KL 0, output identical.
//   W3: one 1 and many 0.07s that round to 0 → the worst weight SQNR, but its branch is multiplied by 0 → KL 0.
// So the proxy ranks W3 first while the measurement ranks W1 first; Spearman's ρ over [W1, W2, W3]:
// measured [kl, 0, 0] vs −SQNR [mid, −∞, high] → ranks [3, 1.5, 1.5] vs [2, 1, 3] → ρ = 0.
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import {
  buildModel,
  floatTensor,
  modelBytes,
  node,
  ramp,
  valueInfo,
} from '../../test/fixtures/onnx-builders';
import { blobOf, file } from '../../test/support/evaluate-cases';
import { buildNpy, bytesOf } from '../../test/fixtures/samples/entries';
import { normalizeConfig } from '../core/quant/config';
import { REPO_ROOT } from '../../test/paths';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SensitivityProgress } from '../protocol/eval-dto';
import { createEvaluateApi } from './evaluate.api';
import { parseModel, findWeights } from '../core/onnx';
import { equalizeModel } from '../core/equalize/equalize';
import { layerVariant } from '../core/sensitivity';

ort.env.wasm.numThreads = 1;

const W2 = Array.from({ length: 32 }, (_, i) => [-0.875, 0, 0.875][i % 3]);
const W3 = Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : i % 2 ? 0.07 : -0.07));
const tiny = modelBytes(
  buildModel({
    opset: 13,
    inputs: [valueInfo('x', 'float32', ['N', 8])],
    outputs: [valueInfo('logits', 'float32', ['N', 4])],
    initializers: [
      floatTensor('W1', [8, 8], ramp(64)),
      floatTensor('W2', [8, 4], W2),
      floatTensor('W3', [8, 4], W3),
      floatTensor('zero', [4], [0, 0, 0, 0]),
    ],
    nodes: [
      node('MatMul', ['x', 'W1'], ['h'], {}, { name: 'mm1' }),
      node('Relu', ['h'], ['r']),
      node('MatMul', ['r', 'W2'], ['a'], {}, { name: 'mm2' }),
      node('MatMul', ['x', 'W3'], ['s'], {}, { name: 'mm3' }),
      node('Mul', ['s', 'zero'], ['z']),
      node('Add', ['a', 'z'], ['logits']),
    ],
  }),
);
const config = normalizeConfig({ bits: 4, granularity: 'tensor' });
/** `n` samples of 8 float32 values for the tiny model, different per sample (an .npy file). */
const tinyInputs = (n: number) =>
  buildNpy(
    '<f4',
    [n, 8],
    bytesOf(Float32Array.from({ length: n * 8 }, (_, i) => Math.sin(i * 0.7) * (1 + (i % 13)))),
  );

describe('sensitivity in the evaluate worker', () => {
  it('ranks the layer that moves the outputs first, whatever its weight SQNR, on the synthetic probe', async () => {
    const api = createEvaluateApi(ort);
    const progress: SensitivityProgress[] = [];
    const r = await api.sensitivity(
      { float: { blob: blobOf(tiny), label: 'tiny.onnx' }, config, source: 'synthetic', preprocess: null },
      (p) => progress.push(p),
    );
    expect(r.synthetic).toBe(true);
    expect(r.metric).toBe('kl');
    expect(r.spec).toMatchObject({ bits: 4, granularity: 'tensor' });
    expect(r.layers.map((l) => [l.name, l.rank, l.proxyRank])).toEqual([
      ['W1', 1, 2],
      ['W2', 2, 3],
      ['W3', 3, 1],
    ]);
    const [w1, w2, w3] = r.layers;
    expect(w1.kl).toBeGreaterThan(1e-6);
    expect(w1.outputSqnrDb).toBeLessThan(60);
    expect([w2.kl, w3.kl]).toEqual([0, 0]);
    expect([w2.outputSqnrDb, w3.outputSqnrDb]).toEqual([Infinity, Infinity]);
    expect([w2.top1Agreement, w3.top1Agreement]).toEqual([1, 1]);
    expect(w2.weightSqnrDb).toBe(Infinity);
    expect(w3.weightSqnrDb).toBeLessThan(w1.weightSqnrDb);
    expect(r.spearman).toBeCloseTo(0, 12);
    expect(r.sampleCount).toBe(8);
    expect(progress.at(-1)).toMatchObject({ layer: 'W3', done: 3, total: 3 });
  });

  it('is cancelled between runs', async () => {
    const api = createEvaluateApi(ort);
    const run = api.sensitivity(
      { float: { blob: blobOf(tiny) }, config, source: 'synthetic', preprocess: null },
      (p) => {
        if (p.done === 1) void api.cancel();
      },
    );
    await expect(run).rejects.toMatchObject({ name: 'CancelledError' });
  });

  it('needs a loaded sample set for source "samples", and says so', async () => {
    const api = createEvaluateApi(ort);
    await expect(
      api.sensitivity({ float: { blob: blobOf(tiny) }, config, source: 'samples', preprocess: null }),
    ).rejects.toMatchObject({ name: 'ModelNotLoadedError' });
  });

  it('measures every layer of a trained fixture on its labelled calibration samples', async () => {
    const dir = resolve(REPO_ROOT, 'test/fixtures/models/dwcnn');
    const api = createEvaluateApi(ort);
    await api.loadSamples([
      file(resolve(dir, 'calibration/inputs.npy'), 'inputs.npy'),
      file(resolve(dir, 'calibration/labels.npy'), 'labels.npy'),
    ]);
    const r = await api.sensitivity({
      float: { blob: blobOf(readFileSync(resolve(dir, 'model.onnx'))), label: 'dwcnn.onnx' },
      config,
      source: 'samples',
      preprocess: null,
      maxSamples: 32,
    });
    expect(r).toMatchObject({ synthetic: false, labeled: true, sampleCount: 32, metric: 'kl', skipped: [] });
    expect(r.layers.length).toBeGreaterThanOrEqual(5);
    expect(r.layers.map((l) => l.rank)).toEqual(r.layers.map((_, i) => i + 1));
    for (let i = 1; i < r.layers.length; i++)
      expect(r.layers[i - 1].score).toBeGreaterThanOrEqual(r.layers[i].score);
    for (const l of r.layers) {
      expect(l.kl).toBe(l.score);
      expect(l.top1Delta).not.toBeNull();
      expect(l.top1Agreement).toBeGreaterThan(0);
    }
    expect(r.spearman).not.toBeNull();
  });

  it('reads only the calibration part it is given (the studio split), and the same samples give the same report', async () => {
    const api = createEvaluateApi(ort);
    await api.loadSamples([{ path: 'x.npy', blob: blobOf(tinyInputs(40)) }]);
    const request = { float: { blob: blobOf(tiny) }, config, source: 'samples' as const, preprocess: null };
    const part = await api.sensitivity({ ...request, range: { start: 0, end: 10 }, maxSamples: 64 });
    expect(part.sampleCount).toBe(10);
    const first = await api.sensitivity({ ...request, maxSamples: 10 });
    expect(part.layers).toEqual(first.layers);
    const later = await api.sensitivity({ ...request, range: { start: 20, end: 40 } });
    expect(later.sampleCount).toBe(20);
    expect(later.layers.map((l) => l.kl)).not.toEqual(first.layers.map((l) => l.kl));
  });

  it('refuses a file that is not a model with a clear error', async () => {
    const api = createEvaluateApi(ort);
    const run = api.sensitivity({
      float: { blob: blobOf(new Uint8Array([1, 2, 3])), label: 'junk.onnx' },
      config,
      source: 'synthetic',
      preprocess: null,
    });
    await expect(run).rejects.toMatchObject({ name: 'OnnxParseError' });
  });

  // Known answers computed by the core directly: the weight SQNR a run reports is that of the spec it used.
  const tinyModel = parseModel(tiny, 'tiny.onnx');
  const weightsOf = (m: typeof tinyModel) => new Map(findWeights(m, {}).map((w) => [w.name, w]));
  const sqnrOf = async (m: typeof tinyModel, name: string, spec: Parameters<typeof layerVariant>[2]) =>
    (await layerVariant(m, weightsOf(m).get(name)!, spec)).weightSqnrDb;
  const measure = (cfg: typeof config, extra: object = {}) =>
    createEvaluateApi(ort).sensitivity({
      float: { blob: blobOf(tiny), label: 'tiny.onnx' },
      config: cfg,
      source: 'synthetic',
      preprocess: null,
      ...extra,
    });

  it("measures each layer with its own per-layer settings at the run's width (and layers kept float too)", async () => {
    const cfg = normalizeConfig({
      bits: 4,
      granularity: 'tensor',
      layers: { W1: { granularity: 'channel', bits: 8 }, W3: { skip: true } },
    });
    const r = await measure(cfg);
    const w1 = r.layers.find((l) => l.name === 'W1')!;
    const perChannel4 = await sqnrOf(tinyModel, 'W1', { ...r.spec, granularity: 'channel', bits: 4 });
    const perTensor4 = await sqnrOf(tinyModel, 'W1', { ...r.spec, granularity: 'tensor', bits: 4 });
    expect(perChannel4).toBeGreaterThan(perTensor4 + 1);
    expect(w1.weightSqnrDb).toBe(perChannel4); // its own granularity, the run's 4 bits (not its override's 8)
    expect(r.layers.map((l) => l.name).sort()).toEqual(['W1', 'W2', 'W3']);
    expect(r.notes).toContain('1 layer(s) measured with their own per-layer settings');
  });

  it('measures on the equalized model when equalization is on', async () => {
    const cfg = normalizeConfig({ bits: 4, granularity: 'tensor', equalize: true });
    const r = await measure(cfg);
    const eq = (await equalizeModel(tinyModel, cfg)).model;
    expect(eq.proto.graph!.initializer.find((t) => t.name === 'W1')).toBeDefined();
    const w1 = r.layers.find((l) => l.name === 'W1')!;
    expect(w1.weightSqnrDb).toBe(await sqnrOf(eq, 'W1', r.spec));
    expect(w1.weightSqnrDb).not.toBe(await sqnrOf(tinyModel, 'W1', r.spec));
    expect(r.notes.some((n) => /cross-layer-equalized model \(1 layer pair/.test(n))).toBe(true);
  });

  it('measures an even sample of the layers when asked, and says so', async () => {
    const r = await measure(config, { selection: { sample: 2 } });
    expect(r.layers.map((l) => l.name).sort()).toEqual(['W1', 'W3']);
    expect(r.measuredLayers).toBe(3);
    expect(r.notes).toContain('a sample of 2 of 3 layers, spread evenly over the graph');
  });
});

describe('whole assignments in the evaluate worker (the budget refinement)', () => {
  it('measures every layer at its chosen width at once, with known answers on the tiny model', async () => {
    const api = createEvaluateApi(ort);
    const float = { blob: blobOf(tiny), label: 'tiny.onnx' };
    const alone = await api.sensitivity({ float, config, source: 'synthetic', preprocess: null });
    const w1 = alone.layers.find((l) => l.name === 'W1')!;
    const got = await api.measureAssignments({
      float,
      config,
      source: 'synthetic',
      preprocess: null,
      assignments: [
        { W1: 'float', W2: 'float', W3: 'float' },
        { W1: 'float', W2: 4, W3: 4 }, // W2 exact at int4, W3's branch × 0: identical outputs
        { W1: 4, W2: 4, W3: 4 }, // only W1 moves the outputs: the same as W1 alone
        { W1: 2, W2: 4, W3: 4 },
        { W1: 8, W2: 4, W3: 4 },
      ],
    });
    expect(got.slice(0, 2)).toEqual([
      { loss: 0, kl: 0, agreement: 1 },
      { loss: 0, kl: 0, agreement: 1 },
    ]);
    expect(got[2].loss).toBeCloseTo(10 ** (-w1.outputSqnrDb / 10), 12);
    expect(got[2].kl).toBeCloseTo(w1.kl!, 12);
    expect(got[3].loss).toBeGreaterThan(got[2].loss);
    expect(got[4].loss).toBeLessThan(got[2].loss);
    await expect(
      api.measureAssignments({
        float,
        config,
        source: 'synthetic',
        preprocess: null,
        assignments: [{ nope: 4 }],
      }),
    ).rejects.toThrow(/no weight named nope/);
  });
});
