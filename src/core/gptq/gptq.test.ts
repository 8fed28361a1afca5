import { describe, expect, it } from 'vitest';
import { identity, problem, type Layout } from '../../../test/support/layer-problems';
import type { Granularity, IntBits, Scheme } from '../quant/config';
import { dequantize } from '../quant/dequantize';
import { quantizeTensor } from '../quant/quantize';
import { gptqQuantize, layerError } from './gptq';
import { rowView } from './rows';

const BITS: IntBits[] = [2, 3, 4, 5, 6, 7, 8];
const GRANULARITIES: Granularity[] = ['tensor', 'channel', 'block'];
const SCHEMES: Scheme[] = ['symmetric', 'asymmetric'];
const LAYOUTS: Layout[] = ['matmul', 'gemm-transB', 'conv', 'conv-grouped'];

const table = BITS.flatMap((bits) =>
  GRANULARITIES.flatMap((granularity) => SCHEMES.map((scheme) => ({ bits, granularity, scheme }))),
);

describe('GPTQ with H = I is round-to-nearest, bit for bit', () => {
  const cases = table.flatMap((spec) =>
    LAYOUTS.map((layout, i) => ({ ...spec, layout, actOrder: i % 2 === 1, lazyBatch: [1, 5, 128][i % 3] })),
  );
  it.each(cases)(
    '$layout $bits-bit $granularity $scheme (act-order $actOrder, lazy batch $lazyBatch)',
    ({ layout, actOrder, lazyBatch, ...spec }) => {
      const p = problem(layout, spec, 11, 'identity');
      const rtn = quantizeTensor(p.values, p.shape, p.opts);
      const res = gptqQuantize(p.values, p.shape, p.opts, p, { actOrder, lazyBatch, keepBetter: false });
      expect(res.method).toBe('gptq');
      expect(res.q).toEqual(rtn);
      expect(res.error).toBe(res.rtnError);
    },
  );
});

describe('GPTQ never increases ‖WX − ŴX‖² over RTN on random problems', () => {
  const cases = table.flatMap((spec) =>
    LAYOUTS.map((layout, i) => ({ ...spec, layout, actOrder: i % 2 === 0 })),
  );
  it.each(cases)(
    '$layout $bits-bit $granularity $scheme (act-order $actOrder)',
    ({ layout, actOrder, ...spec }) => {
      const p = problem(layout, spec, 100 + spec.bits, 'random');
      const res = gptqQuantize(p.values, p.shape, p.opts, p, { actOrder, keepBetter: false });
      const rtn = quantizeTensor(p.values, p.shape, p.opts);
      // Independent check of both errors from the dequantized tensors.
      const view = rowView(p.values, p.shape, p.opts);
      const rows = (q: Float32Array) => Float64Array.from(view.index, (i) => q[i]);
      const err = layerError(view, p, rows(dequantize(res.q)));
      expect(err).toBeCloseTo(res.error, 6);
      expect(layerError(view, p, rows(dequantize(rtn)))).toBeCloseTo(res.rtnError, 6);
      expect(res.error).toBeLessThanOrEqual(res.rtnError);
      // Same export form as RTN: shape, axis, block, grid layout, level range.
      expect({ ...res.q, levels: null, scales: null, zeroPoints: null }).toEqual({
        ...rtn,
        levels: null,
        scales: null,
        zeroPoints: null,
      });
      expect(res.q.scales.length).toBe(rtn.scales.length);
      expect(res.q.levels.every((q) => q >= rtn.qmin && q <= rtn.qmax)).toBe(true);
    },
  );
});

describe('GPTQ details', () => {
  const spec = { bits: 3 as IntBits, granularity: 'channel' as Granularity, scheme: 'symmetric' as Scheme };

  it('lazy batch size does not change the result beyond float64 rounding', () => {
    const p = problem('gemm-transB', spec, 7);
    const a = gptqQuantize(p.values, p.shape, p.opts, p, { lazyBatch: 1, keepBetter: false });
    const b = gptqQuantize(p.values, p.shape, p.opts, p, { lazyBatch: 7, keepBetter: false });
    expect(b.q.levels).toEqual(a.q.levels);
    expect(b.error).toBeCloseTo(a.error, 9);
  });

  it('columns no calibration vector reached (zero H row) get no feedback: they stay RTN', () => {
    const p = problem('gemm-transB', spec, 8);
    const n = p.cols;
    const h = Float64Array.from(p.hessians[0]);
    const dead = [0, 5, n - 1];
    for (const j of dead) for (let i = 0; i < n; i++) h[i * n + j] = h[j * n + i] = 0;
    const res = gptqQuantize(p.values, p.shape, p.opts, { hessians: [h] }, { keepBetter: false });
    const rtn = quantizeTensor(p.values, p.shape, p.opts);
    for (let r = 0; r < p.shape[0]; r++)
      for (const j of dead) expect(res.q.levels[r * n + j]).toBe(rtn.levels[r * n + j]);
    expect(res.q.levels).not.toEqual(rtn.levels);
  });

  it('block-wise: scales fitted to the updated weights (dynamic groups) beat the original grid at 4 and 6 bits', () => {
    // Not at every problem: at 2-bit symmetric the original grid often wins. Summed over seeds it is clear.
    let fixedSum = 0;
    let dynSum = 0;
    for (const bits of [4, 6] as IntBits[])
      for (let seed = 1; seed <= 4; seed++) {
        const p = problem('matmul', { ...spec, bits, granularity: 'block', blockSize: 16 }, seed * 31);
        const fixed = gptqQuantize(p.values, p.shape, p.opts, p, { dynamicGroups: false, keepBetter: false });
        const dyn = gptqQuantize(p.values, p.shape, p.opts, p, { dynamicGroups: true, keepBetter: false });
        expect(fixed.q.scales).toEqual(quantizeTensor(p.values, p.shape, p.opts).scales);
        expect(dyn.q.scales).not.toEqual(fixed.q.scales);
        fixedSum += fixed.error / fixed.rtnError;
        dynSum += dyn.error / dyn.rtnError;
      }
    expect(dynSum).toBeLessThan(0.95 * fixedSum);
  });

  it('keepBetter: a GPTQ result worse than RTN is replaced by RTN, with a note', () => {
    // Raw GPTQ can lose at 2-bit per-tensor with almost no damping (error feedback pushes weights past the grid).
    const p = problem('gemm-transB', { ...spec, bits: 2, granularity: 'tensor' }, 138);
    const o = { dampPercent: 1e-4, actOrder: true };
    const raw = gptqQuantize(p.values, p.shape, p.opts, p, { ...o, keepBetter: false });
    expect(raw.error).toBeGreaterThan(1.5 * raw.rtnError);
    const kept = gptqQuantize(p.values, p.shape, p.opts, p, o);
    expect(kept.method).toBe('rtn');
    expect(kept.q).toEqual(quantizeTensor(p.values, p.shape, p.opts));
    expect(kept.error).toBe(raw.rtnError);
    expect(kept.notes[0]).toMatch(/GPTQ gave a higher output error .* kept RTN/);
  });

  it('refuses Hessians of the wrong size and weights it cannot view as rows', () => {
    const p = problem('matmul', spec, 12);
    expect(() => gptqQuantize(p.values, p.shape, p.opts, { hessians: [identity(p.cols + 1)] })).toThrow(
      /Hessian\(s\) of 41² do not fit a weight of 12 rows × 40 columns/,
    );
    expect(() => gptqQuantize(p.values, p.shape, p.opts, { hessians: [] })).toThrow(/0 Hessian/);
    const convT = { ...p.opts, channelAxis: 1, reductionAxis: 0 };
    expect(() =>
      gptqQuantize(new Float32Array(2 * 3 * 2 * 2), [2, 3, 2, 2], convT, { hessians: [identity(8)] }),
    ).toThrow(/needs a 2-D MatMul\/Gemm or a Conv/);
    expect(() => gptqQuantize(p.values, p.shape, p.opts, p, { lazyBatch: 0 })).toThrow(/lazy batch/);
  });
});
