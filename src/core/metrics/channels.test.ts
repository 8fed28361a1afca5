import { describe, expect, it } from 'vitest';
import { channelRanges } from './channels';

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
