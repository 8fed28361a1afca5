// Cancel inside one layer's solve: AdaRound asks before every step, GPTQ before every block of rows. Measured by the
// steps / checks done, never by time.
import { describe, expect, it } from 'vitest';
import { problem, type Layout } from '../../../test/support/layer-problems';
import type { Granularity, IntBits, Scheme } from '../quant/config';
import { adaroundQuantize } from './adaround';
import { gptqQuantize } from './gptq';
import { identity } from '../../../test/support/layer-problems';

const spec = { bits: 4 as IntBits, granularity: 'channel' as Granularity, scheme: 'symmetric' as Scheme };

describe('AdaRound stops at the step the cancel is seen', () => {
  it.each([
    // layout, cancel once this many steps are reported, steps run in all
    ['conv', 10, 300],
    ['matmul', 20, 300],
    ['gemm-transB', 50, 300],
    ['conv-grouped', 0, 300],
  ] as [Layout, number, number][])('%s: cancelled after %i of %i steps', (layout, at, iterations) => {
    const p = problem(layout, spec, 7);
    const steps: number[] = [];
    let asked = 0;
    let error: unknown = null;
    try {
      adaroundQuantize(p.values, p.shape, p.opts, p, {
        iterations,
        warmup: 0.9, // no early stop before step 270: every step runs unless cancelled
        onStep: (s) => steps.push(s),
        isCancelled: () => {
          asked++;
          return (steps.at(-1) ?? 0) >= at;
        },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      name: 'CancelledError',
      message: `AdaRound was cancelled after ${at} of ${iterations} steps`,
    });
    // Asked before each step; the step after the cancel never ran (progress is reported every 10 steps).
    expect(Math.max(0, ...steps)).toBe(at);
    expect(asked).toBe(at + 1);
  });

  it('a flag that never turns leaves the result unchanged', () => {
    const p = problem('conv', spec, 3);
    const a = adaroundQuantize(p.values, p.shape, p.opts, p, { iterations: 40 });
    const b = adaroundQuantize(p.values, p.shape, p.opts, p, { iterations: 40, isCancelled: () => false });
    expect(b).toEqual(a);
  });
});

describe('GPTQ stops at the next block of rows', () => {
  it.each([
    // layout, checks before the cancel is seen
    ['matmul', 1],
    ['gemm-transB', 2],
    ['conv-grouped', 1],
    ['conv-grouped', 2],
  ] as [Layout, number][])('%s: cancelled at check %i of more', (layout, at) => {
    const p = problem(layout, spec, 5);
    let total = 0;
    const plain = gptqQuantize(p.values, p.shape, p.opts, p, { isCancelled: () => (total++, false) });
    expect(total).toBeGreaterThanOrEqual(at);
    let asked = 0;
    expect(() => gptqQuantize(p.values, p.shape, p.opts, p, { isCancelled: () => ++asked >= at })).toThrow(
      expect.objectContaining({ name: 'CancelledError' }),
    );
    expect(asked).toBe(at); // nothing after the check that saw it
    expect(gptqQuantize(p.values, p.shape, p.opts, p)).toEqual(plain);
  });
});

describe('GPTQ stops inside the Hessian inverse', () => {
  it('a cancel seen during the inverse of a wide layer ends the solve there: no row is solved', () => {
    // 64 input columns: the inverse asks 8 times in the Cholesky and 8 in the triangular inverse, then the solve
    // once per block of 8 rows. A flag set at the 3rd check stops in the Cholesky.
    const cols = 64;
    const rows = 16;
    const values = Float32Array.from({ length: cols * rows }, (_, i) => Math.sin(i * 0.37));
    const opts = { ...spec, blockSize: 32 as const, name: 'wide', channelAxis: 1, reductionAxis: 0 };
    let total = 0;
    gptqQuantize(
      values,
      [cols, rows],
      opts,
      { hessians: [identity(cols)] },
      {
        isCancelled: () => (total++, false),
      },
    );
    expect(total).toBe(8 + 8 + rows / 8);
    let asked = 0;
    expect(() =>
      gptqQuantize(
        values,
        [cols, rows],
        opts,
        { hessians: [identity(cols)] },
        {
          isCancelled: () => ++asked >= 3,
        },
      ),
    ).toThrow(
      expect.objectContaining({
        name: 'CancelledError',
        message: 'wide: inverting the Hessian: the Cholesky factorization was cancelled at row 16 of 64',
      }),
    );
    expect(asked).toBe(3);
  });
});
