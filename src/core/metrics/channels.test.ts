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
});
