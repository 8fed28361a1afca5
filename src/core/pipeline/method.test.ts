import { describe, expect, it } from 'vitest';
import type { WeightInfo } from '../onnx/types';
import { normalizeConfig, specFor } from '../quant/config';
import { methodFor, needsCalibration, quantizeWithMethod } from './method';
import { quantizeWeight } from './weight';

const weight = (shape: number[], op: WeightInfo['op'] = 'Gemm'): WeightInfo => ({
  name: 'w',
  initializer: 'w',
  node: 'n',
  nodeIndex: 0,
  inputIndex: 1,
  op,
  via: [],
  shape,
  storedShape: shape,
  channelAxis: 0,
  reductionAxis: 1,
  dtype: 'float32',
  opDtype: 'float32',
  elements: shape.reduce((a, b) => a * b, 1),
  bytes: 4 * shape.reduce((a, b) => a * b, 1),
  external: false,
  consumers: 1,
  source: 'initializer',
  graphPath: [],
  homePath: [],
  scope: '',
  uses: [{ graphPath: [], node: 'n', nodeIndex: 0, inputIndex: 1 }],
});

const values = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 5)));
/** H = Σ x·xᵀ of a few correlated vectors, so GPTQ has something to exploit. */
function hessian(cols: number): Float64Array {
  const h = new Float64Array(cols * cols);
  for (let s = 0; s < 3 * cols; s++) {
    const x = Float64Array.from(
      { length: cols },
      (_, c) => Math.cos(s * 0.37 + c * 0.11) + (c === s % cols ? 1 : 0),
    );
    for (let i = 0; i < cols; i++) for (let j = 0; j < cols; j++) h[i * cols + j] += x[i] * x[j];
  }
  return h;
}

describe('quantizeWithMethod', () => {
  const w = weight([8, 16]);
  const spec = specFor(normalizeConfig({ bits: 3 }), 'w')!;
  const cal = { hessians: new Map([['w', { hessians: [hessian(16)] }]]) };

  it.each(['gptq', 'adaround'] as const)(
    '%s: a cancel inside the solve stops it (not a fallback)',
    (method) => {
      let asked = 0;
      const steps: number[] = [];
      expect(() =>
        quantizeWithMethod(
          values(128),
          w,
          spec,
          method,
          cal,
          undefined,
          (s) => steps.push(s),
          () => ++asked >= 1,
        ),
      ).toThrow(expect.objectContaining({ name: 'CancelledError' }));
      expect(asked).toBe(1); // the first check inside the solve saw it, and nothing ran after
      expect(steps).toEqual([]); // AdaRound: stopped at step 1 of 300, before any progress report
    },
  );

  it.each([
    ['rtn: exactly quantizeWeight', 'rtn', cal, 'rtn', []],
    ['gptq with a Hessian', 'gptq', cal, 'gptq', []],
    ['adaround with a Hessian', 'adaround', cal, 'adaround', [/^\d+ AdaRound steps$/]],
    [
      'gptq without a Hessian falls back to RTN, says why',
      'gptq',
      undefined,
      'rtn',
      [/no calibration activations/],
    ],
  ] as const)('%s', (_what, method, calibration, used, notes) => {
    const { qw, rounding } = quantizeWithMethod(values(128), w, spec, method, calibration);
    expect(rounding.requested).toBe(method);
    expect(rounding.used).toBe(used);
    expect(rounding.notes.length).toBe(notes.length);
    notes.forEach((n, i) => expect(rounding.notes[i]).toMatch(n));
    if (method === 'rtn') expect(qw).toEqual(quantizeWeight(values(128), w, spec));
    if (used !== 'rtn') expect(rounding.error!).toBeLessThanOrEqual(rounding.rtnError!);
  });

  it('AdaRound reports its steps on the weight (every 10 and the last), for progress', () => {
    const steps: [number, number][] = [];
    const { rounding } = quantizeWithMethod(values(128), w, spec, 'adaround', cal, undefined, (step, total) =>
      steps.push([step, total]),
    );
    // It may stop early once every rounding is decided: the last report is the step it stopped on.
    const done = Number(/^(\d+) AdaRound steps$/.exec(rounding.notes[0])![1]);
    expect(steps[0]).toEqual([10, 300]);
    expect(steps.at(-1)).toEqual([done, 300]);
    expect(steps).toHaveLength(Math.ceil(done / 10));
  });

  it('a weight data-aware rounding cannot take (MatMul of rank 3) is RTN with the reason', () => {
    const w3 = weight([2, 4, 8], 'MatMul');
    const c = { hessians: new Map([['w', { hessians: [hessian(4)] }]]) };
    const { qw, rounding } = quantizeWithMethod(values(64), { ...w3, channelAxis: 2 }, spec, 'gptq', c);
    expect(rounding.used).toBe('rtn');
    expect(rounding.notes[0]).toMatch(/gptq not applicable .*2-D MatMul\/Gemm/);
    expect(qw.kind).toBe('int');
  });
});

describe('clip ranges apply to the data-aware methods’ grid', () => {
  const w = weight([8, 64]);
  const identity = new Float64Array(64 * 64).map((_, i) => (i % 65 === 0 ? 1 : 0));
  // Outliers so that the clipped grid differs from min/max.
  const vals = values(512).map((v, i) => (i % 37 === 0 ? v * 8 : v));
  it.each([
    ['mse', 'channel', 'gptq'],
    ['percentile', 'channel', 'gptq'],
    ['mse', 'block', 'gptq'],
    ['percentile', 'tensor', 'adaround'],
    ['mse', 'block', 'adaround'],
  ] as const)('clip %s, %s grid, %s: the scales RTN uses with that clip', (clip, granularity, method) => {
    const spec = specFor(
      normalizeConfig({ bits: 4, granularity, blockSize: 16, clip, clipPercentile: 99 }),
      'w',
    )!;
    const rtn = quantizeWeight(vals, w, spec);
    const minmax = quantizeWeight(vals, w, { ...spec, clip: 'minmax' });
    if (rtn.kind !== 'int' || minmax.kind !== 'int') throw new Error('int expected');
    expect(Array.from(rtn.q.scales)).not.toEqual(Array.from(minmax.q.scales)); // the clip changed the grid
    const cal = { hessians: new Map([['w', { hessians: [hessian(64)] }]]) };
    const { qw, rounding } = quantizeWithMethod(vals, w, spec, method, cal);
    if (qw.kind !== 'int') throw new Error('int expected');
    expect(rounding.used).not.toBe('rtn');
    expect(Array.from(qw.q.scales)).toEqual(Array.from(rtn.q.scales));
    // With H = I, GPTQ on the clipped grid is RTN on the clipped grid, bit for bit.
    if (method === 'gptq') {
      const id = { hessians: new Map([['w', { hessians: [identity] }]]) };
      expect(quantizeWithMethod(vals, w, spec, 'gptq', id).qw).toEqual(rtn);
    }
  });
});

describe('methodFor / needsCalibration', () => {
  it.each([
    [{}, 'rtn', 'rtn', false],
    [{ method: 'gptq' }, 'gptq', 'gptq', true],
    [{ layers: { a: { method: 'adaround' } } }, 'adaround', 'rtn', true],
    [{ method: 'gptq', layers: { a: { method: 'rtn' } } }, 'rtn', 'gptq', true],
  ])('%j', (input, a, b, needs) => {
    const cfg = normalizeConfig(input);
    expect(methodFor(cfg, 'a')).toBe(a);
    expect(methodFor(cfg, 'b')).toBe(b);
    expect(needsCalibration(cfg)).toBe(needs);
  });
});
