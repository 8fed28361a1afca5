import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { parseModel } from '../core/onnx';
import { defaultQuantConfig, normalizeConfig } from '../core/quant/config';
import { runQuantization } from '../core/pipeline/run';
import type { Progress } from '../protocol/dto';
import { testModel } from '../../test/paths';
import { EXTERNAL_K, writeExternalModel } from '../../test/fixtures/external-model';
import { quantizeApi as api } from './quantize.api';
import { openModelFile } from '../cli/files';
import { readParts } from '../core/export/stream';
import { downloadFileName } from '../state/variant-key';

const MLIR = testModel('mnist-onnx-mlir/model.onnx');
const bytes = new Uint8Array(readFileSync(MLIR));
const open = (modelId: string, data: Uint8Array = bytes, fileName = 'model.onnx') =>
  api.open({ modelId, file: new Blob([data as Uint8Array<ArrayBuffer>]), fileName, sidecars: [] });

const bytesOf = async (blob: Promise<Blob>) => new Uint8Array(await (await blob).arrayBuffer());

describe('quantize worker API', () => {
  it('opens a model and returns only its summary', async () => {
    const s = await open('m1');
    expect(s.weights.map((w) => w.name)).toEqual(['fc1.weight', 'fc2.weight']);
    expect(s.opsets['']).toBe(13);
    expect(s.inputs[0]).toMatchObject({ name: 'image', dtype: 'float32', shape: [1, 1, 28, 28] });
  });

  it('quantizes with progress, exports the same bytes the CLI core writes, and onnxruntime loads them', async () => {
    await open('m2');
    const progress: Progress[] = [];
    const config = normalizeConfig({ bits: 4 });
    const summary = await api.quantize('m2', 'r4', config, (p) => progress.push(p));
    expect(summary.layers.map((l) => l.name)).toEqual(['fc1.weight', 'fc2.weight']);
    expect(progress.at(-1)).toEqual({ status: 'writing', fraction: 1 });
    const exported = await bytesOf(api.exportModel('r4'));
    expect(exported.length).toBe(summary.fileBytesAfter);
    const direct = await runQuantization(parseModel(bytes, 'model.onnx'), config, 'cli');
    expect(Buffer.from(exported).equals(Buffer.from(direct.bytes))).toBe(true);
    const session = await ort.InferenceSession.create(exported);
    expect(session.outputNames).toEqual(['prediction']);
    // A second export still works.
    expect((await bytesOf(api.exportModel('r4'))).length).toBe(exported.length);
    // Below protobuf's 2 GiB the export is one file: no external data file to download.
    expect(await api.exportDataFile('r4')).toBeNull();
  });

  it('plans a budget: the assignment is a config that quantizes within it, like the CLI', async () => {
    await open('mb');
    const base = normalizeConfig({ bits: 8 });
    const plan = await api.planBudget('mb', 'plan-mb', base, { targetBits: 4.5 });
    // fc2 (1280 weights) is the only layer the extra half bit can upgrade (docs/ranges.md).
    expect(plan.chosen).toEqual({ 'fc1.weight': 4, 'fc2.weight': 8 });
    expect(plan.floor).toBe(4);
    expect(plan.config.layers).toEqual({ 'fc1.weight': { bits: 4 }, 'fc2.weight': { bits: 8 } });
    expect(plan.config.mixed).toEqual({ targetBits: 4.5, proxy: 'weight-error' });
    const summary = await api.quantize('mb', 'rb', plan.config);
    expect(summary.layers.map((l) => l.bits)).toEqual([4, 8]);
    const bySize = await api.planBudget('mb', 'plan-mb', base, { fileBytes: summary.fileBytesAfter });
    const sized = await api.quantize('mb', 'rs', bySize.config);
    expect(sized.fileBytesAfter).toBeLessThanOrEqual(summary.fileBytesAfter);
    await expect(api.planBudget('mb', 'plan-mb', base, { targetBits: 1 })).rejects.toThrow(
      /below the smallest/,
    );
  });

  it('gives histograms on shared edges, channel ranges and an error curve', async () => {
    await open('m3');
    await api.quantize('m3', 'r8', normalizeConfig({ bits: 8 }));
    const h = await api.histogram('m3', 'fc2.weight', 'r8', 64);
    expect(h.edges.length).toBe(65);
    expect(h.float.reduce((a, b) => a + b, 0)).toBe(1280);
    expect(h.quantized!.reduce((a, b) => a + b, 0)).toBe(1280);
    const floatOnly = await api.histogram('m3', 'fc2.weight', null, 64);
    expect(floatOnly.quantized).toBeNull();
    const r = await api.channelRanges('m3', 'fc1.weight');
    expect(r.min.length).toBe(128);
    expect([...r.min].every((m, i) => m <= r.max[i])).toBe(true);
    const curve = await api.errorCurve('m3', null, defaultQuantConfig, [2, 4, 8]);
    expect(curve.map((p) => p.bits)).toEqual([2, 4, 8]);
    expect(curve[0].sqnrDb).toBeLessThan(curve[1].sqnrDb);
    expect(curve[1].sqnrDb).toBeLessThan(curve[2].sqnrDb);
    expect(curve.every((p) => p.share === undefined)).toBe(true); // a small model: every value, no estimate
    const seen: [number, number][] = [];
    await api.errorCurve('m3', null, defaultQuantConfig, [4], (done, total) => seen.push([done, total]));
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.map(([d]) => d)).toEqual(seen.map((_, i) => i + 1));
    expect(seen.every(([, t]) => t === seen.length)).toBe(true);
  });

  it('supersedes a whole-model error curve by a newer one, and answers views one at a time', async () => {
    await open('m3s');
    const old = api.errorCurve('m3s', null, defaultQuantConfig, [4, 8]);
    const hist = api.histogram('m3s', 'fc1.weight', null, 16);
    const next = api.errorCurve('m3s', null, { ...defaultQuantConfig, granularity: 'tensor' }, [4, 8]);
    await expect(old).rejects.toMatchObject({ name: 'CancelledError' });
    expect((await hist).float.length).toBe(16);
    expect((await next).map((p) => p.bits)).toEqual([4, 8]);
  });

  it('gives per-channel errors of a run, and the step and levels of a per-tensor one', async () => {
    await open('m5');
    await api.quantize('m5', 'rc8', normalizeConfig({ bits: 8 }));
    await api.quantize('m5', 'rt2', normalizeConfig({ bits: 2, granularity: 'tensor' }));
    const c = await api.channelErrors('m5', 'fc1.weight', 'rc8');
    expect(c.sqnrDb).toHaveLength(128);
    expect(c).toMatchObject({ axis: 0, step: null, levels: null, zeroedCount: 0 });
    expect(Math.min(...c.sqnrDb)).toBeGreaterThan(30);
    const t = await api.channelErrors('m5', 'fc1.weight', 'rt2');
    expect(t.step).toBeGreaterThan(0);
    expect(Array.from(t.levels!)).toEqual([-t.step!, 0, t.step!]);
    // 2-bit per-tensor: levels −1, 0, 1 × max|w|: narrow channels lose every weight.
    expect(t.zeroedCount).toBe(t.zeroed.reduce((a, b) => a + b, 0));
    expect(Math.max(...t.sqnrDb.filter(Number.isFinite))).toBeLessThan(Math.min(...c.sqnrDb));
  });

  it('cancels a running job with CancelledError and stays usable', async () => {
    await open('m4');
    const run = api.quantize('m4', 'rc', normalizeConfig({ bits: 4 }));
    await api.cancel('rc');
    await expect(run).rejects.toMatchObject({ name: 'CancelledError' });
    const again = await api.quantize('m4', 'rc2', normalizeConfig({ bits: 4 }));
    expect(again.layers.length).toBe(2);
  });

  it.each([
    [
      'a corrupt file',
      () => open('bad', new TextEncoder().encode('not a model at all'), 'x.onnx'),
      'OnnxParseError',
    ],
    ['a truncated model', () => open('bad', bytes.subarray(0, 4000), 'x.onnx'), 'OnnxParseError'],
    ['an unknown model id', () => api.quantize('nope', 'r', defaultQuantConfig), 'ModelNotLoadedError'],
    ['an unknown run', () => api.exportModel('nope'), 'ModelNotLoadedError'],
    [
      'an unknown weight',
      async () => (await open('m5'), api.histogram('m5', 'fc9', null)),
      'QuantConfigError',
    ],
    [
      'a bad config',
      async () => (await open('m6'), api.quantize('m6', 'r', { ...defaultQuantConfig, bits: 9 as never })),
      'QuantConfigError',
    ],
  ])('rejects %s with a named error', async (_, call, name) => {
    await expect(call()).rejects.toMatchObject({ name });
  });

  it('opens a model with its external data file and exports a file that stands alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qstudio-api-ext-'));
    writeExternalModel(dir);
    const blob = (name: string) => new Blob([readFileSync(join(dir, name))]);
    const missing = api.open({
      modelId: 'e0',
      file: blob('external.onnx'),
      fileName: 'external.onnx',
      sidecars: [],
    });
    await expect(missing).rejects.toMatchObject({
      name: 'ExternalDataMissingError',
      message: expect.stringContaining('weights.bin'),
    });
    const s = await api.open({
      modelId: 'e1',
      file: blob('external.onnx'),
      fileName: 'external.onnx',
      sidecars: [{ name: 'weights.bin', blob: blob('weights.bin') }],
    });
    expect(s.externalFiles).toEqual(['weights.bin']);
    const summary = await api.quantize(
      'e1',
      're',
      normalizeConfig({ bits: 8, layers: { w: { skip: true } } }),
    );
    expect(summary.fileBytesBefore).toBe(
      statSync(join(dir, 'external.onnx')).size + statSync(join(dir, 'weights.bin')).size,
    );
    // Both initializers were external; the exported file carries them inline and loads without weights.bin.
    const session = await ort.InferenceSession.create(await bytesOf(api.exportModel('re')));
    const x = new ort.Tensor('float32', new Float32Array(EXTERNAL_K).fill(1), [1, EXTERNAL_K]);
    const y = (await session.run({ x })).y.data as Float32Array;
    const original = await ort.InferenceSession.create(join(dir, 'external.onnx'));
    const want = (await original.run({ x })).y.data as Float32Array;
    expect([...y]).toEqual([...want]); // w was excluded: the export is the float model, byte for byte in its weights
  });

  it('forgets runs of a closed model', async () => {
    await open('m7');
    await api.quantize('m7', 'r7', defaultQuantConfig);
    await api.close('m7');
    await expect(api.exportModel('r7')).rejects.toMatchObject({ name: 'ModelNotLoadedError' });
  });
});

describe('quantize worker API: external data on request', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qstudio-api-split-'));
  writeExternalModel(dir);
  const CASES: [string, string, string[]][] = [
    ['a one-file model', MLIR, []],
    ['a model with external data', join(dir, 'external.onnx'), ['weights.bin']],
  ];
  it.each(CASES)(
    '%s: model.onnx + model.onnx_data equal the CLI’s --external-data bytes and load in onnxruntime-node',
    async (_, path, sidecars) => {
      const fileName = basename(path);
      const id = `split-${fileName}`;
      await api.open({
        modelId: id,
        file: new Blob([readFileSync(path)]),
        fileName,
        sidecars: sidecars.map((name) => ({
          name,
          blob: new Blob([readFileSync(join(dirname(path), name))]),
        })),
      });
      const config = normalizeConfig({ bits: 8 });
      await api.quantize(id, `${id}-r`, config);
      expect(await api.exportDataFile(`${id}-r`)).toBeNull(); // one file unless asked
      const onnx = await bytesOf(api.exportModel(`${id}-r`, true));
      const data = (await api.exportDataFile(`${id}-r`, true))!;
      const location = `${downloadFileName(fileName, config)}_data`;
      expect(data.name).toBe(location);
      // The CLI's core on the same files, asked for external data with the same data file name.
      const cli = await runQuantization(
        await openModelFile(path),
        config,
        'cli',
        {},
        {
          externalData: 'always',
          dataLocation: location,
        },
      );
      expect(Buffer.from(onnx).equals(Buffer.from(await readParts(cli.file)))).toBe(true);
      const dataBytes = new Uint8Array(await data.blob.arrayBuffer());
      expect(Buffer.from(dataBytes).equals(Buffer.from(await readParts(cli.externalData!)))).toBe(true);
      // Saved side by side, onnxruntime-node loads them and computes what the one-file export computes.
      const out = mkdtempSync(join(tmpdir(), 'qstudio-api-split-out-'));
      writeFileSync(join(out, 'model.onnx'), onnx);
      writeFileSync(join(out, location), dataBytes);
      const two = await ort.InferenceSession.create(join(out, 'model.onnx'));
      const one = await ort.InferenceSession.create(await bytesOf(api.exportModel(`${id}-r`)));
      const input = one.inputNames[0];
      const meta = one.inputMetadata[0];
      const dims = (meta.isTensor ? meta.shape : []).map((d) => (typeof d === 'number' ? d : 1));
      const x = new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.5), dims);
      const [a, b] = [await one.run({ [input]: x }), await two.run({ [input]: x })];
      expect([...(b[two.outputNames[0]].data as Float32Array)]).toEqual([
        ...(a[one.outputNames[0]].data as Float32Array),
      ]);
    },
  );
});

describe('cancel inside a layer solve', () => {
  it('the shared cancel flag stops AdaRound at its next step, not after the layer', async () => {
    const s = await open('mc');
    // H = I for every layer: AdaRound has a problem to solve (300 steps per layer) without a capture.
    const layers = s.weights.map((w) => {
      const cols = w.elements / w.shape[w.channelAxis];
      const h = new Float64Array(cols * cols);
      for (let i = 0; i < cols; i++) h[i * cols + i] = 1;
      return { name: w.name, hessians: [h], means: null };
    });
    await api.putCalibration('mc', 'kc', {
      layers,
      stats: { runs: 1, samples: 1, bytes: 0, ms: 0 },
      notes: [],
    });
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const steps: number[] = [];
    let stepsAfterCancel = 0;
    const run = api.quantize(
      'mc',
      'rc',
      normalizeConfig({ bits: 4, method: 'adaround' }),
      (p) => {
        if (p.status !== 'quantizing' || p.step === undefined) return;
        if (Atomics.load(flag, 0) !== 0) stepsAfterCancel++;
        steps.push(p.step);
        Atomics.store(flag, 0, 1); // the page's Cancel, seen only through shared memory
      },
      'kc',
      flag,
    );
    await expect(run).rejects.toMatchObject({
      name: 'CancelledError',
      message: /AdaRound was cancelled after/,
    });
    expect(steps.length).toBeGreaterThan(0);
    expect(stepsAfterCancel).toBe(0);
    expect(steps[0]).toBeLessThan(300);
  });
});
