// The evaluate worker API in-process, on onnxruntime-web's Node build (wasm, 1 thread): the mnist-8 journey on
// PNG folders (evaluate, flips, thumbnails, cancel). Other sets: evaluate.api.formats.test.ts; bad input:
// evaluate.api.bad-inputs.test.ts. Expected accuracies: test/data/README.md "Reference quantization".
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseModel } from '../core/onnx';
import { runQuantization } from '../core/pipeline/run';
import { normalizeConfig } from '../core/quant/config';
import type { EvalProgress, EvalReport } from '../protocol/eval-dto';
import { testModel } from '../../test/paths';
import { referenceFloatModel } from '../../test/support/reference-float';
import type { EvalRequest } from '../protocol/eval-dto';
import { createEvaluateApi } from './evaluate.api';
import { PROGRESS_INTERVAL_MS } from '../core/progress';
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

describe('mnist-8 (fixed batch 1, logits in the thousands)', () => {
  let mnist: ModelCase;
  beforeAll(async () => {
    mnist = await modelCase('mnist-8/model.onnx');
  });

  describe('on the PNG sample folder', () => {
    const api = createEvaluateApi(ort);
    let report: EvalReport;
    let elapsedMs = 0;
    const progress: EvalProgress[] = [];

    it('reads the folder: labels.csv + classes.txt', async () => {
      const info = await api.loadSamples(folder(testModel('mnist-8/samples/png'), 'png'));
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
      const started = performance.now();
      report = await api.evaluate(req, (p) => progress.push(p));
      elapsedMs = performance.now() - started;
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
      // Throttled: a start and an end per phase, plus at most one message per interval of wall clock (the run's
      // length depends on the machine's load, so the bound does too).
      expect(progress.length).toBeLessThanOrEqual(2 * 5 + Math.ceil(elapsedMs / PROGRESS_INTERVAL_MS));
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

    it('on request, times every model in warmed-up interleaved rounds: median, quartiles, backend and threads', async () => {
      const r = await api.evaluate({
        float: mnist.float,
        variants: mnist.variants,
        preprocess: MNIST_PRE,
        mode: 'deployed',
        maxSamples: 20,
        latency: true,
      });
      expect(r.runtime).toEqual({ backend: 'wasm', threads: 1 });
      for (const l of [r.float.timing.latency, ...r.variants.map((v) => v.deployed!.timing.latency)]) {
        expect(l).toMatchObject({ samplesPerRun: 1, warmupRuns: 3, interleaved: true });
        expect(l!.runs).toBeGreaterThanOrEqual(5);
        expect(l!.minMs).toBeGreaterThan(0);
        expect(l!.q1Ms).toBeLessThanOrEqual(l!.medianMs);
        expect(l!.medianMs).toBeLessThanOrEqual(l!.q3Ms);
        expect(l!.q3Ms).toBeLessThanOrEqual(l!.maxMs);
      }
    });
  });

  it('gives the same numbers from samples.npz', async () => {
    const api = createEvaluateApi(ort);
    const info = await api.loadSamples([file(testModel('mnist-8/samples/samples.npz'), 'samples.npz')]);
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
    const info = await api.loadSamples(folder(testModel('mnist-8/test_data_set_0'), 'test_data_set_0'));
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
    await api.loadSamples([file(testModel('mnist-8/samples/samples.npz'), 'samples.npz')]);
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
    await api.loadSamples([file(testModel('iris-mlp-winml/data/Iris.csv'), 'Iris.csv')]);
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
    await api.loadSamples([file(testModel('mnist-8/samples/samples.npz'), 'samples.npz')]);
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
