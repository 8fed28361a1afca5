import { describe, expect, it } from 'vitest';
import type { Granularity, Scheme } from '../quant/config';
import type { QuantizeOptions } from '../quant/quantize';
import { CLIP_GRID, clipCurve, groupValues } from './clip';
import { CURVE_ALPHAS, clipView } from './clip-view';
import { gauss, rng } from '../../../test/support/random';

const SHAPE = [8, 256];
const opts = (scheme: Scheme, granularity: Granularity): QuantizeOptions => ({
  bits: 4,
  scheme,
  granularity,
  blockSize: 64,
  channelAxis: 0,
  reductionAxis: 1,
});
const argmin = (ys: readonly number[]) => ys.reduce((best, y, i) => (y < ys[best] ? i : best), 0);

/** Gaussian rows with a few outliers (rows get different spreads so per-channel clips differ). */
const weights = (() => {
  const r = rng(11);
  return Float32Array.from({ length: SHAPE[0] * SHAPE[1] }, (_, i) => {
    const row = Math.floor(i / SHAPE[1]);
    const base = gauss(r) * (0.5 + row * 0.2);
    return i % 97 === 3 ? base * 6 : base;
  });
})();

const cases = (['symmetric', 'asymmetric'] as const).flatMap((scheme) =>
  (['tensor', 'channel', 'block'] as const).map((g) => [scheme, g] as const),
);

describe('clipView', () => {
  it.each(cases)(
    '%s per-%s: each group’s chosen clip is its curve’s minimum within the grid',
    (scheme, g) => {
      const o = opts(scheme, g);
      const view = clipView(weights, SHAPE, o, 'mse')!;
      expect(view).not.toBeNull();
      // Per group: the curve of that group alone has its minimum within one grid step of the group's chosen ratio,
      // and the search (grid + golden refinement) is never worse than the curve's best grid point.
      const one = { ...o, granularity: 'tensor' as const };
      const groups = groupValues(weights, SHAPE, o);
      expect(groups.length).toBe(view.groups);
      const alphas: number[] = [];
      for (const v of groups) {
        const gv = clipView(v, [v.length], one, 'mse')!;
        const best = argmin(gv.mse);
        expect(gv.chosenMse).toBeLessThanOrEqual(gv.mse[best] * (1 + 1e-9));
        if (scheme === 'symmetric') {
          expect(Math.abs(gv.chosenAlpha - CURVE_ALPHAS[best])).toBeLessThanOrEqual(1 / CLIP_GRID + 1e-9);
        } else {
          // Asymmetric: the search then moves each end alone, so its point lies at or below the both-ends curve.
          expect(gv.chosenMse).toBeGreaterThan(0.9 * gv.mse[best]);
        }
        alphas.push(gv.chosenAlpha);
      }
      expect(view.chosenAlpha).toBeCloseTo(alphas.reduce((s, a) => s + a, 0) / alphas.length, 9);
      // Whole tensor: one ratio for every group can't beat each group's own choice.
      expect(view.chosenMse).toBeLessThanOrEqual(Math.min(...view.mse) * (1 + 1e-9));
      expect(view.chosenMse).toBeLessThan(view.minmaxMse);
    },
  );

  it.each(['minmax', 'percentile'] as const)(
    '%s: no view for min/max, bounds inside the extremes',
    (method) => {
      const o = opts('symmetric', 'channel');
      const view = clipView(weights, SHAPE, o, method, 99);
      if (method === 'minmax') expect(view).toBeNull();
      else {
        expect(view!.groups).toBe(SHAPE[0]);
        expect(view!.mse).toEqual(clipCurve(weights, SHAPE, o, CURVE_ALPHAS));
        // Bounds: widest ⊇ narrowest, and each inside the float extremes (clipping only narrows).
        expect(view!.lo).toBeLessThanOrEqual(view!.innerLo);
        expect(view!.hi).toBeGreaterThanOrEqual(view!.innerHi);
        expect(view!.hi).toBeLessThanOrEqual(Math.max(...weights));
        expect(view!.chosenAlpha).toBeLessThan(1);
      }
    },
  );

  it('an empty tensor or NaN gives no view', () => {
    const o = opts('symmetric', 'tensor');
    expect(clipView(new Float32Array(0), [0], o, 'mse')).toBeNull();
    expect(clipView(Float32Array.of(1, NaN), [2], o, 'mse')).toBeNull();
  });
});
