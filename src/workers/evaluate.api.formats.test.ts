// The evaluate worker API on other sample formats and models: a CSV table (dynamic batch), .npy inputs, external
// data, a float16 model fed BGR images.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseModel } from '../core/onnx';
import { runQuantization } from '../core/pipeline/run';
import { normalizeConfig } from '../core/quant/config';
import type { PreprocessOptions } from '../core/samples';
import { buildNpy, bytesOf } from '../../test/fixtures/samples/entries';
import { EXTERNAL_K, writeExternalModel } from '../../test/fixtures/external-model';
import { testModel } from '../../test/paths';
import { createEvaluateApi } from './evaluate.api';
import {
  MNIST_PRE,
  blobOf,
  correct,
  expectConsistentFlips,
  file,
  folder,
  modelCase,
  type ModelCase,
} from '../../test/support/evaluate-cases';

ort.env.wasm.numThreads = 1;

describe('iris-mlp-winml on Iris.csv (dynamic batch)', () => {
  const api = createEvaluateApi(ort);
  let iris: ModelCase;
  beforeAll(async () => {
    iris = await modelCase('iris-mlp-winml/model.onnx');
  });

  it('reads the table with Species as label and Id excluded', async () => {
    const info = await api.loadSamples([file(testModel('iris-mlp-winml/data/Iris.csv'), 'data/Iris.csv')], {
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
    expect(r.variants[1].exact!.fidelity.top1Agreement).toBeCloseTo(0.9333, 3);
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
    await ref.loadSamples(folder(testModel('iris-mlp-winml/samples/test_data_set_0'), 'test_data_set_0'));
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
      file(testModel('mnist-onnx-mlir/samples/inputs.npy'), 'samples/inputs.npy'),
      file(testModel('mnist-onnx-mlir/samples/labels.npy'), 'samples/labels.npy'),
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
    expect(r.output.kind).toBe('probabilities');
    expect(r.variants[1].exact!.fidelity.top1Agreement).toBeCloseTo(0.986, 3);
    expect(r.variants[1].exact!.fidelity.meanKl).toBeGreaterThan(0);
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

describe('squeezenet1.0 float16 (float16 input and output [1,1000,1,1], BGR 0..255 images)', () => {
  it('feeds float16 and scores [1,1000,1,1] probabilities', async () => {
    const dir = testModel('squeezenet1.0-fp16-winml');
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
