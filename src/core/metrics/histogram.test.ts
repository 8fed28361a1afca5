import { describe, expect, it } from 'vitest';
import { dequantize } from '../quant/dequantize';
import { quantizeTensor } from '../quant/quantize';
import { chunkedHistogram, distinctValues, downsample, sharedHistogram } from './histogram';

const sum = (a: Uint32Array) => a.reduce((x, y) => x + y, 0);
const weights = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 7)));

describe.each([1, 2, 7, 64, 256])('sharedHistogram [%i bins]', (bins) => {
  const w = weights(5000);
  const q = quantizeTensor(w, [50, 100], {
    bits: 4,
    scheme: 'asymmetric',
    granularity: 'tensor',
    blockSize: 32,
    channelAxis: 0,
    reductionAxis: 1,
  });
  const wq = dequantize(q);
  const h = sharedHistogram(w, wq, bins);

  it('totals equal the element count for both series', () => {
    expect([sum(h.float), sum(h.quantized!)]).toEqual([w.length, wq.length]);
  });
  it('shares edges spanning [min, max] of both arrays', () => {
    const all = [...w, ...wq];
    expect([h.min, h.max]).toEqual([Math.min(...all), Math.max(...all)]);
    expect(h.edges.length).toBe(bins + 1);
    expect([h.edges[0], h.edges[bins]]).toEqual([Math.fround(h.min), Math.fround(h.max)]);
    for (let i = 0; i < bins; i++) expect(h.edges[i]).toBeLessThan(h.edges[i + 1]);
  });
  it('the grid is the sorted distinct dequantized values (≤ 16 for 4-bit per-tensor)', () => {
    const expected = Float32Array.from(new Set(wq)).sort();
    expect(h.grid).toEqual(expected);
    expect(h.grid!.length).toBeLessThanOrEqual(16);
  });
});

describe('sharedHistogram edge cases', () => {
  it('puts the maximum in the last bin (inclusive) and the minimum in the first', () => {
    const h = sharedHistogram(Float32Array.from([0, 1, 2, 3, 4]), null, 4);
    expect(Array.from(h.float)).toEqual([1, 1, 1, 2]);
    expect(Array.from(h.edges)).toEqual([0, 1, 2, 3, 4]);
    expect(h.quantized).toBeNull();
    expect(h.grid).toBeNull();
  });

  it('range covers the quantized values too (clipping can put them outside the float range)', () => {
    const h = sharedHistogram(Float32Array.from([0, 1]), Float32Array.from([-1, 1]), 2);
    expect([h.min, h.max]).toEqual([-1, 1]);
    expect(Array.from(h.float)).toEqual([0, 2]);
    expect(Array.from(h.quantized!)).toEqual([1, 1]);
  });

  it.each([
    ['constant 3', [3, 3, 3], [1.5, 4.5]],
    ['constant 0', [0, 0], [-0.5, 0.5]],
    ['constant -2', [-2], [-3, -1]],
    ['empty', [], [-0.5, 0.5]],
  ])('%s gets a window with width and counts everything', (_l, values, [lo, hi]) => {
    const h = sharedHistogram(Float32Array.from(values), Float32Array.from(values), 10);
    expect([h.edges[0], h.edges[10]]).toEqual([lo, hi]);
    expect([sum(h.float), sum(h.quantized!)]).toEqual([values.length, values.length]);
    expect(h.grid).toEqual(Float32Array.from(new Set(values)));
  });

  it('skips non-finite values', () => {
    const h = sharedHistogram(Float32Array.from([NaN, 1, Infinity, 2, -Infinity]), null, 2);
    expect([h.min, h.max, sum(h.float)]).toEqual([1, 2, 2]);
  });

  it('rejects a non-positive bin count', () => {
    expect(() => sharedHistogram(new Float32Array(3), null, 0)).toThrow(
      expect.objectContaining({ name: 'QuantConfigError', message: expect.stringContaining('got 0') }),
    );
  });
});

describe('distinctValues', () => {
  it('folds -0 into 0 and sorts', () => {
    expect(distinctValues(Float32Array.from([2, -0, 0, -1, 2]))).toEqual(Float32Array.from([-1, 0, 2]));
  });
  it('gives up (null) past the limit, exactly at limit + 1', () => {
    const a = Float32Array.from({ length: 513 }, (_, i) => i * 0.5);
    expect(distinctValues(a.subarray(0, 512))!.length).toBe(512);
    expect(distinctValues(a)).toBeNull();
  });
  it('8-bit per-channel quantization (more than 512 distinct values) has no grid', () => {
    const w = weights(64 * 64);
    const q = quantizeTensor(w, [64, 64], {
      bits: 8,
      scheme: 'symmetric',
      granularity: 'channel',
      blockSize: 32,
      channelAxis: 0,
      reductionAxis: 1,
    });
    expect(sharedHistogram(w, dequantize(q), 16).grid).toBeNull();
  });
});

describe.each([
  [256, 64],
  [256, 100],
  [10, 3],
  [7, 7],
  [7, 1],
])('downsample [%i -> ≤%i bins]', (bins, maxBins) => {
  const w = weights(3000);
  const h = sharedHistogram(
    w,
    w.map((v) => Math.round(v)),
    bins,
  );
  const d = downsample(h, maxBins);
  it('keeps totals, outer edges and the grid; edges are a subset', () => {
    expect(d.float.length).toBeLessThanOrEqual(maxBins);
    expect(d.edges.length).toBe(d.float.length + 1);
    expect([sum(d.float), sum(d.quantized!)]).toEqual([sum(h.float), sum(h.quantized!)]);
    expect([d.edges[0], d.edges[d.float.length]]).toEqual([h.edges[0], h.edges[bins]]);
    const original = new Set(h.edges);
    expect(Array.from(d.edges).every((e) => original.has(e))).toBe(true);
    expect(d.grid).toBe(h.grid);
  });
});

describe('chunkedHistogram', () => {
  /** `v` in chunks of `size` values (async, as range reads of a file come). */
  const chunked = (v: Float32Array, size: number) =>
    async function* () {
      for (let i = 0; i < v.length; i += size) yield { values: v.slice(i, i + size) };
    };
  const withOdd = Float32Array.from([...weights(997), NaN, Infinity, -3.5, -Infinity, 12.25]);
  it.each<[string, Float32Array, number, number]>([
    ['whole weight, one chunk', weights(5000), 128, 5000],
    ['chunks of 333', weights(5000), 128, 333],
    ['chunks of 1, 7 bins', weights(500), 7, 1],
    ['non-finite values left out', withOdd, 64, 100],
    ['a constant', new Float32Array(300).fill(-2), 16, 64],
    ['nothing', new Float32Array(0), 8, 64],
  ])('equals sharedHistogram of the whole (%s)', async (_, v, bins, size) => {
    expect(await chunkedHistogram(chunked(v, size), bins)).toEqual(sharedHistogram(v, null, bins));
  });
  it('refuses a bad bin count', async () => {
    await expect(chunkedHistogram(chunked(weights(10), 4), 0)).rejects.toThrow(/bins/);
  });
});

describe('chunkedHistogram with quantized values', () => {
  const w = weights(5000);
  const opts = {
    scheme: 'asymmetric',
    granularity: 'tensor',
    blockSize: 32,
    channelAxis: 0,
    reductionAxis: 1,
  } as const;
  const coarse = dequantize(quantizeTensor(w, [50, 100], { ...opts, bits: 3 }));
  const fine = dequantize(quantizeTensor(w, [50, 100], { ...opts, bits: 8, granularity: 'channel' }));
  const chunked = (v: Float32Array, q: Float32Array, size: number) =>
    async function* () {
      for (let i = 0; i < v.length; i += size)
        yield { values: v.slice(i, i + size), quantized: q.slice(i, i + size) };
    };
  it.each<[string, Float32Array, number]>([
    ['a few levels (the grid is drawn)', coarse, 777],
    ['too many levels for a grid', fine, 1000],
    ['one chunk', coarse, 5000],
  ])('equals sharedHistogram of the whole (%s)', async (_, wq, size) => {
    expect(await chunkedHistogram(chunked(w, wq, size), 64, true)).toEqual(sharedHistogram(w, wq, 64));
  });
});
