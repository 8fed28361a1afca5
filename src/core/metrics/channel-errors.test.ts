import { describe, expect, it } from 'vitest';
import { defaultQuantizeOptions, dequantize, quantizeTensor } from '../quant';
import { channelErrors, chunkedChannelErrors, perTensorGrid } from './channel-errors';

// Three output channels of four weights (axis 0): one wide, one narrow, one all zero.
const W = Float32Array.from([1, -1, 0.5, -0.5, 0.01, -0.02, 0.015, 0, 0, 0, 0, 0]);
const quantize = (granularity: 'tensor' | 'channel', scheme: 'symmetric' | 'asymmetric' = 'symmetric') =>
  quantizeTensor(W, [3, 4], { ...defaultQuantizeOptions, bits: 4, scheme, granularity, channelAxis: 0 });

describe('channelErrors', () => {
  it('int4 per-tensor: the narrow channel rounds to all zeros (0 dB), the wide one keeps 23.9 dB', () => {
    // scale 1/7: ±1 → ±7 exactly, ±0.5 → 3.5 → 4 (half to even) → ±4/7; |w| ≤ 0.02 < 1/14 → 0.
    const e = channelErrors(W, dequantize(quantize('tensor')), [3, 4], 0);
    expect(e.sqnrDb[0]).toBeCloseTo(10 * Math.log10(2.5 / (2 * (1 / 14) ** 2)), 3); // 23.89 dB
    expect(e.sqnrDb[1]).toBe(0);
    expect(e.sqnrDb[2]).toBeNaN();
    expect(Array.from(e.zeroed)).toEqual([0, 1, 0]);
    expect(e.zeroedCount).toBe(1);
    expect(e.rmsError[1]).toBeCloseTo(Math.sqrt((0.01 ** 2 + 0.02 ** 2 + 0.015 ** 2) / 4), 6);
    expect(e.axis).toBe(0);
  });

  it('int4 per-channel: no channel is zeroed, the narrow one gets its own scale', () => {
    const e = channelErrors(W, dequantize(quantize('channel')), [3, 4], 0);
    expect(e.zeroedCount).toBe(0);
    expect(e.sqnrDb[1]).toBeGreaterThan(20);
  });

  it.each([
    { what: 'exact', deq: W, want: [Infinity, Infinity, NaN] },
    { what: 'all zero', deq: new Float32Array(12), want: [0, 0, NaN] },
  ])('$what', ({ deq, want }) => {
    expect(Array.from(channelErrors(W, deq, [3, 4], 0).sqnrDb)).toEqual(want);
  });

  it('reads the channel axis of a [2, 3] tensor along axis 1 (negative axis too)', () => {
    const w = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const deq = Float32Array.from([1, 2, 0, 4, 5, 0]);
    const e = channelErrors(w, deq, [2, 3], -1);
    expect(e.axis).toBe(1);
    expect(Array.from(e.zeroed)).toEqual([0, 0, 1]);
    expect(e.rmsError[2]).toBeCloseTo(Math.sqrt((9 + 36) / 2), 5);
  });

  it.each([
    { shape: [3, 4], axis: 2, deq: new Float32Array(12), msg: 'out of range' },
    { shape: [3, 4], axis: 0, deq: new Float32Array(11), msg: 'does not fit' },
  ])('rejects axis $axis / $deq.length values', ({ shape, axis, deq, msg }) => {
    expect(() => channelErrors(W, deq, shape, axis)).toThrow(
      expect.objectContaining({ name: 'QuantConfigError', message: expect.stringContaining(msg) }),
    );
  });
});

describe('perTensorGrid', () => {
  it('int4 symmetric per-tensor: step = max|w|/7 and the 15 levels −7..7 steps', () => {
    const g = perTensorGrid(quantize('tensor'))!;
    expect(g.step).toBeCloseTo(1 / 7, 7);
    expect(g.levels).toHaveLength(15);
    expect(g.levels![0]).toBeCloseTo(-1, 6);
    expect(g.levels![7]).toBe(0);
  });

  it('asymmetric: levels are shifted by the zero point and include 0', () => {
    const g = perTensorGrid(quantize('tensor', 'asymmetric'))!;
    expect(g.levels).toHaveLength(16);
    expect(Array.from(g.levels!)).toContain(0);
    expect(g.step).toBeCloseTo(2 / 15, 6);
  });

  it('is null for per-channel scales; 8 bits give the step without level lines', () => {
    expect(perTensorGrid(quantize('channel'))).toBeNull();
    const q8 = quantizeTensor(W, [3, 4], {
      ...defaultQuantizeOptions,
      bits: 8,
      granularity: 'tensor',
      channelAxis: 0,
    });
    expect(perTensorGrid(q8)).toMatchObject({ step: expect.closeTo(1 / 127, 7), levels: null });
  });
});

describe('chunkedChannelErrors', () => {
  const v = Float32Array.from({ length: 6 * 5 * 7 }, (_, i) =>
    i % 9 === 0 ? 0 : Math.sin(i * 1.3) * (i % 11),
  );
  const deq = v.map((x, i) => (i % 4 === 0 ? 0 : Math.round(x * 4) / 4));
  const chunks = async function* (size: number) {
    for (let start = 0; start < v.length; start += size)
      yield { start, values: v.slice(start, start + size), dequantized: deq.slice(start, start + size) };
  };
  it.each([
    [0, 1],
    [1, 4],
    [2, 9],
    [1, 210],
  ])('axis %i in chunks of %i equals channelErrors of the whole', async (axis, size) => {
    expect(await chunkedChannelErrors(chunks(size), [6, 5, 7], axis)).toEqual(
      channelErrors(v, deq, [6, 5, 7], axis),
    );
  });

  // A direct per-value reference (the channel of flat index i is ⌊i / inner⌋ mod dim), the last axis included.
  it.each([
    [2, 1],
    [2, 12],
    [0, 5],
  ])('axis %i in chunks of %i: the sums of a per-value reference', async (axis, size) => {
    const shape = [6, 5, 7];
    const dim = shape[axis];
    const inner = shape.slice(axis + 1).reduce((x, y) => x * y, 1);
    const signal = new Float64Array(dim);
    const noise = new Float64Array(dim);
    v.forEach((x, i) => {
      const d = Math.floor(i / inner) % dim;
      signal[d] += x * x;
      noise[d] += (x - deq[i]) ** 2;
    });
    const r = await chunkedChannelErrors(chunks(size), shape, axis);
    const sqnr = Array.from(signal, (s, d) => Math.fround(10 * Math.log10(s / noise[d])));
    expect(Array.from(r.sqnrDb)).toEqual(sqnr);
    expect(Array.from(r.rmsError)).toEqual(
      Array.from(noise, (n) => Math.fround(Math.sqrt(n / (v.length / dim)))),
    );
  });
});
