import { describe, expect, it } from 'vitest';
import { problem, type Layout } from '../../../test/support/layer-problems';
import type { Granularity, IntBits, Scheme } from '../quant/config';
import { quantizeTensor } from '../quant/quantize';
import { adaroundQuantize } from './adaround';

const BITS: IntBits[] = [2, 3, 4, 5, 6, 8];
const GRANULARITIES: Granularity[] = ['tensor', 'channel', 'block'];
const SCHEMES: Scheme[] = ['symmetric', 'asymmetric'];
const LAYOUTS: Layout[] = ['matmul', 'gemm-transB', 'conv', 'conv-grouped'];

const cases = BITS.flatMap((bits) =>
  GRANULARITIES.flatMap((granularity) =>
    SCHEMES.map((scheme, i) => ({ bits, granularity, scheme, layout: LAYOUTS[(bits + i) % 4] })),
  ),
);

describe('AdaRound', () => {
  it.each(cases)(
    '$layout $bits-bit $granularity $scheme: within one level of RTN, lower output error',
    (c) => {
      const p = problem(c.layout, c, 200 + c.bits);
      const rtn = quantizeTensor(p.values, p.shape, p.opts);
      const res = adaroundQuantize(p.values, p.shape, p.opts, p, { keepBetter: false, iterations: 200 });
      expect(res.method).toBe('adaround');
      expect(res.q.scales).toEqual(rtn.scales);
      expect(res.q.zeroPoints).toEqual(rtn.zeroPoints);
      let changed = 0;
      res.q.levels.forEach((q, i) => {
        expect(Math.abs(q - rtn.levels[i])).toBeLessThanOrEqual(1);
        if (q !== rtn.levels[i]) changed++;
      });
      expect(changed).toBeGreaterThan(0);
      expect(res.error).toBeLessThanOrEqual(res.rtnError * (c.bits <= 4 ? 0.9 : 1));
    },
  );
});

describe('AdaRound details', () => {
  const spec = { bits: 4 as IntBits, granularity: 'channel' as Granularity, scheme: 'symmetric' as Scheme };

  it('is deterministic', () => {
    const p = problem('conv', spec, 3);
    const a = adaroundQuantize(p.values, p.shape, p.opts, p, { iterations: 50 });
    const b = adaroundQuantize(p.values, p.shape, p.opts, p, { iterations: 50 });
    expect(b).toEqual(a);
    expect(a.iterations).toBe(50);
  });

  it('stops once every rounding is decided, and reports the steps it ran', () => {
    const p = problem('conv', spec, 3);
    const steps: number[] = [];
    const res = adaroundQuantize(p.values, p.shape, p.opts, p, {
      iterations: 1000,
      onStep: (s) => steps.push(s),
    });
    expect(res.iterations).toBeLessThan(1000);
    expect(steps.at(-1)).toBeLessThanOrEqual(res.iterations!);
    expect(res.error).toBeLessThan(res.rtnError);
  });

  it('keepBetter: a learned rounding worse than RTN (5 steps, no regulariser) is replaced by RTN, with a note', () => {
    const p = problem('gemm-transB', spec, 5);
    const o = { iterations: 5, regularization: 0 };
    const raw = adaroundQuantize(p.values, p.shape, p.opts, p, { ...o, keepBetter: false });
    expect(raw.error).toBeGreaterThan(raw.rtnError);
    const kept = adaroundQuantize(p.values, p.shape, p.opts, p, o);
    expect(kept.method).toBe('rtn');
    expect(kept.q).toEqual(quantizeTensor(p.values, p.shape, p.opts));
    expect(kept.notes[0]).toMatch(/AdaRound gave a higher output error .* kept RTN/);
  });

  it('reports progress and refuses bad options', () => {
    const p = problem('matmul', spec, 4);
    const steps: number[] = [];
    adaroundQuantize(p.values, p.shape, p.opts, p, { iterations: 25, onStep: (s) => steps.push(s) });
    expect(steps).toEqual([10, 20, 25]);
    expect(() => adaroundQuantize(p.values, p.shape, p.opts, p, { iterations: -1 })).toThrow(
      /iterations ≥ 0/,
    );
    expect(() => adaroundQuantize(p.values, p.shape, p.opts, p, { warmup: 1 })).toThrow(/warmup in \[0, 1\)/);
  });
});
