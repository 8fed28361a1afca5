// Evaluation actions end to end in-process: the real quantize API, and the real evaluate API on onnxruntime-web's
// Node build, each behind an InProcessBridge. "Terminating" the evaluate bridge swaps in a fresh API instance, as a
// restarted worker would be: no samples, no results.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessBridge } from '../../bridge/in-process-bridge';
import { getEvaluateSession, setEvaluateBridge, setQuantizeBridge, type SampleFile } from '../../bridge';
import { createEvaluateApi, type EvaluateApi } from '../../workers/evaluate.api';
import { quantizeApi, type QuantizeApi } from '../../workers/quantize.api';
import { buildNpy } from '../../../test/fixtures/samples/entries';
import { testModel } from '../../../test/paths';
import { flipsKey, thumbnailKey } from '../eval-slice';
import { selectSamples, variantAccuracy } from '../eval-selectors';
import { PRESETS_KEY } from '../settings';
import { appStore, initialState } from '../store';
import { resultOf } from '../selectors';
import { cancelEvaluation, evaluateAll, setEvalMode } from './evaluate-run';
import {
  clearSamples,
  dismissSamplesError,
  loadSampleFiles,
  refreshPreview,
  resetPreprocess,
  setPreprocess,
  setTabularOptions,
} from './evaluate-samples';
import { ensureThumbnail, prefetchFlips } from './evaluate-views';
import { openFiles } from './open-model';
import { quantizeSelected } from './quantize';

ort.env.wasm.numThreads = 1;

const V8 = 'w8-sym-channel';
const V4 = 'w4-sym-channel';
const blobOf = (bytes: Uint8Array) => new Blob([bytes as Uint8Array<ArrayBuffer>]);
const sample = (abs: string, path: string): SampleFile => ({ path, blob: blobOf(readFileSync(abs)) });
const folder = (dir: string, prefix: string): SampleFile[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => {
      const abs = join(d.parentPath, d.name);
      return sample(abs, `${prefix}/${relative(dir, abs).split(sep).join('/')}`);
    });
const modelFile = (path: string) => new File([readFileSync(testModel(path))], 'model.onnx');
const state = () => appStore.getState();
const flush = () => new Promise<void>((r) => setTimeout(r, 0));

class MemoryStorage {
  map = new Map<string, string>();
  getItem = (k: string) => this.map.get(k) ?? null;
  setItem = (k: string, v: string) => void this.map.set(k, v);
}

let evalApi: EvaluateApi;
let terminations = 0;
let storage: MemoryStorage;

beforeEach(() => {
  appStore.setState(initialState(), true);
  terminations = 0;
  evalApi = createEvaluateApi(ort);
  // Calls go to the current instance: a "restart" replaces it with an empty one.
  const current = new Proxy({} as EvaluateApi, { get: (_, k) => evalApi[k as keyof EvaluateApi] });
  setEvaluateBridge(
    new InProcessBridge<EvaluateApi>(current, () => {
      terminations++;
      evalApi = createEvaluateApi(ort);
    }),
  );
  setQuantizeBridge(new InProcessBridge<QuantizeApi>(quantizeApi));
  storage = new MemoryStorage();
  (globalThis as { localStorage?: unknown }).localStorage = storage;
});

/** Background fetches (flips after an evaluation, previews) finish before the bridges are taken away. */
async function settle() {
  const busy = () => {
    const s = state();
    return (
      s.preview.status === 'loading' ||
      Object.values(s.flips).some((f) => f.status === 'loading') ||
      Object.values(s.thumbnails).some((t) => t.status === 'loading')
    );
  };
  await expect.poll(busy).toBe(false);
  await flush();
}

afterEach(async () => {
  await settle();
  setEvaluateBridge(undefined);
  setQuantizeBridge(undefined);
  delete (globalThis as { localStorage?: unknown }).localStorage;
});

async function modelWithVariants(path: string) {
  await openFiles([modelFile(path)]);
  expect(state().model.status).toBe('ready');
  await quantizeSelected(); // default: 8-bit and 4-bit, symmetric per-channel
  expect(state().variantOrder).toEqual([V8, V4]);
}

const top1 = () => {
  const r = state().evalResult;
  if (!r) throw new Error('no result');
  return [
    r.report.float.accuracy?.top1Accuracy,
    ...r.report.variants.map((v) => v.exact?.accuracy?.top1Accuracy),
  ];
};

describe('iris-mlp-winml on Iris.csv (tabular, dynamic batch)', () => {
  it('reads the table, evaluates float / int8 / int4 = 98 / 98 / 94 %, and lists flips with row values', async () => {
    await modelWithVariants('iris-mlp-winml/model.onnx');
    await loadSampleFiles([sample(testModel('iris-mlp-winml/data/Iris.csv'), 'Iris.csv')], 'Iris.csv');
    await setTabularOptions({ labelColumn: 'Species' });
    const samples = selectSamples(state());
    expect(samples?.info).toMatchObject({ source: 'csv', count: 150, labeled: true });
    expect(samples?.info.tabular?.labelMapping.map((m) => m.name)).toEqual([
      'Iris-setosa',
      'Iris-versicolor',
      'Iris-virginica',
    ]);
    await evaluateAll();
    expect(state().evalRun.status).toBe('idle');
    expect(top1()).toEqual([0.98, 0.98, 0.94]);
    // The variants table's cell: the result of the variant's current run.
    const run4 = resultOf(state().variants[V4])?.runId ?? null;
    expect(variantAccuracy(state().evalResult, V4, run4)).toMatchObject({ top1: 0.94, mode: 'exact' });
    expect(variantAccuracy(state().evalResult, V4, 'another run')).toBeNull();
    // Flips were fetched for every variant right away, and CSV rows carry their feature values.
    await flush();
    await expect.poll(() => state().flips[flipsKey(V4, 'exact')]?.status).toBe('ready');
    const flips = state().flips[flipsKey(V4, 'exact')];
    expect(flips?.status === 'ready' && flips.data.total).toBe(10);
    const first = flips?.status === 'ready' ? flips.data.flips[0] : null;
    expect(first?.features?.map((v) => v.column)).toEqual([
      'SepalLengthCm',
      'SepalWidthCm',
      'PetalLengthCm',
      'PetalWidthCm',
    ]);
    expect(first?.features?.every((v) => /^-?\d+(\.\d+)?$/.test(v.value))).toBe(true); // 5.1, not 5.0999999
  });

  it('an edited label mapping the model does not have fails the evaluation, keeping the earlier result', async () => {
    await modelWithVariants('iris-mlp-winml/model.onnx');
    await loadSampleFiles([sample(testModel('iris-mlp-winml/data/Iris.csv'), 'Iris.csv')], 'Iris.csv');
    await evaluateAll();
    const before = state().evalResult;
    const mapping = selectSamples(state())!.info.tabular!.labelMapping.map((m) =>
      m.name === 'Iris-virginica' ? { ...m, index: 5 } : m,
    );
    await setTabularOptions({ labelColumn: 'Species', labelMapping: mapping });
    expect(selectSamples(state())?.info.classes).toContain('Iris-virginica');
    await evaluateAll();
    expect(state().evalRun).toMatchObject({
      status: 'error',
      error: { name: 'SampleSetError', message: expect.stringContaining("has label 5 ('Iris-virginica')") },
    });
    expect(state().evalResult).toBe(before);
  });
});

describe('mnist-8', () => {
  const MNIST_PNG = testModel('mnist-8/samples/png');

  it('image preprocessing: inferred 0..1 from the input shape, edited to 0..255, saved per model', async () => {
    await openFiles([modelFile('mnist-8/model.onnx')]);
    await loadSampleFiles(folder(MNIST_PNG, 'png'), 'png/');
    expect(selectSamples(state())?.info).toMatchObject({ kind: 'images', count: 1000 });
    expect(state().preprocess).toMatchObject({
      source: 'inferred',
      options: { channels: 'gray', range: '0..1' },
    });
    await expect.poll(() => state().preview.status).toBe('ready');
    const p = state().preview;
    expect(p.status === 'ready' && p.result.samples[0].max).toBe(1);
    expect(p.status === 'ready' && p.result.fit.ok).toBe(true);

    setPreprocess({ range: '0..255' });
    await expect
      .poll(() => {
        const q = state().preview;
        return q.status === 'ready' ? q.result.samples[0].max : null;
      })
      .toBe(255);
    expect(JSON.parse(storage.getItem(PRESETS_KEY) ?? '{}')).toEqual({
      [`CNTKGraph|[1,1,28,28]`]: expect.objectContaining({ range: '0..255' }),
    });

    // Opening the model again picks the preset; reset goes back to the inferred settings.
    await openFiles([modelFile('mnist-8/model.onnx')]);
    expect(state().preprocess).toMatchObject({ source: 'preset', options: { range: '0..255' } });
    expect(selectSamples(state())?.info.count).toBe(1000); // the sample set stays with a new model
    resetPreprocess();
    expect(state().preprocess).toMatchObject({ source: 'inferred', options: { range: '0..1' } });
  });

  it('evaluates on samples.npz; a restarted worker gets the samples again; cancel keeps the earlier result', async () => {
    await modelWithVariants('mnist-8/model.onnx');
    await loadSampleFiles([sample(testModel('mnist-8/samples/samples.npz'), 'samples.npz')], 'samples.npz');
    appStore.setState({ calibrationSplit: 'same' }); // all 1000, as the CLI's numbers
    await evaluateAll();
    expect(top1()).toEqual([0.987, 0.987, 0.986]);
    expect(state().evalResult?.samplesLabel).toBe(
      "evaluated on samples 1–1000 (1000), including calibration's 1–128: not held out",
    );
    const first = state().evalResult;
    expect(state().sizeQualityAxis).toBe('accuracy');

    // After a restart the worker has no samples: the next call reads them again.
    getEvaluateSession().restart();
    const samplesId = selectSamples(state())!.id;
    await ensureThumbnail(samplesId, 3);
    expect(state().thumbnails[thumbnailKey(samplesId, 3)]).toMatchObject({
      status: 'ready',
      data: { width: 28, height: 28 },
    });

    // Cancel once the worker reports progress: the worker is terminated, nothing is shown as an error.
    setEvalMode('both');
    const stop = appStore.subscribe((s) => {
      if (s.evalRun.status === 'running' && s.evalRun.progress) cancelEvaluation();
    });
    await evaluateAll();
    stop();
    expect(state().evalRun.status).toBe('idle');
    expect(state().evalResult).toBe(first);
    expect(terminations).toBe(2);

    // And it evaluates again, in both modes this time.
    await evaluateAll();
    expect(state().evalResult).not.toBe(first);
    const int4 = state().evalResult!.report.variants[1];
    expect(int4.exact?.accuracy?.top1Accuracy).toBe(0.986);
    expect(int4.deployed).not.toBeNull();
    expect(int4.modesDiffer).toBe(true);
  });

  it('holds out the calibration samples: evaluates 129–1000, flips name samples of the whole set', async () => {
    await modelWithVariants('mnist-8/model.onnx');
    await loadSampleFiles([sample(testModel('mnist-8/samples/samples.npz'), 'samples.npz')], 'samples.npz');
    await evaluateAll(); // the default split: calibration 1–128
    const result = state().evalResult!;
    expect(result.report.sampleCount).toBe(872);
    expect(result.report.sampleRange).toEqual({ start: 128, end: 1000 });
    expect(result.samplesLabel).toBe('evaluated on samples 129–1000 (872); calibration uses 1–128');
    const acc = variantAccuracy(result, V4, resultOf(state().variants[V4])!.runId);
    expect(acc?.samples).toBe(872);
    await prefetchFlips(result);
    const flips = state().flips[flipsKey(V4, 'exact')];
    expect(flips?.status).toBe('ready');
    const list = flips?.status === 'ready' ? flips.data.flips : [];
    expect(list.length).toBeGreaterThan(0);
    for (const f of list) {
      expect(f.index).toBeGreaterThanOrEqual(128);
      expect(f.name).toBe(`samples.npz #${f.index}`);
    }
  });

  it('a set without labels reports fidelity only', async () => {
    await modelWithVariants('mnist-8/model.onnx');
    const inputs = readFileSync(testModel('mnist-8/samples/inputs.npy'));
    await loadSampleFiles([{ path: 'inputs.npy', blob: blobOf(inputs) }], 'inputs.npy');
    appStore.setState({ calibrationSplit: 'same' });
    expect(selectSamples(state())?.info.labeled).toBe(false);
    await evaluateAll();
    const r = state().evalResult!.report;
    expect(r.labeled).toBe(false);
    expect(r.float.accuracy).toBeNull();
    expect(r.variants[1].exact?.fidelity!.top1Agreement).toBeCloseTo(0.993, 3);
    const acc = variantAccuracy(state().evalResult, V4, resultOf(state().variants[V4])!.runId);
    expect(acc).toMatchObject({ top1: null, delta: null });
  });
});

describe('bad sample sets', () => {
  it('shows the error naming the file and keeps the previous set and results', async () => {
    await openFiles([modelFile('iris-mlp-winml/model.onnx')]);
    await loadSampleFiles([sample(testModel('iris-mlp-winml/data/Iris.csv'), 'Iris.csv')], 'Iris.csv');
    await evaluateAll();
    const result = state().evalResult;
    expect(result?.report.float.accuracy?.top1Accuracy).toBe(0.98);

    const labels = buildNpy('<i8', [999], new Uint8Array(999 * 8));
    await loadSampleFiles(
      [
        sample(testModel('mnist-8/samples/inputs.npy'), 'set/inputs.npy'),
        { path: 'set/labels.npy', blob: blobOf(labels) },
      ],
      'set/',
    );
    expect(state().samples).toMatchObject({
      status: 'error',
      name: 'set/',
      error: { name: 'SampleSetError', message: expect.stringMatching(/labels\.npy has 999 labels/) },
      previous: { name: 'Iris.csv' },
    });
    expect(state().evalResult).toBe(result);

    await loadSampleFiles([], 'empty/');
    expect(state().samples).toMatchObject({
      status: 'error',
      error: { message: expect.stringMatching(/^empty\/: no files in it/) },
    });
    dismissSamplesError();
    expect(state().samples).toMatchObject({ status: 'ready', loaded: { name: 'Iris.csv' } });

    // The worker lost the set with the failed read: the next preview reads Iris.csv again.
    await refreshPreview();
    expect(state().preview).toMatchObject({ status: 'ready', result: { fit: { ok: true } } });
    clearSamples();
    expect(state().samples.status).toBe('idle');
  });

  it('a set that does not fit the model input blocks Evaluate with the reason', async () => {
    await openFiles([modelFile('mnist-8/model.onnx')]);
    await loadSampleFiles([sample(testModel('iris-mlp-winml/data/Iris.csv'), 'Iris.csv')], 'Iris.csv');
    await expect.poll(() => state().preview.status).toBe('ready');
    const p = state().preview;
    expect(p.status === 'ready' && p.result.fit).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/^Iris\.csv: each sample has shape \[4\]/) },
    });
    await evaluateAll();
    expect(state().evalResult).toBeNull();
    expect(state().evalRun.status).toBe('idle');
  });
});
