import { describe, expect, it } from 'vitest';
import {
  ErrorAccumulator,
  combineErrorSums,
  emptyErrorSums,
  errorMetrics,
  errorSums,
  laneTotal,
  metricsFromSums,
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

  it('accumulates in float64 (a float32 running sum would drop the small terms)', () => {
    // Σw² = 2^24 + 1000: in float32 every +1 after 2^24 is lost.
    const w = Float32Array.from({ length: 1001 }, (_, i) => (i === 0 ? 2 ** 12 : 1));
    const wq = w.map((v) => (v === 1 ? 0.5 : v));
    const s = errorSums(w, wq);
    expect([s.signal, s.noise]).toEqual([2 ** 24 + 1000, 250]);
  });

  it('sums in four lanes, element j in lane j mod 4, total (l0 + l1) + (l2 + l3) (laneTotal)', () => {
    // squares 2^54, 1, 1, 1, 0, 1, 1, 1: one chain rounds every +1 away (ulp 4 at 2^54) and gives 2^54; the lanes
    // hold 2^54, 2, 2, 2 and give (2^54 + 2 → 2^54, half to even) + 4 = 2^54 + 4
    const w = f([2 ** 27, 1, 1, 1, 0, 1, 1, 1]);
    const s = errorSums(w, new Float32Array(8));
    expect([s.signal, s.noise, s.sumAbs]).toEqual([2 ** 54 + 4, 2 ** 54 + 4, 2 ** 27 + 6]);
    expect(laneTotal([1, 2, 3, 4], 0)).toBe(10);
  });

  it('stays within 1e-12 (relative) of one sequential float64 sum', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 3;
    const w = Float32Array.from({ length: 100_003 }, rnd);
    const wq = w.map((v) => Math.round(v * 20) / 20);
    let [signal, noise, sumAbs] = [0, 0, 0];
    for (let i = 0; i < w.length; i++) {
      signal += w[i] * w[i];
      noise += (w[i] - wq[i]) ** 2;
      sumAbs += Math.abs(w[i]);
    }
    const s = errorSums(w, wq);
    expect(Math.abs(s.signal / signal - 1)).toBeLessThan(1e-12);
    expect(Math.abs(s.noise / noise - 1)).toBeLessThan(1e-12);
    expect(Math.abs(s.sumAbs / sumAbs - 1)).toBeLessThan(1e-12);
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
