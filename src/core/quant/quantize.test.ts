import { describe, expect, it } from 'vitest';
import type { IntBits, BlockSize, Granularity, Scheme } from './config';
import { dequantize, fakeQuantize } from './dequantize';
import { float32ToFloat16Bits } from '../onnx/float16';
import { quantizeFloat16 } from './float16';
import { quantizeTensor, type QuantizeOptions } from './quantize';
import { MIN_NORMAL_FLOAT32 } from './range';
import type { QuantizedTensor } from './types';
import goldens from './golden/quantizelinear.json';
import { rng } from '../../../test/support/random';

const FLT_MAX = 3.4028234663852886e38;
/** Slack for |w − deq| ≤ scale/2: float32 rounding of w/scale and of (q − zp)·scale, relative to the step. */
const HALF_STEP_EPS = 1e-5;

const distributions: Record<string, (n: number, seed: number) => Float32Array> = {
  'normal with zeros': (n, seed) => {
    const r = rng(seed);
    return Float32Array.from({ length: n }, (_, i) =>
      i % 7 === 0 ? 0 : Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r()) * 0.05,
    );
  },
  'positive only': (n, seed) => {
    const r = rng(seed);
    return Float32Array.from({ length: n }, () => r() * 3 + 0.5);
  },
  'negative with outliers': (n, seed) => {
    const r = rng(seed);
    return Float32Array.from({ length: n }, (_, i) => (i % 37 === 5 ? -40 : -r() * 0.01));
  },
};

interface Layout {
  label: string;
  shape: number[];
  granularity: Granularity;
  blockSize: BlockSize;
  channelAxis: number;
  reductionAxis: number;
}
const L = (
  label: string,
  shape: number[],
  granularity: Granularity,
  axis: number,
  blockSize = 32,
): Layout => ({
  label,
  shape,
  granularity,
  blockSize: blockSize as BlockSize,
  channelAxis: axis,
  reductionAxis: axis,
});
const layouts: Layout[] = [
  L('tensor [64x48]', [64, 48], 'tensor', 0),
  L('tensor [3x4x5x6]', [3, 4, 5, 6], 'tensor', 0),
  L('channel axis 0 [64x48]', [64, 48], 'channel', 0),
  L('channel axis 1 [3x40x5]', [3, 40, 5], 'channel', 1),
  L('channel axis -1 [48x17]', [48, 17], 'channel', -1),
  L('block 16 axis 1 [8x70] partial', [8, 70], 'block', 1, 16),
  L('block 32 axis 0 [100x6] partial', [100, 6], 'block', 0, 32),
  L('block 64 axis 1 [3x150x4] partial', [3, 150, 4], 'block', 1, 64),
  L('block 128 axis 2 [2x3x300x2] partial', [2, 3, 300, 2], 'block', 2, 128),
  L('block 256 axis 0 [512x3]', [512, 3], 'block', 0, 256),
  L('block 256 axis 1 [2x100] one partial block', [2, 100], 'block', 1, 256),
];

// ---- independent reference: coordinates instead of strides, floor-based rounding -------------------------------

function refRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
}

function refGroup(shape: number[], layout: Layout, flat: number): number {
  if (layout.granularity === 'tensor') return 0;
  const rank = shape.length;
  const coords = new Array<number>(rank);
  for (let a = rank - 1, rest = flat; a >= 0; a--) {
    coords[a] = rest % shape[a];
    rest = Math.floor(rest / shape[a]);
  }
  if (layout.granularity === 'channel') return coords[(layout.channelAxis + rank) % rank];
  const axis = (layout.reductionAxis + rank) % rank;
  const gshape = shape.map((d, a) => (a === axis ? Math.ceil(d / layout.blockSize) : d));
  coords[axis] = Math.floor(coords[axis] / layout.blockSize);
  return coords.reduce((acc, c, a) => acc * gshape[a] + c, 0);
}

function refQuantize(w: Float32Array, layout: Layout, bits: IntBits, scheme: Scheme) {
  const sym = scheme === 'symmetric';
  const qmin = sym ? -(2 ** (bits - 1) - 1) : 0;
  const qmax = sym ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  const group = Array.from(w, (_, i) => refGroup(layout.shape, layout, i));
  const groups = Math.max(...group) + 1;
  const lo = new Array<number>(groups).fill(0);
  const hi = new Array<number>(groups).fill(0);
  w.forEach((v, i) => {
    lo[group[i]] = Math.min(lo[group[i]], v);
    hi[group[i]] = Math.max(hi[group[i]], v);
  });
  const scales = new Float32Array(groups);
  const zps = new Int16Array(groups);
  for (let g = 0; g < groups; g++) {
    if (lo[g] === hi[g]) scales[g] = 1;
    else if (sym) scales[g] = Math.max(Math.fround(Math.max(-lo[g], hi[g]) / qmax), MIN_NORMAL_FLOAT32);
    else {
      scales[g] = Math.max(Math.fround((hi[g] - lo[g]) / (qmax - qmin)), MIN_NORMAL_FLOAT32);
      zps[g] = Math.min(qmax, Math.max(qmin, refRound(Math.fround(qmin - Math.fround(lo[g] / scales[g])))));
    }
  }
  const levels = Int16Array.from(w, (v, i) =>
    Math.min(qmax, Math.max(qmin, refRound(Math.fround(v / scales[group[i]])) + zps[group[i]])),
  );
  return { levels, scales, zeroPoints: sym ? null : zps, group, qmin, qmax };
}

// ---- table-driven properties ------------------------------------------------------------------------------------

const BITS: IntBits[] = [2, 3, 4, 5, 6, 7, 8];
const SCHEMES: Scheme[] = ['symmetric', 'asymmetric'];
const cases = BITS.flatMap((bits) =>
  SCHEMES.map((scheme) => [`${bits}-bit ${scheme}`, bits, scheme] as const),
);

describe.each(cases)('[%s]', (_label, bits, scheme) => {
  describe.each(layouts)('$label', (layout) => {
    const opts: QuantizeOptions = { bits, scheme, ...layout, name: 'w' };
    const n = layout.shape.reduce((a, b) => a * b, 1);
    it.each(Object.keys(distributions))('%s', (dist) => {
      const w = distributions[dist](n, bits * 31 + n);
      const q = quantizeTensor(w, layout.shape, opts);
      const ref = refQuantize(w, layout, bits, scheme);

      // Bit-exact against the reference: scales, zero points, levels.
      expect(q.scales).toEqual(ref.scales);
      expect(q.zeroPoints).toEqual(ref.zeroPoints);
      expect(q.levels).toEqual(ref.levels);
      expect([q.qmin, q.qmax]).toEqual([ref.qmin, ref.qmax]);
      expect(q.scales.length).toBe(q.scaleShape.reduce((a, b) => a * b, 1));

      let below = 0;
      let above = 0;
      for (const v of q.levels) {
        if (v < q.qmin) below++;
        if (v > q.qmax) above++;
      }
      expect({ below, above }).toEqual({ below: 0, above: 0 });

      const deq = dequantize(q);
      let worst = 0;
      const zeroMisses: number[] = [];
      const formulaMisses: number[] = [];
      for (let i = 0; i < n; i++) {
        const s = q.scales[ref.group[i]];
        worst = Math.max(worst, Math.abs(deq[i] - w[i]) / s);
        if (w[i] === 0 && deq[i] !== 0) zeroMisses.push(i); // zero is exact in both schemes
        const zp = q.zeroPoints ? q.zeroPoints[ref.group[i]] : 0;
        if (deq[i] !== Math.fround((q.levels[i] - zp) * s)) formulaMisses.push(i);
      }
      expect({ zeroMisses, formulaMisses }).toEqual({ zeroMisses: [], formulaMisses: [] });
      expect(worst).toBeLessThanOrEqual(0.5 + HALF_STEP_EPS);
    });
  });
});

describe('scale shapes', () => {
  it.each([
    ['tensor', [4, 6], 'tensor', 0, 32, null, null, []],
    ['channel axis 1', [4, 6], 'channel', 1, 32, 1, null, [6]],
    ['block axis 0 (MatMul [K,N])', [70, 6], 'block', 0, 32, 0, 32, [3, 6]],
    ['block middle axis', [2, 40, 3], 'block', 1, 16, 1, 16, [2, 3, 3]],
  ] as const)('%s', (_l, shape, granularity, axis, bs, qAxis, qBlock, scaleShape) => {
    const w = new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5);
    const q = quantizeTensor(w, [...shape], {
      bits: 4,
      scheme: 'symmetric',
      granularity,
      blockSize: bs,
      channelAxis: axis,
      reductionAxis: axis,
    });
    expect({ axis: q.axis, blockSize: q.blockSize, scaleShape: q.scaleShape }).toEqual({
      axis: qAxis,
      blockSize: qBlock,
      scaleShape,
    });
  });
});

// ---- defined edge behaviour -------------------------------------------------------------------------------------

const base = {
  granularity: 'tensor',
  blockSize: 32,
  channelAxis: 0,
  reductionAxis: 1,
  name: 'fc1.weight',
} as const;

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe.each(SCHEMES)('edge cases [%s]', (scheme) => {
  it('all-zero tensor: scale 1, levels 0, zero point 0', () => {
    const q = quantizeTensor(new Float32Array(9), [3, 3], { ...base, bits: 4, scheme });
    expect(Array.from(q.scales)).toEqual([1]);
    expect(q.levels.every((v) => v === 0)).toBe(true);
    if (scheme === 'asymmetric') expect(Array.from(q.zeroPoints!)).toEqual([0]);
    expect(Array.from(dequantize(q))).toEqual(new Array(9).fill(0));
  });

  it('an all-zero channel next to a live one', () => {
    const w = Float32Array.from([0, 0, 0, 1, -2, 3]);
    const q = quantizeTensor(w, [2, 3], { ...base, granularity: 'channel', channelAxis: 0, bits: 8, scheme });
    expect(q.scales[0]).toBe(1);
    expect(Array.from(q.levels.slice(0, 3))).toEqual(
      scheme === 'symmetric' ? [0, 0, 0] : [0, 0, 0].map(() => q.zeroPoints![0]),
    );
  });

  it.each([
    [NaN, 17, 'NaN'],
    [Infinity, 0, 'Infinity'],
    [-Infinity, 40, '-Infinity'],
  ])('%s is a WeightValueError naming tensor and index', (bad, index, text) => {
    const w = new Float32Array(48).fill(0.25);
    w[index] = bad;
    for (const granularity of ['tensor', 'channel', 'block'] as const) {
      expect(
        thrown(() => quantizeTensor(w, [6, 8], { ...base, granularity, bits: 4, scheme })),
      ).toMatchObject({
        name: 'WeightValueError',
        message: `weight fc1.weight has ${text} at index ${index}`,
      });
    }
  });

  it('denormal-range groups get scale 2^-126 and flush to the levels the math gives', () => {
    const w = Float32Array.from([1e-40, -1e-40, 0, 0, 2 ** -126, 2 ** -127, 0, 0]);
    const q = quantizeTensor(w, [2, 4], { ...base, granularity: 'channel', channelAxis: 0, bits: 8, scheme });
    expect(Array.from(q.scales)).toEqual([2 ** -126, 2 ** -126]);
    const zp = q.zeroPoints ? Array.from(q.zeroPoints) : [0, 0];
    // 1e-40 / 2^-126 ≈ 0.0085 → 0; 2^-126 / 2^-126 = 1; 2^-127 / 2^-126 = 0.5 → tie → 0.
    expect(Array.from(q.levels).map((v, i) => v - zp[i >> 2])).toEqual([0, 0, 0, 0, 1, 0, 0, 0]);
    expect(dequantize(q).every((v) => Number.isFinite(v))).toBe(true);
  });

  it.each([2, 8] as const)('%i-bit: weights near float32 max still give a finite scale', (bits) => {
    const w = Float32Array.from([FLT_MAX, -FLT_MAX, 0, FLT_MAX / 2]);
    const q = quantizeTensor(w, [4], { ...base, bits, scheme });
    expect(Number.isFinite(q.scales[0]) && q.scales[0] > 0).toBe(true);
    const deq = dequantize(q);
    expect(deq[2]).toBe(0);
    expect(Math.abs(deq[3] - w[3])).toBeLessThanOrEqual(q.scales[0] / 2 + FLT_MAX * 1e-6);
  });
});

describe('option validation', () => {
  const w = new Float32Array(8).fill(1);
  it.each([9, 1, 0, 4.5, '4'])('bits %s is a QuantConfigError', (bits) => {
    expect(
      thrown(() => quantizeTensor(w, [8], { ...base, scheme: 'symmetric', bits: bits as IntBits })),
    ).toMatchObject({
      name: 'QuantConfigError',
      message: expect.stringContaining(`got ${bits}`),
    });
  });
  it.each([
    ['shape/length mismatch', { shape: [3, 3] }, 'has 9 elements, got 8 values'],
    ['channel axis out of range', { shape: [2, 4], granularity: 'channel', channelAxis: 2 }, 'got 2'],
    ['reduction axis out of range', { shape: [2, 4], granularity: 'block', reductionAxis: -3 }, 'got -3'],
    ['block size 0', { shape: [2, 4], granularity: 'block', blockSize: 0 }, 'got 0'],
    ['unknown scheme', { shape: [8], scheme: 'affine' }, 'got affine'],
    ['unknown granularity', { shape: [8], granularity: 'row' }, 'got row'],
  ])('%s', (_l, over, message) => {
    const { shape, ...rest } = over as { shape: number[] } & Partial<QuantizeOptions>;
    const opts = { ...base, bits: 4, scheme: 'symmetric', ...rest } as QuantizeOptions;
    expect(thrown(() => quantizeTensor(w, shape, opts))).toMatchObject({
      name: 'QuantConfigError',
      message: expect.stringContaining(message),
    });
  });
});

describe('fakeQuantize', () => {
  it('equals dequantize(quantizeTensor(...)) and does not alias the input', () => {
    const w = distributions['normal with zeros'](96, 3);
    const opts = {
      ...base,
      granularity: 'block',
      reductionAxis: 1,
      blockSize: 16,
      bits: 3,
      scheme: 'asymmetric',
    } as const;
    const f = fakeQuantize(w, [4, 24], opts);
    const q: QuantizedTensor = quantizeTensor(w, [4, 24], opts);
    expect(f).toEqual(dequantize(q));
    expect(f).not.toBe(w);
  });
});

// ---- goldens: levels and dequantized values computed by onnxruntime-node (see golden/quantizelinear.json) --------

interface GoldenTensor {
  data: number[];
  dims: number[];
  type: string;
}
interface Golden {
  name: string;
  options: Omit<QuantizeOptions, 'name'>;
  cases: { inputs: GoldenTensor[]; outputs: GoldenTensor[] }[];
}

describe.each(goldens as Golden[])('golden [$name]', ({ options, cases: [c] }) => {
  const [x, scale, zp] = c.inputs;
  const q = quantizeTensor(Float32Array.from(x.data), x.dims, options);
  it('scales and zero points as stored', () => {
    expect(Array.from(q.scales)).toEqual(scale.data);
    expect(q.axis === null ? [] : q.scaleShape).toEqual(scale.dims);
    expect(q.zeroPoints ? Array.from(q.zeroPoints) : scale.data.map(() => 0)).toEqual(zp.data);
  });
  it('levels equal onnxruntime QuantizeLinear', () => {
    expect(Array.from(q.levels)).toEqual(c.outputs[0].data);
  });
  it('dequantize equals onnxruntime DequantizeLinear', () => {
    expect(Array.from(dequantize(q))).toEqual(c.outputs[1].data);
  });
});

// ---- float16 ----------------------------------------------------------------------------------------------------

describe('quantizeFloat16', () => {
  it.each([
    ['1 + 2^-11 ties down to 1', 1 + 2 ** -11, 0x3c00],
    ['1 + 3·2^-11 ties up to 1 + 2^-9', 1 + 3 * 2 ** -11, 0x3c02],
    ['1 + 2^-11 + 2^-20 rounds up', 1 + 2 ** -11 + 2 ** -20, 0x3c01],
    ['65504 is the max half', 65504, 0x7bff],
    ['65519 still rounds down to 65504', 65519, 0x7bff],
    ['-2', -2, 0xc000],
    ['smallest normal half 2^-14', 2 ** -14, 0x0400],
    ['just below 2^-14 rounds up to it', Math.fround(2 ** -14 * (1 - 2 ** -12)), 0x0400],
    ['subnormal 2^-24', 2 ** -24, 0x0001],
    ['2^-25 ties to 0', 2 ** -25, 0x0000],
    ['1.5·2^-24 ties up to 2·2^-24', 1.5 * 2 ** -24, 0x0002],
    ['-0 keeps its sign', -0, 0x8000],
  ])('%s', (_l, v, bits) => {
    const r = quantizeFloat16(Float32Array.from([v]));
    expect(r.bits[0].toString(16)).toBe(bits.toString(16));
  });

  it('values are the exact float32 of the halves, for every finite half', () => {
    const halves = Uint16Array.from({ length: 0x7c00 }, (_, i) => i);
    const asFloat = Float32Array.from(
      halves,
      (h) =>
        (h & 0x3ff) * 2 ** -24 * (h < 0x400 ? 1 : 0) +
        (h >= 0x400 ? (1 + (h & 0x3ff) / 1024) * 2 ** ((h >> 10) - 15) : 0),
    );
    const r = quantizeFloat16(asFloat);
    expect(r.bits).toEqual(halves);
    expect(r.values).toEqual(asFloat);
  });

  it('agrees with the reference converter on random float32 across all exponents', () => {
    const u = new Uint32Array(20000);
    let a = 12345;
    for (let i = 0; i < u.length; i++) {
      a = (Math.imul(a, 1103515245) + 12345) >>> 0;
      u[i] = (a & 0x807fffff) | ((((a >>> 8) % 40) + 100) << 23); // exponents 2^-27..2^12
    }
    const w = new Float32Array(u.buffer);
    const r = quantizeFloat16(w);
    const misses = Array.from(w).filter((v, i) => r.bits[i] !== float32ToFloat16Bits(v));
    expect(misses).toEqual([]);
  });

  it.each([
    ['65520 (rounds to Inf)', 65520, 'beyond float16'],
    ['-1e6', -1e6, 'beyond float16'],
    ['NaN', NaN, 'NaN at index 3'],
    ['Infinity', Infinity, 'Infinity at index 3'],
  ])('%s is a WeightValueError naming the tensor', (_l, bad, text) => {
    const w = Float32Array.from([1, 2, 3, bad]);
    expect(thrown(() => quantizeFloat16(w, 'emb.weight'))).toMatchObject({
      name: 'WeightValueError',
      message: expect.stringMatching(new RegExp(`^weight emb\\.weight has .*${text.replace(/[.]/g, '\\.')}`)),
    });
  });
});
