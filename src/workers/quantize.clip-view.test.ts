import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeConfig } from '../core/quant/config';
import { testModel } from '../../test/paths';
import { quantizeApi as api } from './quantize.api';

const bytes = new Uint8Array(readFileSync(testModel('mnist-onnx-mlir/model.onnx')));
const open = (modelId: string) =>
  api.open({
    modelId,
    file: new Blob([bytes as Uint8Array<ArrayBuffer>]),
    fileName: 'model.onnx',
    sidecars: [],
  });

describe('quantize worker: clipView', () => {
  it.each([
    ['symmetric', 'tensor', 1],
    ['asymmetric', 'tensor', 1],
    ['symmetric', 'channel', 128],
    ['asymmetric', 'channel', 128],
  ] as const)(
    'MSE clip, %s per-%s: the chosen point is the run’s own error',
    async (scheme, granularity, groups) => {
      const id = `c-${scheme}-${granularity}`;
      await open(id);
      const config = normalizeConfig({ bits: 4, scheme, granularity, clip: 'mse' });
      await api.quantize(id, 'r', config);
      const v = (await api.clipView(id, 'fc1.weight', 'r'))!;
      expect(v).toMatchObject({ method: 'mse', groups });
      expect(v.alphas).toHaveLength(v.mse.length);
      expect(v.alphas.at(-1)).toBe(1);
      // The chosen clip is the one the run quantized with: its MSE is the run's error on that weight.
      const [point] = await api.errorCurve(id, 'fc1.weight', config, [4]);
      expect(v.chosenMse).toBeCloseTo(point.mse, 12);
      expect(v.chosenMse).toBeLessThan(v.minmaxMse);
      expect(v.chosenMse).toBeLessThanOrEqual(Math.min(...v.mse) * (1 + 1e-9));
      expect(v.lo).toBeLessThan(0);
      expect(v.hi).toBeGreaterThan(0);
      expect(v.lo).toBeLessThanOrEqual(v.innerLo);
      expect(v.hi).toBeGreaterThanOrEqual(v.innerHi);
    },
  );

  it('is null for min/max, fp16 and weights the run leaves unclipped; follows per-layer clip', async () => {
    await open('cm');
    await api.quantize('cm', 'mm', normalizeConfig({ bits: 4 }));
    await api.quantize('cm', 'h', normalizeConfig({ bits: 'fp16', clip: 'mse' }));
    await api.quantize(
      'cm',
      'pl',
      normalizeConfig({ bits: 4, layers: { 'fc2.weight': { clip: 'percentile', clipPercentile: 99 } } }),
    );
    expect(await api.clipView('cm', 'fc1.weight', 'mm')).toBeNull();
    expect(await api.clipView('cm', 'fc1.weight', 'h')).toBeNull();
    expect(await api.clipView('cm', 'fc1.weight', 'pl')).toBeNull();
    expect(await api.clipView('cm', 'fc2.weight', 'pl')).toMatchObject({ method: 'percentile' });
  });

  it('rejects an unknown weight or run with a named error', async () => {
    await open('ce');
    await api.quantize('ce', 'r', normalizeConfig({ bits: 4, clip: 'mse' }));
    await expect(api.clipView('ce', 'nope', 'r')).rejects.toMatchObject({ name: 'QuantConfigError' });
    await expect(api.clipView('ce', 'fc1.weight', 'gone')).rejects.toMatchObject({
      name: 'ModelNotLoadedError',
    });
  });
});
