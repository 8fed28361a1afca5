import { describe, expect, it } from 'vitest';
import { dequantizeLevels, dequantizeNBits, layoutFor } from './dequantize-existing';

const f = (xs: number[]) => Array.from(Float32Array.from(xs));

describe('dequantizeLevels: (q − zp) · scale, hand-computed', () => {
  it.each([
    {
      what: 'per-tensor int8 with zero point 1',
      shape: [4],
      scaleShape: [],
      axis: 1,
      block: 0,
      q: [-3, 0, 5, 127],
      scales: [0.5],
      zp: [1],
      want: [-2, -0.5, 2, 63],
    },
    {
      what: 'per-tensor uint8 around 128',
      shape: [2, 2],
      scaleShape: [1],
      axis: 1,
      block: 0,
      q: [0, 128, 200, 255],
      scales: [0.25],
      zp: [128],
      want: [-32, 0, 18, 31.75],
    },
    {
      what: 'per-axis along axis 0 (Conv output channels)',
      shape: [2, 3],
      scaleShape: [2],
      axis: 0,
      block: 0,
      q: [1, 2, 3, 4, 5, 6],
      scales: [0.1, 2],
      zp: [0, 4],
      want: f([0.1, 0.2, 0.1 * 3, 0, 2, 4]),
    },
    {
      what: 'per-axis along the last axis (MatMul columns), negative axis, no zero point',
      shape: [2, 3],
      scaleShape: [3],
      axis: -1,
      block: 0,
      q: [1, 2, 3, 4, 5, 6],
      scales: [1, 2, 3],
      zp: null,
      want: [1, 4, 9, 4, 10, 18],
    },
    {
      what: 'blocks of 2 along axis 1 (partial last block)',
      shape: [2, 3],
      scaleShape: [2, 2],
      axis: 1,
      block: 2,
      q: [1, 2, 3, 4, 5, 6],
      scales: [1, 10, 2, 20],
      zp: [0, 0, 1, 1],
      want: [1, 2, 30, 6, 8, 100],
    },
    {
      what: 'blocks of 2 along axis 0 (DequantizeLinear block_size on [K, N])',
      shape: [4, 2],
      scaleShape: [2, 2],
      axis: 0,
      block: 2,
      q: [1, 1, 1, 1, 1, 1, 1, 1],
      scales: [1, 2, 3, 4],
      zp: null,
      want: [1, 2, 1, 2, 3, 4, 3, 4],
    },
    {
      what: 'int4 levels per-channel on a Conv weight [2, 1, 1, 2]',
      shape: [2, 1, 1, 2],
      scaleShape: [2],
      axis: 0,
      block: 0,
      q: [-8, 7, -1, 1],
      scales: [0.125, 0.5],
      zp: null,
      want: [-1, 0.875, -0.5, 0.5],
    },
  ])('$what', ({ shape, scaleShape, axis, block, q, scales, zp, want }) => {
    const layout = layoutFor(shape, scaleShape, axis, block);
    expect(Array.from(dequantizeLevels(q, layout, scales, zp))).toEqual(want);
  });

  it('rounds once, to float32', () => {
    const s = Math.fround(0.1);
    expect(dequantizeLevels([3], layoutFor([1], [], 0), [s], null)[0]).toBe(Math.fround(3 * s));
  });

  it.each([
    ['too few scales', [2, 3], [3], 0, [1, 1]],
    ['axis outside the rank', [2, 3], [2], 2, [1, 1]],
  ])('refuses %s', (_what, shape, scaleShape, axis, scales) => {
    expect(() =>
      dequantizeLevels([1, 2, 3, 4, 5, 6], layoutFor(shape, scaleShape, axis), scales, null),
    ).toThrow(/dequantize/);
  });
});

/** 16 4-bit fields LSB first: byte j holds fields 2j (low nibble) and 2j+1. */
const pack4 = (fields: number[]) =>
  Array.from({ length: fields.length / 2 }, (_, j) => fields[2 * j] | (fields[2 * j + 1] << 4));

describe('dequantizeNBits: MatMulNBits [N, k_blocks, blob] back to W[K, N]', () => {
  const ramp16 = Array.from({ length: 16 }, (_, i) => i);
  const eights = new Array<number>(16).fill(8);
  const B = Uint8Array.from([...pack4(ramp16), ...pack4(eights)]); // column 0: 0..15, column 1: all 8

  it('default zero point 2^(bits−1)', () => {
    const w = dequantizeNBits({ K: 16, N: 2, bits: 4, blockSize: 16, B, scales: [0.5, 2], zeroPoints: null });
    for (let k = 0; k < 16; k++) {
      expect(w[k * 2]).toBe((k - 8) * 0.5);
      expect(w[k * 2 + 1]).toBe(0);
    }
  });

  it('packed uint8 zero points (one 4-bit field per block)', () => {
    const zeroPoints = { packed: Uint8Array.from([0x00, 0x03]) }; // column 0: zp 0, column 1: zp 3
    const w = dequantizeNBits({ K: 16, N: 2, bits: 4, blockSize: 16, B, scales: [0.5, 2], zeroPoints });
    expect(w[0]).toBe(0);
    expect(w[15 * 2]).toBe(7.5);
    expect(w[1]).toBe(10); // (8 − 3) · 2
  });

  it('float zero points, two blocks and a partial one (K = 20)', () => {
    // One column, K = 20 in blocks of 16: block 0 holds 0..15, block 1 holds 1, 2, 3, 4 then padding.
    const col = [...pack4(ramp16), ...pack4([1, 2, 3, 4, ...new Array<number>(12).fill(0)])];
    const w = dequantizeNBits({
      K: 20,
      N: 1,
      bits: 4,
      blockSize: 16,
      B: Uint8Array.from(col),
      scales: [1, 0.25],
      zeroPoints: { values: [0, 2] },
    });
    expect(Array.from(w.subarray(14))).toEqual([14, 15, -0.25, 0, 0.25, 0.5]);
  });

  it('8-bit fields', () => {
    const bytes = Uint8Array.from({ length: 16 }, (_, i) => 120 + i);
    const w = dequantizeNBits({
      K: 16,
      N: 1,
      bits: 8,
      blockSize: 16,
      B: bytes,
      scales: [1],
      zeroPoints: null,
    });
    expect(w[0]).toBe(-8);
    expect(w[15]).toBe(7);
  });

  it('refuses a short B and an unknown bit width', () => {
    const base = { K: 16, N: 2, bits: 4, blockSize: 16, scales: [1, 1], zeroPoints: null };
    expect(() => dequantizeNBits({ ...base, B: new Uint8Array(8) })).toThrow(/B has 8 values, needs 16/);
    expect(() => dequantizeNBits({ ...base, bits: 3, B })).toThrow(/bits=3/);
  });
});
