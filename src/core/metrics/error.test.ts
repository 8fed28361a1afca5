import { describe, expect, it } from 'vitest';
import {
  ErrorAccumulator,
  combineErrorSums,
  emptyErrorSums,
  errorMetrics,
  errorSums,
  laneTotal,
  metricsFromSums,
  SUM_BLOCK,
  trustedSums,
  blockSums,
} from './error';

const f = (xs: number[]) => Float32Array.from(xs);

describe('errorMetrics', () => {
  it.each([
    // name, w, wq, mse, sqnrDb, maxAbsError, meanAbs
    ['exact', [1, -2, 3], [1, -2, 3], 0, Infinity, 0, 2],
    ['one unit of noise', [3, 4], [3, 5], 0.5, 10 * Math.log10(25), 1, 3.5],
    ['signal = 10× noise energy', [1, 3], [1, 2], 0.5, 10, 1, 2],
    ['all-zero weights, exact', [0, 0], [0, 0], 0, Infinity, 0, 0],
    ['all-zero weights, noisy', [0, 0], [0.5, 0], 0.125, -Infinity, 0.5, 0],
    ['empty', [], [], 0, Infinity, 0, 0],
  ])('%s', (_n, w, wq, mse, sqnrDb, maxAbsError, meanAbs) => {
    const m = errorMetrics(f(w), f(wq));
    expect(m.mse).toBeCloseTo(mse, 12);
    if (Number.isFinite(sqnrDb)) expect(m.sqnrDb).toBeCloseTo(sqnrDb, 10);
    else expect(m.sqnrDb).toBe(sqnrDb);
    expect(m.maxAbsError).toBe(maxAbsError);
    expect(m.meanAbs).toBe(meanAbs);
  });

  it('sums in float32 within a block of SUM_BLOCK elements, in float64 across blocks', () => {
    // Σw² of 4096² and 1023 ones: in block 0, lane 0 holds 2^24 in float32 and its 63 ones round away
    // (2^24 + 1 is a tie, to even); lanes 1–3 of block 0 and every lane of blocks 1–3 keep their 64 ones.
    const w = Float32Array.from({ length: 4 * SUM_BLOCK }, (_, i) => (i === 0 ? 2 ** 12 : 1));
    const s = errorSums(
      w,
      w.map((v) => (v === 1 ? 0.5 : v)),
    );
    expect(SUM_BLOCK).toBe(256);
    expect([s.signal, s.noise]).toEqual([2 ** 24 + 1023 - 63, 1023 / 4]);
  });

  it('sums in four lanes, element j in lane j mod 4, total (l0 + l1) + (l2 + l3) (laneTotal)', () => {
    // squares 2^54, 1, 1, 1, 0, 1, 1, 1: one chain rounds every +1 away (ulp 4 at 2^54) and gives 2^54; the lanes
    // hold 2^54, 2, 2, 2 and give (2^54 + 2 → 2^54, half to even) + 4 = 2^54 + 4
    const w = f([2 ** 27, 1, 1, 1, 0, 1, 1, 1]);
    const s = errorSums(w, new Float32Array(8));
    expect([s.signal, s.noise, s.sumAbs]).toEqual([2 ** 54 + 4, 2 ** 54 + 4, 2 ** 27 + 6]);
    expect(laneTotal([1, 2, 3, 4], 0)).toBe(10);
  });

  const sequential = (w: Float32Array, wq: Float32Array) => {
    let [signal, noise, sumAbs, maxAbsError] = [0, 0, 0, 0];
    for (let i = 0; i < w.length; i++) {
      signal += w[i] * w[i];
      noise += (w[i] - wq[i]) ** 2;
      sumAbs += Math.abs(w[i]);
      maxAbsError = Math.max(maxAbsError, Math.abs(w[i] - wq[i]));
    }
    return { signal, noise, sumAbs, maxAbsError };
  };
  const lcg = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 3;

  it.each([
    // name, value of element i from a random r in (−1.5, 1.5), whether float32 squares hold the sums
    ['ordinary weights', (r: number) => r, true],
    ['huge: float32 squares overflow', (r: number) => r * 1e30, false],
    ['tiny: float32 squares underflow', (r: number) => r * 1e-30, false],
    ['subnormal', (r: number) => r * 1e-40, false],
    ['huge and ordinary mixed', (r: number, i: number) => (i % 7 ? r : r * 2e38), false],
  ] as const)('%s: within 4e-6 (relative) of one sequential float64 sum', (_n, value, trusted) => {
    const rnd = lcg(7);
    const w = Float32Array.from({ length: 100_003 }, (_, i) => value(rnd(), i));
    const step = Math.max(...w.map(Math.abs)) / 50;
    const wq = w.map((v) => Math.round(v / step) * step);
    const s = errorSums(w, wq);
    const ref = sequential(w, wq);
    for (const key of ['signal', 'noise', 'sumAbs', 'maxAbsError'] as const) {
      expect(Math.abs(s[key] / ref[key] - 1), key).toBeLessThan(4e-6);
    }
    expect(trustedSums(blockSums(w, wq))).toBe(trusted);
  });

  it('rejects length mismatches', () => {
    expect(() => errorMetrics(f([1, 2]), f([1]))).toThrow(
      expect.objectContaining({ message: expect.stringContaining('got 2 and 1') }),
    );
  });
});

describe('overall SQNR over several tensors', () => {
  const a = [f([1, 2, 3, 4]), f([1, 2, 3, 5])] as const;
  const b = [f([10, -10]), f([9, -10])] as const;

  it('is total signal / total noise, not a mean of dBs', () => {
    const acc = new ErrorAccumulator();
    acc.add(...a);
    acc.add(...b);
    const overall = acc.overall();
    expect(overall.sqnrDb).toBeCloseTo(10 * Math.log10((30 + 200) / (1 + 1)), 12);
    expect(overall.mse).toBeCloseTo(2 / 6, 12);
    expect(overall.maxAbsError).toBe(1);
  });

  it('combining sums equals measuring the concatenation', () => {
    const joined = errorMetrics(f([...a[0], ...b[0]]), f([...a[1], ...b[1]]));
    const combined = metricsFromSums(
      combineErrorSums(combineErrorSums(emptyErrorSums(), errorSums(...a)), errorSums(...b)),
    );
    expect(combined).toEqual(joined);
  });
});
