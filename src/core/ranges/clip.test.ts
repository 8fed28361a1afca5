import { describe, expect, it } from 'vitest';
import type { Granularity, IntBits, Scheme } from '../quant/config';
import { dequantize } from '../quant/dequantize';
import { quantizeTensor, type QuantizeOptions } from '../quant/quantize';
import { asymmetricParams, symmetricScale } from '../quant/range';
import { chooseRangeParams, clipCurve, groupValues, percentileOf } from './clip';
import { gauss, rng } from '../../../test/support/random';

const opts = (bits: IntBits, scheme: Scheme, granularity: Granularity): QuantizeOptions => ({
  bits,
  scheme,
  granularity,
  blockSize: 16,
  channelAxis: 0,
  reductionAxis: 1,
});

function sse(w: Float32Array, shape: number[], o: QuantizeOptions): number {
  const d = dequantize(quantizeTensor(w, shape, o));
  return w.reduce((s, v, i) => s + (v - d[i]) ** 2, 0);
}

const tensors: [string, Float32Array][] = (() => {
  const r = rng(7);
  const n = 8 * 48;
  const make = (f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
  return [
    ['gaussian', make(() => gauss(r))],
    ['uniform', make(() => r() * 2 - 1)],
    ['laplace (heavy tails)', make(() => Math.log(r() + 1e-12) * (r() < 0 ? -1 : r() < 0.5 ? -1 : 1))],
    ['one huge outlier', make((i) => (i === 5 ? 1000 : gauss(r) * 0.01))],
    ['all positive, skewed', make(() => r() ** 4)],
    ['all equal', make(() => 0.3)],
    ['all zero', make(() => 0)],
    ['two values', make((i) => (i % 2 ? 1 : -0.25))],
    ['tiny magnitudes', make(() => gauss(r) * 1e-30)],
    ['exact ties on the grid', make((i) => ((i % 15) - 7) * 0.5)],
  ];
})();

describe('MSE clipping', () => {
  const cases = tensors.flatMap(([name, w]) =>
    (['symmetric', 'asymmetric'] as const).flatMap((scheme) =>
      (['tensor', 'channel', 'block'] as const).flatMap((gran) =>
        ([2, 3, 4, 8] as const).map((bits) => [name, scheme, gran, bits, w] as const),
      ),
    ),
  );
  it.each(cases)('%s, %s, per-%s, %d-bit: never worse than min/max', (_n, scheme, gran, bits, w) => {
    const o = opts(bits, scheme, gran);
    const shape = [8, 48];
    const params = chooseRangeParams(w, shape, o, 'mse');
    expect(params).not.toBeNull();
    const clipped = sse(w, shape, { ...o, params: params! });
    const rtn = sse(w, shape, o);
    expect(clipped).toBeLessThanOrEqual(rtn);
  });

  it('known answer: 10,000 values at ±1 and one at 100, 2-bit symmetric, picks scale (n+100)/(n+1)', () => {
    const n = 10000;
    const w = Float32Array.from({ length: n + 1 }, (_, i) => (i === n ? 100 : i % 2 ? 1 : -1));
    const o = opts(2, 'symmetric', 'tensor');
    const p = chooseRangeParams(w, [n + 1], o, 'mse')!;
    // SSE(s) = n(1−s)² + (100−s)² for 2/3 < s ≤ 2 is minimal at s = (n + 100) / (n + 1).
    expect(p.scales[0]).toBeCloseTo((n + 100) / (n + 1), 3);
    expect(sse(w, [n + 1], o)).toBe(n); // min/max: scale 100 rounds every ±1 to 0
    expect(sse(w, [n + 1], { ...o, params: p })).toBeCloseTo((9801 * n) / (n + 1), 2);
  });

  it('known answer: a uniform grid already on the levels keeps min/max', () => {
    const w = Float32Array.from({ length: 15 }, (_, i) => i - 7); // exactly the int4 levels −7..7
    const p = chooseRangeParams(w, [15], opts(4, 'symmetric', 'tensor'), 'mse')!;
    expect(p.scales[0]).toBe(1);
  });

  it('asymmetric: clips a one-sided outlier and keeps zero exact', () => {
    const w = Float32Array.from({ length: 2001 }, (_, i) => (i === 2000 ? 20 : (i % 11) / 10));
    const o = opts(3, 'asymmetric', 'tensor');
    const p = chooseRangeParams(w, [2001], o, 'mse')!;
    expect(p.scales[0]).toBeLessThan(asymmetricParams(0, 20, 0, 7).scale);
    const d = dequantize(quantizeTensor(Float32Array.of(0), [1], { ...o, params: p }));
    expect(d[0]).toBe(0);
  });

  it('leaves the rounding to the kernel: min/max params reproduce round-to-nearest bit for bit', () => {
    const w = tensors[0][1];
    const o = opts(4, 'symmetric', 'channel');
    const rtn = quantizeTensor(w, [8, 48], o);
    const again = quantizeTensor(w, [8, 48], { ...o, params: { scales: rtn.scales, zeroPoints: null } });
    expect(again.levels).toEqual(rtn.levels);
  });

  it('groups strided per-axis weights ([K, N] per column) the way the kernel does', () => {
    const w = Float32Array.from({ length: 12 }, (_, i) => i);
    const g = groupValues(w, [4, 3], { ...opts(8, 'symmetric', 'channel'), channelAxis: 1 });
    expect(g.map((v) => Array.from(v))).toEqual([
      [0, 3, 6, 9],
      [1, 4, 7, 10],
      [2, 5, 8, 11],
    ]);
  });

  it('returns null for NaN so the kernel refuses the tensor with its index', () => {
    const w = Float32Array.of(1, NaN, 2);
    expect(chooseRangeParams(w, [3], opts(4, 'symmetric', 'tensor'), 'mse')).toBeNull();
    expect(() => quantizeTensor(w, [3], opts(4, 'symmetric', 'tensor'))).toThrow(/NaN at index 1/);
  });

  it('refuses params that do not fit the groups', () => {
    const o = opts(4, 'symmetric', 'channel');
    const params = { scales: new Float32Array(3).fill(1), zeroPoints: null };
    expect(() => quantizeTensor(new Float32Array(8), [2, 4], { ...o, params })).toThrow(/do not fit 2/);
  });

  it('the MSE-vs-clip curve ends at min/max and its minimum is no higher than the search result', () => {
    const w = tensors[3][1];
    const o = opts(4, 'symmetric', 'tensor');
    const alphas = Array.from({ length: 64 }, (_, i) => (i + 1) / 64);
    const curve = clipCurve(w, [w.length], o, alphas);
    expect(curve[63] * w.length).toBeCloseTo(sse(w, [w.length], o), 6);
    const p = chooseRangeParams(w, [w.length], o, 'mse')!;
    expect(sse(w, [w.length], { ...o, params: p })).toBeLessThanOrEqual(Math.min(...curve) * w.length + 1e-9);
  });
});

describe('percentile clipping', () => {
  it('known answer: 0..100, 99th percentile of |w|', () => {
    const w = Float32Array.from({ length: 101 }, (_, i) => i);
    const p = chooseRangeParams(w, [101], opts(8, 'symmetric', 'tensor'), 'percentile', 99)!;
    expect(p.scales[0]).toBe(symmetricScale(99, 127));
  });
  it('interpolates between order statistics', () => {
    expect(percentileOf(Float32Array.of(0, 10), 25)).toBe(2.5);
    expect(percentileOf(Float32Array.of(), 50)).toBe(0);
  });
});
