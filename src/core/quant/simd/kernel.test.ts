import { afterEach, describe, expect, it } from 'vitest';
import { quantizeFused } from '../fused';
import type { PackContainer } from '../pack';
import type { QuantizeOptions } from '../quantize';
import { setSimdKernel, simdKernel } from './kernel';

// The WebAssembly SIMD kernel against the JS loops (the reference path of fused.ts, itself pinned against
// quantizeTensor by fused.test.ts): same packed bytes, levels, scales and error sums, bit for bit.

function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x / 2 ** 32;
  };
}

type Fill = (n: number) => Float32Array;
const fills: Record<string, Fill> = {
  random: (n) => {
    const r = lcg(7);
    return Float32Array.from({ length: n }, () => ((r() - 0.5) * 3) ** 3);
  },
  // multiples of 1/8 of a power-of-two scale: many values exactly at half-integers of v / s
  ties: (n) => {
    const r = lcg(11);
    return Float32Array.from({ length: n }, (_, i) => (i === 0 ? 16 : Math.round((r() - 0.5) * 256) / 8));
  },
  subnormals: (n) => {
    const r = lcg(13);
    return Float32Array.from({ length: n }, () => (r() - 0.5) * 1e-40);
  },
  'huge and tiny': (n) => {
    const r = lcg(17);
    return Float32Array.from({ length: n }, (_, i) =>
      i % 7 === 0 ? (r() - 0.5) * 3e38 : (r() - 0.5) * 1e-3,
    );
  },
  zeros: (n) => new Float32Array(n).map((_, i) => (i % 2 ? -0 : 0)),
};

type Case = [string, number[], Partial<QuantizeOptions>, PackContainer | null];
const cases: Case[] = [
  ['int8 per-channel axis 0', [48, 37], { granularity: 'channel', channelAxis: 0 }, 'int8'],
  ['uint8 per-tensor asym', [13, 29], { scheme: 'asymmetric', granularity: 'tensor' }, 'uint8'],
  [
    'uint8 asym per-channel',
    [9, 31],
    { scheme: 'asymmetric', granularity: 'channel', channelAxis: 0 },
    'uint8',
  ],
  [
    'int4 block 32 last axis',
    [16, 96],
    { bits: 4, granularity: 'block', blockSize: 32, reductionAxis: 1 },
    'int4',
  ],
  [
    'uint4 block 16 odd length',
    [7, 33],
    { bits: 4, scheme: 'asymmetric', granularity: 'block', blockSize: 16, reductionAxis: 1 },
    'uint4',
  ],
  ['int2 per-tensor', [5, 23], { bits: 2, granularity: 'tensor' }, 'int2'],
  [
    'uint2 per-channel',
    [6, 11],
    { bits: 2, scheme: 'asymmetric', granularity: 'channel', channelAxis: 0 },
    'uint2',
  ],
  ['3 bits in int4', [8, 20], { bits: 3, granularity: 'channel', channelAxis: 0 }, 'int4'],
  [
    'levels (MatMulNBits) 4-bit block',
    [40, 64],
    { bits: 4, scheme: 'asymmetric', granularity: 'block', blockSize: 32, reductionAxis: 1 },
    null,
  ],
  ['levels int8 per-tensor', [10, 10], { granularity: 'tensor' }, null],
  [
    'int8 per-channel middle axis (groups shared by runs)',
    [4, 5, 6],
    { granularity: 'channel', channelAxis: 1 },
    'int8',
  ],
  ['empty channels', [8, 0], { bits: 4, granularity: 'channel', channelAxis: 0 }, 'int4'],
  ['empty rows', [0, 8], { granularity: 'channel', channelAxis: 1, scheme: 'asymmetric' }, 'uint8'],
  // rows: the group changes with every element (MatMul [K, N] per column, or in blocks along K)
  ['rows: int8 per-channel last axis', [24, 37], { granularity: 'channel', channelAxis: 1 }, 'int8'],
  [
    'rows: uint8 asym per-channel last axis',
    [24, 37],
    { scheme: 'asymmetric', granularity: 'channel', channelAxis: 1 },
    'uint8',
  ],
  [
    'rows: int4 block 32 on axis 0',
    [64, 40],
    { bits: 4, granularity: 'block', blockSize: 32, reductionAxis: 0 },
    'int4',
  ],
  [
    'rows: levels 4-bit asym block 16 on axis 0',
    [40, 36],
    { bits: 4, scheme: 'asymmetric', granularity: 'block', blockSize: 16, reductionAxis: 0 },
    null,
  ],
  [
    'rows: int2 block on a middle axis',
    [3, 20, 9],
    { bits: 2, granularity: 'block', blockSize: 16, reductionAxis: 1 },
    'int2',
  ],
  [
    'chunks: rows int4 block 32 on axis 0',
    [96, 5003],
    { bits: 4, granularity: 'block', blockSize: 32, reductionAxis: 0 },
    'int4',
  ],
  // one run longer than a chunk: the range pass goes first (symmetric), then the levels pass
  ['chunks: int8 per-tensor', [3, 100001], { granularity: 'tensor' }, 'int8'],
  [
    'chunks: int4 per-channel of 2^18 + 4',
    [2, 2 ** 18 + 4],
    { bits: 4, granularity: 'channel', channelAxis: 0 },
    'int4',
  ],
  // several chunks (2^18 elements each), runs crossing chunk boundaries, more runs per chunk than one call takes
  ['chunks: per-channel of 3', [100003, 3], { granularity: 'channel', channelAxis: 0 }, 'int8'],
  [
    'chunks: int4 block 16',
    [2, 300000],
    { bits: 4, granularity: 'block', blockSize: 16, reductionAxis: 1 },
    'int4',
  ],
  [
    'chunks: uint2 per-tensor',
    [5, 123457],
    { bits: 2, scheme: 'asymmetric', granularity: 'tensor' },
    'uint2',
  ],
];

const base: QuantizeOptions = {
  bits: 8,
  scheme: 'symmetric',
  granularity: 'tensor',
  blockSize: 32,
  channelAxis: 0,
  reductionAxis: 1,
};

function both(w: Float32Array, shape: number[], opts: QuantizeOptions, container: PackContainer | null) {
  setSimdKernel(true);
  const simd = quantizeFused(w, shape, opts, container as PackContainer, 'float32');
  setSimdKernel(false);
  const js = quantizeFused(w, shape, opts, container as PackContainer, 'float32');
  return { simd, js };
}

afterEach(() => setSimdKernel(true));

describe('WebAssembly SIMD kernel equals the JS loops', () => {
  it('is available in this engine (Node has WebAssembly SIMD)', () => {
    expect(simdKernel()).not.toBeNull();
  });

  for (const [label, shape, o, container] of cases) {
    const fillNames = shape.reduce((a, b) => a * b) > 1e5 ? ['random', 'ties'] : Object.keys(fills);
    for (const fill of fillNames) {
      it(`${label}, ${fill}`, () => {
        const w = fills[fill](shape.reduce((a, b) => a * b));
        const opts = { ...base, ...o };
        const { simd, js } = both(w, shape, opts, container);
        expect(simd).toEqual(js);
      });
    }
  }

  it('given scales that clip (a clip search) give the same levels', () => {
    const w = fills.random(40 * 24);
    const scales = Float32Array.from({ length: 40 }, (_, i) => 0.01 * (i + 1));
    const opts = { ...base, granularity: 'channel' as const, params: { scales, zeroPoints: null } };
    const { simd, js } = both(w, [40, 24], opts, 'int8');
    expect(simd).toEqual(js);
  });

  it.each([
    [NaN, 'symmetric', 'int8'],
    [Infinity, 'symmetric', 'int8'],
    [-Infinity, 'asymmetric', 'uint8'],
    [NaN, 'asymmetric', 'uint8'],
  ] as const)('rejects %s (%s) like the JS path, naming the first index', (bad, scheme, container) => {
    const w = fills.random(64 * 64);
    w[1000] = bad;
    w[3000] = bad;
    for (const on of [true, false]) {
      setSimdKernel(on);
      const layouts: Partial<QuantizeOptions>[] = [
        { granularity: 'channel' }, // one pass / runs
        { granularity: 'tensor' }, // a run per tensor
        { granularity: 'block', blockSize: 16, reductionAxis: 0 }, // rows
      ];
      for (const layout of layouts) {
        const opts = { ...base, scheme, ...layout };
        expect(() => quantizeFused(w, [64, 64], opts, container, 'float32')).toThrow(
          `has ${bad} at index 1000`,
        );
      }
    }
  });
});
