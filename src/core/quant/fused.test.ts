import { describe, expect, it } from 'vitest';
import { errorSums } from '../metrics/error';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../onnx/float16';
import { dequantize } from './dequantize';
import { float16Fused } from './float16-fused';
import { quantizeFused, type OutRounding } from './fused';
import { packLevels, type PackContainer } from './pack';
import { quantizeFloat16 } from './float16';
import { quantizeTensor, type QuantizeOptions } from './quantize';
import { roundHalfEven } from './round';
import { setSimdKernel } from './simd/kernel';

function values(n: number, seed: number): Float32Array {
  let x = seed;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = ((x / 2 ** 32 - 0.5) * 3) ** 3; // heavy-ish tails
  }
  out[3] = 0.5; // exact ties appear with scale 1/2^k grids
  return out;
}

const bf16 = (x: number) => {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  u[0] = (u[0] + 0x7fff + ((u[0] >>> 16) & 1)) & 0xffff0000;
  return f[0];
};

type Case = [string, number[], Partial<QuantizeOptions>, PackContainer, OutRounding];
const cases: Case[] = [
  [
    'int8 per-channel axis 0',
    [16, 24],
    { bits: 8, granularity: 'channel', channelAxis: 0 },
    'int8',
    'float32',
  ],
  [
    'int8 per-channel last axis',
    [24, 16],
    { bits: 8, granularity: 'channel', channelAxis: 1 },
    'int8',
    'float32',
  ],
  [
    'uint8 per-tensor asym',
    [7, 13],
    { bits: 8, scheme: 'asymmetric', granularity: 'tensor' },
    'uint8',
    'float32',
  ],
  [
    'int4 block 16 axis 0',
    [40, 6],
    { bits: 4, granularity: 'block', blockSize: 16, reductionAxis: 0 },
    'int4',
    'float32',
  ],
  [
    'uint4 block 32 axis 1, odd length',
    [5, 33],
    { bits: 4, scheme: 'asymmetric', granularity: 'block', blockSize: 32, reductionAxis: 1 },
    'uint4',
    'float32',
  ],
  [
    'int4 3-bit conv channel',
    [4, 3, 3, 3],
    { bits: 3, granularity: 'channel', channelAxis: 0 },
    'int4',
    'float32',
  ],
  ['int2 per-tensor', [9, 7], { bits: 2, granularity: 'tensor' }, 'int2', 'float32'],
  [
    'uint2 block, float16 op',
    [33, 5],
    { bits: 2, scheme: 'asymmetric', granularity: 'block', blockSize: 16, reductionAxis: 0 },
    'uint2',
    'float16',
  ],
  [
    'int8 5-bit, bfloat16 op',
    [8, 8],
    { bits: 5, granularity: 'channel', channelAxis: 0 },
    'int8',
    'bfloat16',
  ],
];

describe('quantizeFused equals quantizeTensor + packLevels + dequantize + errorSums', () => {
  it.each(cases)('%s', (_, shape, o, container, rounding) => {
    const w = values(
      shape.reduce((a, b) => a * b, 1),
      shape.length * 31 + shape[0],
    );
    const opts: QuantizeOptions = {
      bits: 8,
      scheme: 'symmetric',
      granularity: 'channel',
      blockSize: 32,
      channelAxis: 0,
      reductionAxis: 1,
      ...o,
    };
    const ref = quantizeTensor(w, shape, opts);
    let deq = dequantize(ref);
    if (rounding === 'float16') deq = deq.map((x) => float16BitsToFloat32(float32ToFloat16Bits(x)));
    if (rounding === 'bfloat16') deq = deq.map(bf16);
    const fused = quantizeFused(w, shape, opts, container, rounding);
    expect(fused.packed).toEqual(packLevels(ref.levels, container));
    expect(fused.sums).toEqual(errorSums(w, deq));
    expect(fused.params.scales).toEqual(ref.scales);
    const levels = quantizeFused(w, shape, opts, null, rounding);
    expect(levels.q.levels).toEqual(ref.levels);
    expect(levels.sums).toEqual(fused.sums);
  });

  const int8pc: QuantizeOptions = {
    bits: 8,
    scheme: 'symmetric',
    granularity: 'channel',
    blockSize: 32,
    channelAxis: 0,
    reductionAxis: 1,
  };
  it.each([
    ['int8', 'int8', { granularity: 'channel' }],
    ['int4 blocks', 'int4', { bits: 4, granularity: 'block', reductionAxis: 1 }],
    ['uint2 per-tensor', 'uint2', { bits: 2, scheme: 'asymmetric', granularity: 'tensor' }],
  ] as const)(
    'writes %s into a given output (any contents, any offset) as into a new one',
    (_n, container, o) => {
      const opts: QuantizeOptions = { ...int8pc, ...o };
      const w = values(64 * 40, 3);
      for (const simd of [true, false]) {
        setSimdKernel(simd);
        const fresh = quantizeFused(w, [64, 40], opts, container, 'float32');
        const buffer = new Uint8Array(fresh.packed.length + 9).fill(0xa5);
        const into = quantizeFused(w, [64, 40], opts, container, 'float32', buffer.subarray(3));
        expect(into.packed).toEqual(fresh.packed);
        expect(into.packed.buffer).toBe(buffer.buffer);
        expect(into.sums).toEqual(fresh.sums);
        expect(() => quantizeFused(w, [64, 40], opts, container, 'float32', buffer.subarray(10))).toThrow(
          /too small/,
        );
      }
      setSimdKernel(true);
    },
  );

  it('refuses a container the levels do not fit', () => {
    const opts = {
      bits: 8,
      scheme: 'symmetric',
      granularity: 'tensor',
      blockSize: 32,
      channelAxis: 0,
      reductionAxis: 1,
    } as const;
    expect(() => quantizeFused(values(8, 1), [8], opts, 'int4', 'float32')).toThrow(/do not fit int4/);
  });

  it('float16Fused gives quantizeFloat16 bits and the sums of its values', () => {
    const w = values(1000, 5);
    const ref = quantizeFloat16(w);
    const got = float16Fused(w);
    expect(got.bits).toEqual(ref.bits);
    expect(got.sums).toEqual(errorSums(w, ref.values));
    expect(() => float16Fused(new Float32Array([1, 70000]), 'big')).toThrow(/big has 70000 at index 1/);
  });

  it('float16Fused matches the reference converter on every exponent, ties and the range ends', () => {
    // Every float32 exponent a half can reach (zero, subnormal halves, 2^-14 .. 65504), each with mantissas at and
    // next to the half-way point of the dropped 13 bits, plus a sweep of other mantissas; both signs.
    const bitsIn: number[] = [];
    for (let exp = 0; exp <= 142; exp++)
      for (const m of [0, 1, 0xfff, 0x1000, 0x1001, 0x2fff, 0x3000, 0x3001, 0x7fe000, 0x7fefff, 0x7ff000])
        for (const sign of [0, 0x80000000]) bitsIn.push((sign | (exp << 23) | m) >>> 0);
    for (let i = 0; i < 20000; i++)
      bitsIn.push((((i * 2654435761) >>> 0) % (143 << 23)) | (i & 1 ? 0x80000000 : 0));
    const w = new Float32Array(new Uint32Array(bitsIn).buffer).filter((v) => Math.abs(v) <= 65504);
    const got = float16Fused(w);
    expect(Array.from(got.bits)).toEqual(Array.from(w, (v) => float32ToFloat16Bits(v)));
    expect(got.sums).toEqual(errorSums(w, quantizeFloat16(w).values));
  });
});

/** Values next to every half-integer multiple of s (the tie, one float32 step below and above) plus random ones. */
function nearTies(s: number, n: number, seed: number): Float32Array {
  const out: number[] = [];
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let k = -140; k <= 140; k++) {
    f[0] = (k + 0.5) * s;
    const b = u[0];
    for (const d of [-2, -1, 0, 1, 2]) {
      u[0] = b + d;
      out.push(f[0]);
    }
  }
  let x = seed;
  while (out.length < n) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out.push((x / 2 ** 32 - 0.5) * 300 * s);
  }
  return Float32Array.from(out);
}

describe('division-free rounding equals roundHalfEven(fround(w / s)) for any scale', () => {
  const scales: [string, number][] = [
    ['1/2^7 (exact ties)', 2 ** -7],
    ['0.1', Math.fround(0.1)],
    ['odd mantissa', Math.fround(0.0123456789)],
    ['smallest normal', 2 ** -126],
    ['large', Math.fround(3.3e30)],
    ['1/3', Math.fround(1 / 3)],
  ];
  it.each(scales)('scale %s', (_, s) => {
    const w = nearTies(s, 4096, 7);
    for (const [scheme, zp] of [
      ['symmetric', null],
      ['asymmetric', 128],
    ] as const) {
      const opts: QuantizeOptions = {
        bits: 8,
        scheme,
        granularity: 'tensor',
        blockSize: 32,
        channelAxis: 0,
        reductionAxis: 0,
        params: { scales: Float32Array.of(s), zeroPoints: zp === null ? null : Int16Array.of(zp) },
      };
      const ref = quantizeTensor(w, [w.length], opts).levels;
      const qmin = scheme === 'symmetric' ? -127 : 0;
      const qmax = scheme === 'symmetric' ? 127 : 255;
      // The reference, written out: what ONNX QuantizeLinear computes in float32.
      const spec = Array.from(w, (v) =>
        Math.min(qmax, Math.max(qmin, roundHalfEven(Math.fround(v / s)) + (zp ?? 0))),
      );
      expect(Array.from(ref)).toEqual(spec);
      expect(quantizeFused(w, [w.length], opts, null, 'float32').q.levels).toEqual(ref);
      // Per-axis on the last axis goes through the strided loop with per-group inverses.
      const perAxis = { ...opts, granularity: 'channel' as const, channelAxis: 1 };
      perAxis.params = {
        scales: Float32Array.of(s, s),
        zeroPoints: zp === null ? null : Int16Array.of(zp, zp),
      };
      const w2 = w.subarray(0, w.length - (w.length % 2));
      expect(quantizeFused(w2, [w2.length / 2, 2], perAxis, null, 'float32').q.levels).toEqual(
        ref.subarray(0, w2.length),
      );
    }
  });
});

describe('quantizeFused rejects NaN / ±Inf like quantizeTensor, naming the first index', () => {
  const bad: [string, number, number][] = [
    ['NaN', NaN, 37],
    ['+Inf', Infinity, 0],
    ['-Inf', -Infinity, 95],
  ];
  const grids: [string, Partial<QuantizeOptions>][] = [
    ['symmetric per-channel', { granularity: 'channel', channelAxis: 0 }],
    ['asymmetric per-tensor', { granularity: 'tensor', scheme: 'asymmetric' }],
    ['per-axis last', { granularity: 'channel', channelAxis: 1 }],
    ['blocks', { granularity: 'block', blockSize: 16, reductionAxis: 1 }],
  ];
  it.each(grids)('%s', (_, o) => {
    for (const [, v, at] of bad) {
      const w = values(96, 3);
      w[at] = v;
      w[at + 1 < 96 ? at + 1 : 0] = NaN; // a later one is not the one named
      const opts: QuantizeOptions = {
        bits: 8,
        scheme: 'symmetric',
        granularity: 'channel',
        blockSize: 32,
        channelAxis: 0,
        reductionAxis: 1,
        ...o,
      };
      const first = Math.min(at, at + 1 < 96 ? at + 1 : 0);
      const message = `weight t has ${w[first]} at index ${first}`;
      expect(() => quantizeTensor(w, [8, 12], { ...opts, name: 't' })).toThrow(message);
      expect(() => quantizeFused(w, [8, 12], { ...opts, name: 't' }, 'int8', 'float32')).toThrow(message);
    }
  });
});

describe('symmetric grids from the extremes never need clamping', () => {
  it.each([2, 3, 4, 5, 6, 7, 8] as const)('%i bits: levels equal the clamping reference', (bits) => {
    // 512 channels of 64 with extremes spread over many binades: fround(max / qmax) rounds every which way.
    const w = values(512 * 64, 11 + bits);
    for (let c = 0; c < 512; c++) {
      const scale = 2 ** ((c % 40) - 20) * (1 + c / 1000);
      for (let j = 0; j < 64; j++) w[c * 64 + j] *= scale;
      w[c * 64 + (c % 64)] = (c % 2 ? -1 : 1) * Math.fround(scale * 7.3); // the extreme, either sign
    }
    const opts: QuantizeOptions = {
      bits,
      scheme: 'symmetric',
      granularity: 'channel',
      blockSize: 32,
      channelAxis: 0,
      reductionAxis: 1,
    };
    const ref = quantizeTensor(w, [512, 64], opts);
    expect(quantizeFused(w, [512, 64], opts, null, 'float32').q.levels).toEqual(ref.levels);
    expect(Math.max(...ref.levels.map(Math.abs))).toBe(2 ** (bits - 1) - 1); // the extreme lands on ±qmax
  });
});
