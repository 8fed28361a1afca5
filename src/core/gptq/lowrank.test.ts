import { describe, expect, it } from 'vitest';
import { normalArray } from '../../../test/support/random';
import { randomHessian } from '../../../test/support/layer-problems';
import type { Granularity, IntBits, Scheme } from '../quant/config';
import { quantizeTensor } from '../quant/quantize';
import { adaroundQuantize } from './adaround';
import { pivotedCholesky } from './lowrank';

/** Largest |H − (L·Lᵀ + diag(d))| relative to max |H|. */
function factorError(h: Float64Array, n: number, tolerance: number, maxRank: number) {
  const f = pivotedCholesky(h, n, tolerance, maxRank);
  let worst = 0;
  let scale = 0;
  for (let a = 0; a < n; a++)
    for (let b = 0; b < n; b++) {
      let v = a === b ? f.residual[a] : 0;
      for (let j = 0; j < f.k; j++) v += f.l[a * f.k + j] * f.l[b * f.k + j];
      worst = Math.max(worst, Math.abs(v - h[a * n + b]));
      scale = Math.max(scale, Math.abs(h[a * n + b]));
    }
  return { k: f.k, relative: worst / scale };
}

describe('pivotedCholesky', () => {
  it.each([
    { n: 30, samples: 5 },
    { n: 48, samples: 12 },
    { n: 20, samples: 20 },
  ])('H = XᵀX of $samples samples, $n columns: rank ≤ samples, L·Lᵀ + diag = H', ({ n, samples }) => {
    const { k, relative } = factorError(randomHessian(n, samples, 7), n, 1e-6, n);
    expect(k).toBeLessThanOrEqual(samples);
    expect(relative).toBeLessThan(1e-5); // L is float32
  });

  it('stops at maxRank and keeps the diagonal exact through the residual', () => {
    const n = 24;
    const h = randomHessian(n, 3 * n, 3);
    const f = pivotedCholesky(h, n, 0, 4);
    expect(f.k).toBe(4);
    for (let c = 0; c < n; c++) {
      let v = f.residual[c];
      for (let j = 0; j < f.k; j++) v += f.l[c * f.k + j] ** 2;
      expect(Math.abs(v - h[c * n + c])).toBeLessThan(1e-6 * h[c * n + c]);
    }
  });

  it('gives an empty factor for H = 0', () => {
    const f = pivotedCholesky(new Float64Array(9), 3, 1e-4, 3);
    expect(f.k).toBe(0);
  });
});

describe('AdaRound through the low-rank factor', () => {
  // 60 columns, 8 samples: rank(H) ≤ 8 < 60 / 3, so the default path steps through the factor.
  const cases: { bits: IntBits; granularity: Granularity; scheme: Scheme }[] = [
    { bits: 2, granularity: 'channel', scheme: 'symmetric' },
    { bits: 3, granularity: 'channel', scheme: 'asymmetric' },
    { bits: 4, granularity: 'tensor', scheme: 'symmetric' },
    { bits: 4, granularity: 'block', scheme: 'asymmetric' },
  ];
  it.each(cases)('$bits-bit $granularity $scheme: same rounding as the full H', (spec) => {
    const rows = 16;
    const cols = 60;
    const values = Float32Array.from(normalArray(rows * cols, 11), (v) => v * 0.05);
    const opts = { ...spec, blockSize: 16 as const, channelAxis: 0, reductionAxis: 1 };
    const layer = { hessians: [randomHessian(cols, 8, 5)] };
    const o = { keepBetter: false, iterations: 150 };
    const low = adaroundQuantize(values, [rows, cols], opts, layer, o);
    const full = adaroundQuantize(values, [rows, cols], opts, layer, { ...o, lowRank: false });
    const rtn = quantizeTensor(values, [rows, cols], opts);
    low.q.levels.forEach((q, i) => expect(Math.abs(q - rtn.levels[i])).toBeLessThanOrEqual(1));
    expect(low.error).toBeLessThan(low.rtnError);
    expect(low.error).toBeCloseTo(full.error, 6);
    expect(low.iterations).toBe(full.iterations);
  });
});
