import { describe, expect, it } from 'vitest';
import { errorSums } from '../metrics/error';
import type { WeightInfo } from '../onnx/types';
import { ALL_BITS, normalizeConfig, type QuantConfig } from '../quant/config';
import { errorSumsByBits, sampleChannels } from './error-curve';
import type { KernelWeight } from './schedule';
import { quantizeWeight } from './weight';

// A [K=64, N=48] MatMul weight: output channels along axis 1, blocks along K.
const W: KernelWeight = { name: 'w', shape: [64, 48], channelAxis: 1, reductionAxis: 0, opDtype: 'float32' };
const values = Float32Array.from({ length: 64 * 48 }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 48) / 10));

describe('errorSumsByBits', () => {
  it.each<[string, Partial<QuantConfig>]>([
    ['symmetric per-channel', { granularity: 'channel' }],
    ['symmetric per-tensor', { granularity: 'tensor' }],
    ['asymmetric per-channel', { granularity: 'channel', scheme: 'asymmetric' }],
    ['symmetric block-32', { granularity: 'block', blockSize: 32 }],
  ])('gives the per-width computation’s sums at every width (%s)', (_, c) => {
    const spec = normalizeConfig({ bits: 8, ...c });
    const byBits = errorSumsByBits(values, W, spec, ALL_BITS);
    ALL_BITS.forEach((bits, i) => {
      const dq = quantizeWeight(values, W as WeightInfo, { ...spec, bits }).dequantized;
      const want = errorSums(values, dq);
      expect(byBits[i].count).toBe(want.count);
      expect(byBits[i].signal).toBeCloseTo(want.signal, 9);
      expect(byBits[i].noise).toBeCloseTo(want.noise, 12);
      expect(byBits[i].maxAbsError).toBeCloseTo(want.maxAbsError, 12);
    });
  });
});

describe('sampleChannels', () => {
  it.each<[string, number, number]>([
    ['no larger than the cap', 64 * 48, 48],
    ['half the channels', 64 * 24, 24],
    ['one channel at least', 10, 1],
  ])('keeps whole channels (%s)', (_, max, keep) => {
    const s = sampleChannels(values, W, max);
    expect(s).toMatchObject({ channels: keep, of: 48 });
    expect(s.w.shape).toEqual([64, keep]);
    expect(s.values.length).toBe(64 * keep);
    if (keep === 48) expect(s.values).toBe(values);
    // Row k of the sample holds the kept channels of row k, in order.
    for (let k = 0; k < 64; k += 21)
      for (let j = 0; j < keep; j++)
        expect(s.values[k * keep + j]).toBe(values[k * 48 + Math.floor((j * 48) / keep)]);
  });

  it('keeps contiguous channels of an axis-0 weight, and the sample’s per-channel error is its channels’ own', () => {
    const g: KernelWeight = { ...W, shape: [48, 64], channelAxis: 0, reductionAxis: 1 };
    const s = sampleChannels(values, g, 64 * 12);
    expect(s.channels).toBe(12);
    expect(s.values.subarray(64, 128)).toEqual(values.subarray(4 * 64, 5 * 64));
    const spec = normalizeConfig({ bits: 4, granularity: 'channel' });
    const full = quantizeWeight(values, g as WeightInfo, spec).dequantized;
    const kept = quantizeWeight(s.values, s.w as WeightInfo, spec).dequantized;
    expect(kept.subarray(64, 128)).toEqual(full.subarray(4 * 64, 5 * 64));
  });
});
