// The studio's data-aware rounding path in Node: the evaluate worker API captures the Hessians from its loaded sample
// set (onnxruntime-web, wasm, 1 thread), the quantize worker API gets them (transferable data) and exports. The
// bytes must equal what `qstudio quantize --method … --calibration …` writes for the same config and samples.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { calibrationBuffers } from '../core/pipeline/calibrate';
import { normalizeConfig, type QuantConfig } from '../core/quant/config';
import type { CaptureProgress } from '../protocol/eval-dto';
import { REPO_ROOT } from '../../test/paths';
import { cliRunner } from '../../test/support/cli';
import { blobOf, folder } from '../../test/support/evaluate-cases';
import { createEvaluateApi } from './evaluate.api';
import { quantizeApi } from './quantize.api';

ort.env.wasm.numThreads = 1;

const tmp = mkdtempSync(join(tmpdir(), 'qstudio-cal-api-'));
const qstudio = cliRunner(tmp);
const fixture = (m: string, p = '') => resolve(REPO_ROOT, 'test/fixtures/models', m, p);
const COUNT = 24;

const cases: [string, string, Partial<QuantConfig>, string[]][] = [
  // model, name, config, the same config as CLI flags
  ['dwcnn', 'GPTQ 4-bit per-channel', { bits: 4, granularity: 'channel', method: 'gptq' }, ['--bits', '4', '--granularity', 'channel', '--method', 'gptq']],
  [
    'mlp',
    'GPTQ 3-bit asymmetric block 32 + bias correction',
    { bits: 3, granularity: 'block', blockSize: 32, scheme: 'asymmetric', method: 'gptq', biasCorrection: true },
    ['--bits', '3', '--granularity', 'block', '--block-size', '32', '--scheme', 'asymmetric', '--method', 'gptq', '--bias-correction'],
  ],
  ['dwcnn', 'RTN 4-bit + bias correction', { bits: 4, biasCorrection: true }, ['--bits', '4', '--bias-correction']],
]; // prettier-ignore

describe.each(cases)('%s, %s: studio workers = CLI bytes', (model, _name, partial, flags) => {
  it(
    'captures in the evaluate worker, solves in the quantize worker, exports the CLI bytes',
    { timeout: 240_000 },
    async () => {
      const modelPath = fixture(model, 'model.onnx');
      const modelBlob = blobOf(readFileSync(modelPath));
      const config = normalizeConfig(partial);

      const evaluate = createEvaluateApi(ort);
      await evaluate.loadSamples(folder(fixture(model, 'calibration'), 'calibration'));
      const progress: CaptureProgress[] = [];
      const data = await evaluate.capture(
        { float: { blob: modelBlob, label: 'model.onnx' }, config, preprocess: null, count: COUNT },
        (p) => progress.push(p),
      );
      expect(progress[0]).toEqual({ done: 0, total: COUNT });
      expect(progress.at(-1)).toEqual({ done: COUNT, total: COUNT });
      expect(data.stats.samples).toBe(COUNT);
      expect(calibrationBuffers(data).length).toBeGreaterThan(0);

      const modelId = `${model}-${partial.bits}`;
      await quantizeApi.open({ modelId, file: modelBlob, fileName: 'model.onnx', sidecars: [] });
      // Without its calibration the worker refuses a data-aware config (a restarted worker: the page captures again).
      await expect(quantizeApi.quantize(modelId, 'r0', config, undefined, 'k')).rejects.toMatchObject({
        name: 'ModelNotLoadedError',
      });
      await expect(quantizeApi.quantize(modelId, 'r0', config)).rejects.toMatchObject({
        name: 'QuantConfigError',
        message: expect.stringContaining('needs calibration samples'),
      });
      await quantizeApi.putCalibration(modelId, 'k', data);
      const summary = await quantizeApi.quantize(modelId, 'r1', config, undefined, 'k');
      expect(summary.notes.join('\n')).toContain(`calibration: ${COUNT} of 256 samples`);
      if (config.method !== 'rtn')
        for (const l of summary.layers) expect(l.rounding?.used, l.name).toBe(config.method);
      const studio = new Uint8Array(await (await quantizeApi.exportModel('r1')).arrayBuffer());

      const out = join(tmp, `${modelId}.onnx`);
      const cli = await qstudio(
      'quantize', modelPath, '-o', out, ...flags,
      '--calibration', fixture(model, 'calibration'), '--calibration-count', String(COUNT),
    ); // prettier-ignore
      expect(cli.code, cli.stderr).toBe(0);
      expect(Buffer.from(studio).equals(readFileSync(out))).toBe(true);
      await quantizeApi.close(modelId);
    },
  );
});

describe('capture reads the calibration part of the loaded set', () => {
  it('a range starting at 0 captures what the first N do; another range other samples', async () => {
    const blob = blobOf(readFileSync(fixture('mlp', 'model.onnx')));
    const config = normalizeConfig({ bits: 4, method: 'gptq' });
    const evaluate = createEvaluateApi(ort);
    await evaluate.loadSamples(folder(fixture('mlp', 'calibration'), 'calibration'));
    const request = { float: { blob, label: 'model.onnx' }, config, preprocess: null, count: 8 };
    const first = await evaluate.capture(request);
    const part = await evaluate.capture({ ...request, range: { start: 0, end: 8 } });
    const later = await evaluate.capture({ ...request, range: { start: 100, end: 108 } });
    const h = (d: typeof first) => [...d.layers[0].hessians[0]];
    expect(h(part)).toEqual(h(first));
    expect(h(later)).not.toEqual(h(first));
    expect(later.stats.samples).toBe(8);
    expect(later.notes).toContain('calibration samples: samples 101–108 (8) of the 256 loaded');
    await expect(evaluate.capture({ ...request, range: { start: 250, end: 300 } })).rejects.toMatchObject({
      name: 'SampleSetError',
    });
  });
});
