// The evaluate worker API in-process, on onnxruntime-web's Node build (wasm, 1 thread), with the shared real models.
// Expected accuracies: shared/models/README.md "Reference quantization".
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseModel } from '../core/onnx';
import { runQuantization } from '../core/pipeline/run';
import { normalizeConfig } from '../core/quant/config';
import type { PreprocessOptions } from '../core/samples';
import type { EvalProgress, EvalReport } from '../protocol/eval-dto';
import { buildNpy, bytesOf } from '../../test/fixtures/samples/entries';
import { EXTERNAL_K, writeExternalModel } from '../../test/fixtures/external-model';
import { buildModel, modelBytes, node, valueInfo } from '../../test/fixtures/onnx-builders';
import { sharedModel } from '../../test/paths';
import { referenceFloatModel } from '../../test/support/reference-float';
import { createEvaluateApi, type EvalRequest, type EvalVariantFile, type SampleFile } from './evaluate.api';

ort.env.wasm.numThreads = 1;

const blobOf = (bytes: Uint8Array) => new Blob([bytes as Uint8Array<ArrayBuffer>]);
const file = (abs: string, path: string): SampleFile => ({ path, blob: blobOf(readFileSync(abs)) });
/** Every file under `dir` as a browser folder drop would give it (webkitRelativePath: `<prefix>/<rel>`). */
const folder = (dir: string, prefix: string): SampleFile[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) =>
      file(
        join(d.parentPath, d.name),
        `${prefix}/${relative(dir, join(d.parentPath, d.name)).split(sep).join('/')}`,
      ),
    );

/** The float model and its int8 / int4 per-channel variants, quantized by the real core. */
async function modelCase(path: string) {
  const bytes = new Uint8Array(readFileSync(sharedModel(path)));
  const model = parseModel(bytes, 'm.onnx');
  const quantize = async (bits: 8 | 4) =>
    (await runQuantization(model, normalizeConfig({ bits, granularity: 'channel' }), `q${bits}`)).bytes;
  const variants: EvalVariantFile[] = [
    { id: 'int8', label: 'int8 per-channel', blob: blobOf(await quantize(8)) },
    { id: 'int4', label: 'int4 per-channel', blob: blobOf(await quantize(4)) },
  ];
  return { bytes, float: { blob: blobOf(bytes), label: 'float32' }, variants };
}
type ModelCase = Awaited<ReturnType<typeof modelCase>>;

const MNIST_PRE: PreprocessOptions = {
  width: 28,
  height: 28,
  channels: 'gray',
  layout: 'NCHW',
  range: '0..255',
  mean: [0],
  std: [1],
  flatten: false,
};

/** Correct top-1 counts: float, then each variant in `mode`. */
const correct = (r: EvalReport, mode: 'exact' | 'deployed') => [
  r.float.accuracy?.top1Correct,
  ...r.variants.map((v) => v[mode]?.accuracy?.top1Correct),
];

/** Flip counts must agree with the agreement and accuracy numbers. */
function expectConsistentFlips(r: EvalReport) {
  for (const v of r.variants) {
    for (const m of [v.exact, v.deployed]) {
      if (!m) continue;
      expect(m.flips).toBe(Math.round(r.sampleCount * (1 - m.fidelity!.top1Agreement)));
      if (m.accuracy && r.float.accuracy) {
        expect(r.float.accuracy.top1Correct - (m.flipsBroken ?? 0) + (m.flipsFixed ?? 0)).toBe(
          m.accuracy.top1Correct,
        );
      }
    }
  }
}

describe('mnist-8 (fixed batch 1, logits in the thousands)', () => {
  let mnist: ModelCase;
  beforeAll(async () => {
    mnist = await modelCase('mnist-8/model.onnx');
  });

  describe('on the PNG sample folder', () => {
    const api = createEvaluateApi(ort);
    let report: EvalReport;
    const progress: EvalProgress[] = [];

    it('reads the folder: labels.csv + classes.txt', async () => {
      const info = await api.loadSamples(folder(sharedModel('mnist-8/samples/png'), 'png'));
      expect(info).toMatchObject({
        kind: 'images',
        count: 1000,
        labeled: true,
        sampleDims: [28, 28, 1],
        tabular: null,
      });
      expect(info.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    });

    it('previews the samples as the model sees them, with a fit check', async () => {
      const input = { name: 'Input3', dtype: 'float32', shape: [1, 1, 28, 28] };
      const p = await api.preview(input, MNIST_PRE, 3);
      expect(p.fit).toMatchObject({ ok: true, batch: { kind: 'fixed', size: 1 }, feedDims: [-1, 1, 28, 28] });
      expect(p.samples.map((s) => [s.name, s.label, s.dims])).toEqual([
        ['png/8/0000.png', 8, [1, 28, 28]],
        ['png/0/0001.png', 0, [1, 28, 28]],
        ['png/2/0002.png', 2, [1, 28, 28]],
      ]);
      expect(p.samples[0]).toMatchObject({ min: 0, max: 255 });
      expect(p.samples[0].thumbnail).toMatchObject({ width: 28, height: 28 });
      expect(p.samples[0].thumbnail!.data.length).toBe(28 * 28 * 4);

      const guessed = await api.preview(input, null, 1);
      expect(guessed).toMatchObject({
        preprocessInferred: true,
        preprocess: { channels: 'gray', range: '0..1' },
      });
      expect(guessed.samples[0].max).toBe(1);

      const rgb = await api.preview(
        { name: 'data_0', dtype: 'float32', shape: [1, 3, 224, 224] },
        MNIST_PRE,
        1,
      );
      expect(rgb.fit).toEqual({
        ok: false,
        error: {
          name: 'SampleSetError',
          message:
            "png/labels.csv: each sample has shape [1,28,28] but model input 'data_0' expects [1,3,224,224] (per sample [3,224,224])",
        },
      });
    });

    it('evaluates float, int8 and int4 in both modes: 98.7 / 98.7 / 98.6 % exact', async () => {
      const req: EvalRequest = {
        float: mnist.float,
        variants: mnist.variants,
        preprocess: MNIST_PRE,
        mode: 'both',
      };
      report = await api.evaluate(req, (p) => progress.push(p));
      expect(correct(report, 'exact')).toEqual([987, 987, 986]);
      const deployed = correct(report, 'deployed');
      expect(deployed[1]).toBe(987);
      expect(Math.abs(deployed[2]! - 986)).toBeLessThanOrEqual(3); // activation quantization may move a few samples
      expect(report.input).toMatchObject({ samplesPerRun: 1, runDims: [1, 1, 28, 28] });
      expect(report.output).toMatchObject({ name: 'Plus214_Output_0', kind: 'logits' });
      expect(report.float.timing.runs).toBe(1000);
      expect(report.float.timing.latencyMsPerSample).toBeGreaterThan(0);
      const [int8, int4] = report.variants;
      expect(int8.exact).toMatchObject({ top1Delta: 0, flips: 0, fidelity: { top1Agreement: 1 } });
      expect(int4.exact!.fidelity!.top1Agreement).toBeCloseTo(0.993, 3);
      expect(int4.exact!.top1Delta).toBeCloseTo(-0.001, 6);
      // The MatMul weight is rewritten to an int8-activation kernel by default: deployed outputs differ from exact.
      expect(int8.modesDiffer).toBe(true);
      expect(int4.modeComparison!.maxAbsDiff).toBeGreaterThan(0);
      expect(report.float.accuracy!.confusion.reduce((a, b) => a + b, 0)).toBe(1000);
      expectConsistentFlips(report);
    });

    it('reported progress for each of the 5 phases, throttled', () => {
      const ends = progress
        .filter((p) => p.done === p.total)
        .map((p) => `${p.variantId ?? 'float'}:${p.mode}`);
      expect(ends).toEqual(['float:exact', 'int8:exact', 'int8:deployed', 'int4:exact', 'int4:deployed']);
      expect(progress.every((p) => p.steps === 5 && p.total === 1000)).toBe(true);
      expect(progress.length).toBeLessThan(200);
    });

    it('lists the int4 flips with names, labels and probabilities', async () => {
      const f = await api.flips('int4', 'exact', 100);
      expect(f.total).toBe(7);
      expect(f.total).toBe(report.variants[1].exact!.flips);
      expect(f.flips).toHaveLength(7);
      expect(f.broken! - f.fixed!).toBe(1); // 987 → 986
      for (const x of f.flips) {
        expect(x.name).toMatch(/^png\/\d\/\d{4}\.png$/);
        expect(x.variantPrediction).not.toBe(x.floatPrediction);
        expect(x.labelName).toBe(String(x.label));
        expect(x.floatProbability).toBeGreaterThan(0);
        expect(x.floatProbability).toBeLessThanOrEqual(1);
        expect(x.variantProbability).toBeGreaterThanOrEqual(x.variantProbabilityOfFloatClass);
      }
      expect((await api.flips('int8', 'deployed', 10)).total).toBe(0);
    });

    it('gives gallery thumbnails of the decoded images', async () => {
      const t = await api.sampleThumbnail(3, 96);
      expect(t).toMatchObject({ width: 28, height: 28 });
      const small = await api.sampleThumbnail(3, 14);
      expect(small).toMatchObject({ width: 14, height: 14 });
      await expect(api.sampleThumbnail(1000)).rejects.toMatchObject({ name: 'SampleSetError' });
    });
  });

  it('gives the same numbers from samples.npz', async () => {
    const api = createEvaluateApi(ort);
    const info = await api.loadSamples([file(sharedModel('mnist-8/samples/samples.npz'), 'samples.npz')]);
    expect(info).toMatchObject({ kind: 'tensor', source: 'npz', count: 1000, sampleDims: [1, 28, 28] });
    const r = await api.evaluate({
      float: mnist.float,
      variants: mnist.variants,
      preprocess: null,
      mode: 'exact',
    });
    expect(correct(r, 'exact')).toEqual([987, 987, 986]);
    expect(r.variants[1].exact!.fidelity!.top1Agreement).toBeCloseTo(0.993, 3);
    expect(r.variants[0].deployed).toBeNull();
    expect(await api.sampleThumbnail(0, 96)).toMatchObject({ width: 28, height: 28 });
  });

  it('matches the zoo reference output (test_data_set_0) and reports fidelity only without labels', async () => {
    const api = createEvaluateApi(ort);
    const info = await api.loadSamples(folder(sharedModel('mnist-8/test_data_set_0'), 'test_data_set_0'));
    expect(info).toMatchObject({
      source: 'onnx-test-data',
      count: 1,
      labeled: false,
      referenceOutputDims: [10],
    });
    const r = await api.evaluate({
      float: mnist.float,
      variants: mnist.variants,
      preprocess: null,
      mode: 'both',
    });
    expect(r.reference).toMatchObject({ count: 1, top1Agreement: 1 });
    expect(r.reference!.maxAbsDiff).toBeLessThan(1e-2); // logits of ~6.5e3
    expect(r.reference!.maxAbsReference).toBeGreaterThan(1000);
    expect(r.labeled).toBe(false);
    expect(r.float.accuracy).toBeNull();
    for (const v of r.variants) {
      expect(v.exact).toMatchObject({
        accuracy: null,
        top1Delta: null,
        flipsBroken: null,
        fidelity: { count: 1 },
      });
    }
  });

  it('exact mode equals the float model with dequantized weights; deployed does not', async () => {
    const api = createEvaluateApi(ort);
    await api.loadSamples([file(sharedModel('mnist-8/samples/samples.npz'), 'samples.npz')]);
    const model = parseModel(mnist.bytes, 'm.onnx');
    const configs = [
      { bits: 4, granularity: 'channel' },
      { bits: 4, granularity: 'block', blockSize: 16, format: 'matmulnbits' }, // MatMul weight as MatMulNBits
    ];
    for (const config of configs) {
      const q = await runQuantization(model, normalizeConfig(config), 'x');
      const r = await api.evaluate({
        float: { blob: blobOf(referenceFloatModel(q.bytes)), label: 'dequantized float' },
        variants: [{ id: 'q', label: 'quantized', blob: blobOf(q.bytes) }],
        preprocess: null,
        mode: 'both',
        maxSamples: 200,
      });
      const v = r.variants[0];
      expect(v.exact!.fidelity!.maxAbsDiff, JSON.stringify(config)).toBe(0);
      // DQ→MatMul is rewritten to int8 activations by default; MatMulNBits (accuracy_level 0) is not.
      expect(v.deployed!.fidelity!.maxAbsDiff > 0, JSON.stringify(config)).toBe(
        config.format !== 'matmulnbits',
      );
    }
  });

  it('rejects samples that do not fit the model, naming the file and both shapes', async () => {
    const api = createEvaluateApi(ort);
    await api.loadSamples([file(sharedModel('iris-mlp-winml/data/Iris.csv'), 'Iris.csv')]);
    await expect(
      api.evaluate({ float: mnist.float, variants: [], preprocess: null, mode: 'exact' }),
    ).rejects.toMatchObject({
      name: 'SampleSetError',
      message: expect.stringMatching(
        /^Iris\.csv: each sample has shape \[4\] but model input 'Input3' expects \[1,1,28,28\]/,
      ),
    });
  });

  it('cancels running and queued evaluations, then evaluates again', async () => {
    const api = createEvaluateApi(ort);
    await api.loadSamples([file(sharedModel('mnist-8/samples/samples.npz'), 'samples.npz')]);
    const req: EvalRequest = {
      float: mnist.float,
      variants: mnist.variants,
      preprocess: null,
      mode: 'exact',
    };
    const first = api.evaluate(req);
    const second = api.evaluate(req);
    await api.cancel();
    await expect(first).rejects.toMatchObject({ name: 'CancelledError' });
    await expect(second).rejects.toMatchObject({ name: 'CancelledError' });
    const again = await api.evaluate({ ...req, maxSamples: 50 });
    expect(again.sampleCount).toBe(50);
  });
});

describe('iris-mlp-winml on Iris.csv (dynamic batch)', () => {
  const api = createEvaluateApi(ort);
  let iris: ModelCase;
  beforeAll(async () => {
    iris = await modelCase('iris-mlp-winml/model.onnx');
  });

  it('reads the table with Species as label and Id excluded', async () => {
    const info = await api.loadSamples([file(sharedModel('iris-mlp-winml/data/Iris.csv'), 'data/Iris.csv')], {
      tabular: { labelColumn: 'Species', excludeColumns: ['Id'] },
    });
    expect(info).toMatchObject({ kind: 'tensor', source: 'csv', count: 150, sampleDims: [4] });
    expect(info.tabular).toMatchObject({
      featureColumns: ['SepalLengthCm', 'SepalWidthCm', 'PetalLengthCm', 'PetalWidthCm'],
      labelColumn: 'Species',
      labelMapping: [
        { name: 'Iris-setosa', index: 0 },
        { name: 'Iris-versicolor', index: 1 },
        { name: 'Iris-virginica', index: 2 },
      ],
    });
  });

  it('evaluates in batches: 98.0 / 98.0 / 94.0 %', async () => {
    const r = await api.evaluate({
      float: iris.float,
      variants: iris.variants,
      preprocess: null,
      mode: 'both',
    });
    expect(correct(r, 'exact')).toEqual([147, 147, 141]);
    expect(correct(r, 'deployed')).toEqual([147, 147, 141]);
    expect(r.input).toMatchObject({
      batch: { kind: 'dynamic', symbol: 'batch_size' },
      samplesPerRun: 32,
      runDims: [32, 4],
    });
    expect(r.float.timing.runs).toBe(5);
    expect(r.variants[1].exact!.fidelity!.top1Agreement).toBeCloseTo(0.9333, 3);
    expect(r.topK).toBe(3);
    expect(r.variants.every((v) => v.modesDiffer === false)).toBe(true); // Gemm weights are not rewritten
    expectConsistentFlips(r);
    const flips = await api.flips('int4', 'exact', 3);
    expect(flips.total).toBe(10);
    expect(flips.flips).toHaveLength(3);
    expect(flips.flips[0].name).toMatch(/^data\/Iris\.csv row \d+$/);
    expect(flips.flips[0].labelName).toMatch(/^Iris-/);
    expect(await api.sampleThumbnail(0)).toBeNull(); // 4 features: not an image
  });

  it('re-reads with an edited label mapping and rejects labels the model does not have', async () => {
    const info = await api.setTabularOptions({
      labelColumn: 'Species',
      excludeColumns: ['Id'],
      labelMapping: [
        { name: 'Iris-setosa', index: 0 },
        { name: 'Iris-versicolor', index: 1 },
        { name: 'Iris-virginica', index: 5 },
      ],
    });
    expect(info.classes).toEqual(['Iris-setosa', 'Iris-versicolor', '#2', '#3', '#4', 'Iris-virginica']);
    await expect(api.flips('int4', 'exact', 1)).rejects.toMatchObject({ name: 'EvaluationError' }); // results dropped
    await expect(
      api.evaluate({ float: iris.float, variants: [], preprocess: null, mode: 'exact', batchSize: 50 }),
    ).rejects.toMatchObject({
      name: 'SampleSetError',
      message:
        "data/Iris.csv: sample 100 (data/Iris.csv row 101) has label 5 ('Iris-virginica'), but output 'output' has 3 classes (0..2)",
    });
  });

  it('matches its reference outputs (150 rows in one test data set)', async () => {
    const ref = createEvaluateApi(ort);
    await ref.loadSamples(folder(sharedModel('iris-mlp-winml/samples/test_data_set_0'), 'test_data_set_0'));
    const r = await ref.evaluate({
      float: iris.float,
      variants: [],
      preprocess: null,
      mode: 'exact',
      batchSize: 64,
    });
    expect(r.reference).toMatchObject({ count: 150, top1Agreement: 1 });
    expect(r.reference!.maxAbsDiff).toBeLessThan(1e-4);
    expect(r.float.timing.runs).toBe(3);
  });
});

describe('mnist-onnx-mlir on inputs.npy + labels.npy (probabilities)', () => {
  it('evaluates 91.4 / 91.4 / 91.4 %', async () => {
    const mlir = await modelCase('mnist-onnx-mlir/model.onnx');
    const api = createEvaluateApi(ort);
    const info = await api.loadSamples([
      file(sharedModel('mnist-onnx-mlir/samples/inputs.npy'), 'samples/inputs.npy'),
      file(sharedModel('mnist-onnx-mlir/samples/labels.npy'), 'samples/labels.npy'),
    ]);
    expect(info).toMatchObject({ source: 'npy', count: 1000, labeled: true });
    const r = await api.evaluate({
      float: mlir.float,
      variants: mlir.variants,
      preprocess: null,
      mode: 'both',
    });
    expect(correct(r, 'exact')).toEqual([914, 914, 914]);
    expect(correct(r, 'deployed')).toEqual([914, 914, 914]);
    expect(r.output!.kind).toBe('probabilities');
    expect(r.variants[1].exact!.fidelity!.top1Agreement).toBeCloseTo(0.986, 3);
    expect(r.variants[1].exact!.fidelity!.meanKl).toBeGreaterThan(0);
    expectConsistentFlips(r);
  });
});

describe('models with external data', () => {
  it('passes the external-data files to onnxruntime, and says so when they are missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eval-external-'));
    try {
      const model = { blob: blobOf(readFileSync(writeExternalModel(dir))), label: 'external' };
      const externalData = [{ path: 'weights.bin', blob: blobOf(readFileSync(join(dir, 'weights.bin'))) }];
      const api = createEvaluateApi(ort);
      const x = Float32Array.from({ length: 5 * EXTERNAL_K }, (_, i) => Math.sin(i));
      await api.loadSamples([
        { path: 'inputs.npy', blob: blobOf(buildNpy('<f4', [5, EXTERNAL_K], bytesOf(x))) },
      ]);
      const r = await api.evaluate({
        float: { ...model, externalData },
        variants: [{ ...model, id: 'same', label: 'same file', externalData }],
        preprocess: null,
        mode: 'exact',
      });
      expect(r).toMatchObject({ sampleCount: 5, labeled: false, numClasses: 32 });
      expect(r.variants[0].exact!.fidelity).toMatchObject({ count: 5, maxAbsDiff: 0, top1Agreement: 1 });
      await expect(
        api.evaluate({ float: model, variants: [], preprocess: null, mode: 'exact' }),
      ).rejects.toMatchObject({
        name: 'EvaluationError',
        message: expect.stringMatching(/^external: onnxruntime could not load the model/),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bad inputs', () => {
  it('rejects a label file that does not match the inputs, naming both files', async () => {
    const api = createEvaluateApi(ort);
    const labels = buildNpy('<i8', [999], bytesOf(new BigInt64Array(999)));
    await expect(
      api.loadSamples([
        file(sharedModel('mnist-8/samples/inputs.npy'), 'inputs.npy'),
        { path: 'labels.npy', blob: blobOf(labels) },
      ]),
    ).rejects.toMatchObject({
      name: 'SampleSetError',
      message: expect.stringMatching(/labels\.npy has 999 labels but inputs\.npy has 1,000 samples/),
    });
  });

  it('feeds zeros to a second input with no data, and rejects calls that need state the worker does not have', async () => {
    const api = createEvaluateApi(ort);
    await expect(api.preview({ dtype: 'float32', shape: [1, 4] }, null)).rejects.toMatchObject({
      name: 'ModelNotLoadedError',
    });
    await api.loadSamples([file(sharedModel('iris-mlp-winml/samples/inputs.npy'), 'inputs.npy')]);
    const twoInputs = modelBytes(
      buildModel({
        opset: 13,
        inputs: [valueInfo('a', 'float32', ['N', 4]), valueInfo('b', 'float32', ['N', 4])],
        outputs: [valueInfo('y', 'float32', ['N', 4])],
        nodes: [node('Add', ['a', 'b'], ['y'])],
      }),
    );
    // The one array feeds 'a'; 'b' is not in the samples and is fed zeros, which the report says.
    const two = await api.evaluate({
      float: { blob: blobOf(twoInputs) },
      variants: [],
      preprocess: null,
      mode: 'exact',
    });
    expect(two.notes.join('\n')).toMatch(/input 'b' float32 \[N,4\] is not in the samples: fed zeros/);
    await expect(
      api.evaluate({
        float: { blob: blobOf(new Uint8Array([1, 2, 3])) },
        variants: [],
        preprocess: null,
        mode: 'exact',
      }),
    ).rejects.toMatchObject({
      name: 'EvaluationError',
      message: expect.stringMatching(/^float model: onnxruntime could not load the model/),
    });
    await expect(api.setTabularOptions({ labelColumn: 'x' })).rejects.toMatchObject({
      name: 'SampleSetError',
    });
    await expect(api.flips('x', 'exact', 1)).rejects.toMatchObject({ name: 'EvaluationError' });
    const r = await api.preview({ name: 'input', dtype: 'int64', shape: ['N', 4] }, null);
    expect(r.fit).toMatchObject({
      ok: false,
      error: {
        name: 'EvaluationError',
        message: "model input 'input' is int64; the evaluator feeds float32 or float16 inputs",
      },
    });
  });
});

describe('squeezenet1.0 float16 (float16 input and output [1,1000,1,1], BGR 0..255 images)', () => {
  it('feeds float16 and scores [1,1000,1,1] probabilities', async () => {
    const dir = sharedModel('squeezenet1.0-fp16-winml');
    const bytes = new Uint8Array(readFileSync(join(dir, 'model_fp16.onnx')));
    const int8 = await runQuantization(
      parseModel(bytes, 'm.onnx'),
      normalizeConfig({ bits: 8, granularity: 'channel' }),
      'q8',
    );
    const api = createEvaluateApi(ort);
    const info = await api.loadSamples([
      file(join(dir, 'images/kitten_224.png'), 'images/kitten_224.png'),
      file(join(dir, 'images/fish.png'), 'images/fish.png'),
      file(join(dir, 'samples/labels.csv'), 'samples/labels.csv'),
    ]);
    expect(info).toMatchObject({ kind: 'images', count: 2, labeled: true });
    const pre: PreprocessOptions = { ...MNIST_PRE, width: 224, height: 224, channels: 'bgr' };
    const r = await api.evaluate({
      float: { blob: blobOf(bytes) },
      variants: [{ id: 'int8', label: 'int8', blob: blobOf(int8.bytes) }],
      preprocess: pre,
      mode: 'exact',
    });
    expect(r.input).toMatchObject({ name: 'data_0', dtype: 'float16', runDims: [1, 3, 224, 224] });
    expect(r.output).toMatchObject({ name: 'softmaxout_1', dtype: 'float16', kind: 'probabilities' });
    expect(r.numClasses).toBe(1000);
    expect(correct(r, 'exact')).toEqual([2, 2]);
  });
});
