import { describe, expect, it } from 'vitest';
import { sharedErrorRange } from './shared-range';

const l = (sqnrDb: number, mse: number, maxAbsError: number) => ({ sqnrDb, mse, maxAbsError });

describe('sharedErrorRange', () => {
  it.each([
    {
      name: 'SQNR: 0 to the largest, with headroom',
      layers: [l(40, 1, 1), l(20, 1, 1)],
      metric: 'sqnrDb',
      want: [0, 43.2],
    },
    {
      name: 'SQNR ignores ∞ (lossless layers)',
      layers: [l(Infinity, 0, 0), l(10, 1, 1)],
      metric: 'sqnrDb',
      want: [0, 10.8],
    },
    {
      name: 'MSE: log10 units around min..max',
      layers: [l(1, 1e-4, 1), l(1, 1e-2, 1)],
      metric: 'mse',
      want: [-4.3, -1.7],
    },
    { name: 'nothing finite', layers: [l(Infinity, 0, 0)], metric: 'mse', want: null },
  ] as const)('$name', ({ layers, metric, want }) => {
    const got = sharedErrorRange(layers, metric);
    if (want === null) expect(got).toBeNull();
    else want.forEach((w, i) => expect(got?.[i]).toBeCloseTo(w, 6));
  });
});
