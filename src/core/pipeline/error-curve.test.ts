import { describe, expect, it } from 'vitest';
import { errorSums } from '../metrics/error';
import type { WeightInfo } from '../onnx/types';
import { ALL_BITS, normalizeConfig, type QuantConfig } from '../quant/config';
import { errorSumsByBits, sampleChannels, sampleChannelsFrom } from './error-curve';
import type { KernelWeight } from './schedule';
import { quantizeForExport, quantizeWeight } from './weight';

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

describe('errorSumsByBits and the levels it does not keep', () => {
  it.each<[string, KernelWeight, Partial<QuantConfig>]>([
    ['symmetric per-channel', W, { granularity: 'channel' }],
    ['asymmetric per-tensor', W, { granularity: 'tensor', scheme: 'asymmetric' }],
    ['symmetric block-32', W, { granularity: 'block', blockSize: 32 }],
    ['asymmetric per-channel into a float16 op', { ...W, opDtype: 'float16' }, { scheme: 'asymmetric' }],
    ['MSE clip', W, { clip: 'mse' }],
    [
      'symmetric per-channel, rows (SIMD runs)',
      { ...W, shape: [48, 64], channelAxis: 0, reductionAxis: 1 },
      {},
    ],
    [
      'asymmetric block-32 in rows',
      { ...W, shape: [48, 64], channelAxis: 0, reductionAxis: 1 },
      { scheme: 'asymmetric', granularity: 'block', blockSize: 32 },
    ],
  ])('gives exactly the sums of the export pass with levels kept, at every width (%s)', (_, w, c) => {
    const spec = normalizeConfig({ bits: 8, ...c });
    const byBits = errorSumsByBits(values, w, spec, ALL_BITS);
    ALL_BITS.forEach((bits, i) =>
      expect(byBits[i]).toEqual(quantizeForExport(values, w, { ...spec, bits }, null).sums),
    );
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

describe('sampleChannelsFrom', () => {
  /** A reader of `v` that records the ranges asked. */
  const reader = (v: Float32Array) => {
    const reads: [number, number][] = [];
    const read = async (a: number, b: number) => {
      reads.push([a, b]);
      return v.slice(a, b);
    };
    return { read, reads };
  };
  const big = Float32Array.from({ length: 96 * 80 }, (_, i) => Math.cos(i * 0.11) * (1 + (i % 7)));

  it.each<[string, KernelWeight, number, number]>([
    ['axis 1 (MatMul), small reads', { ...W, shape: [96, 80] }, 96 * 20, 64],
    ['axis 1, one read for all', { ...W, shape: [96, 80] }, 96 * 20, 96 * 80],
    [
      'axis 0 (Gemm), rows far apart',
      { ...W, shape: [80, 96], channelAxis: 0, reductionAxis: 1 },
      96 * 9,
      500,
    ],
    [
      'axis 0, rows longer than a read',
      { ...W, shape: [80, 96], channelAxis: 0, reductionAxis: 1 },
      96 * 9,
      50,
    ],
    [
      'axis 1 of a rank-3 weight',
      { ...W, shape: [4, 24, 80], channelAxis: 1, reductionAxis: 2 },
      4 * 6 * 80,
      300,
    ],
    ['one channel at least', { ...W, shape: [96, 80] }, 10, 64],
    ['no larger than the cap: all of it', { ...W, shape: [96, 80] }, 96 * 80, 64],
  ])('is sampleChannels of the whole weight (%s)', async (_, w, max, span) => {
    const { read, reads } = reader(big);
    const s = await sampleChannelsFrom(read, big.length, w, max, span);
    const want = sampleChannels(big, w, max);
    expect(s.values).toEqual(want.values);
    expect({ ...s, values: null }).toEqual({ ...want, values: null });
    if (want.channels < want.of) {
      // Each read is at most `span` values, or one kept channel's run.
      const inner = w.shape.slice(w.channelAxis + 1).reduce((a, b) => a * b, 1);
      for (const [a, b] of reads) expect(b - a).toBeLessThanOrEqual(Math.max(span, inner));
    }
  });

  it('reads only the kept rows of an axis-0 weight whose rows lie far apart', async () => {
    const rows = 4096;
    const cols = 2 ** 15; // rows of 32768 values: the gaps between kept rows are more than a read spans
    const w: KernelWeight = { ...W, shape: [rows, cols], channelAxis: 0, reductionAxis: 1 };
    const read = async (a: number, b: number) => {
      got += b - a;
      return new Float32Array(b - a);
    };
    let got = 0;
    const s = await sampleChannelsFrom(read, rows * cols, w, 64 * cols);
    expect(s.channels).toBe(64);
    expect(got).toBe(64 * cols);
  });
});
