import { describe, expect, it } from 'vitest';
import { channelRanges, chunkedChannelRanges } from './channels';

// w[i] = i for a [2, 3, 4] tensor: index (a, b, c) = 12a + 4b + c.
const iota = Float32Array.from({ length: 24 }, (_, i) => i);

describe('channelRanges', () => {
  it.each([
    [0, [0, 12], [11, 23]],
    [1, [0, 4, 8], [15, 19, 23]],
    [2, [0, 1, 2, 3], [20, 21, 22, 23]],
    [-1, [0, 1, 2, 3], [20, 21, 22, 23]],
  ])('[2x3x4] axis %i', (axis, min, max) => {
    const r = channelRanges(iota, [2, 3, 4], axis);
    expect({ axis: r.axis, min: Array.from(r.min), max: Array.from(r.max) }).toEqual({
      axis: (axis + 3) % 3,
      min,
      max,
    });
  });

  it('skips NaN; an all-NaN channel reports NaN', () => {
    const r = channelRanges(Float32Array.from([NaN, NaN, -1, NaN, 5, 2]), [3, 2], 0);
    expect(Array.from(r.min)).toEqual([NaN, -1, 2]);
    expect(Array.from(r.max)).toEqual([NaN, -1, 5]);
  });

  it.each([
    [[2, 3], 2, 'got 2'],
    [[2, 3], -3, 'got -3'],
    [[2, 4], 0, 'has 8 elements, got 6 values'],
  ])('rejects shape %j axis %i', (shape, axis, message) => {
    expect(() => channelRanges(new Float32Array(6), shape, axis)).toThrow(
      expect.objectContaining({ name: 'QuantConfigError', message: expect.stringContaining(message) }),
    );
  });
});

describe('chunkedChannelRanges', () => {
  const v = Float32Array.from({ length: 6 * 5 * 7 }, (_, i) => Math.sin(i * 1.3) * (i % 11));
  v[17] = NaN;
  const chunks = async function* (size: number, reversed: boolean) {
    const starts = Array.from({ length: Math.ceil(v.length / size) }, (_, k) => k * size);
    for (const start of reversed ? starts.reverse() : starts)
      yield { values: v.slice(start, start + size), start };
  };
  it.each([
    [0, 1, false],
    [1, 4, false],
    [2, 9, true],
    [1, 210, false],
    [0, 13, true],
  ])('axis %i in chunks of %i (reversed: %s) equals channelRanges of the whole', async (axis, size, rev) => {
    expect(await chunkedChannelRanges(chunks(size, rev), [6, 5, 7], axis)).toEqual(
      channelRanges(v, [6, 5, 7], axis),
    );
  });

  // A direct per-value reference (the channel of flat index i is ⌊i / inner⌋ mod dim), for every axis, the last
  // (runs of one value: its own loop) included, in chunks that start mid-channel.
  it.each([
    [2, 1],
    [2, 8],
    [1, 3],
    [0, 11],
  ])('axis %i in chunks of %i equals a per-value reference', async (axis, size) => {
    const shape = [6, 5, 7];
    const inner = shape.slice(axis + 1).reduce((x, y) => x * y, 1);
    const min = Array<number>(shape[axis]).fill(Infinity);
    const max = Array<number>(shape[axis]).fill(-Infinity);
    v.forEach((x, i) => {
      const d = Math.floor(i / inner) % shape[axis];
      if (x < min[d]) min[d] = Math.fround(x);
      if (x > max[d]) max[d] = Math.fround(x);
    });
    const r = await chunkedChannelRanges(chunks(size, false), shape, axis);
    expect([Array.from(r.min), Array.from(r.max)]).toEqual([min, max]);
  });
});
