import { describe, expect, it } from 'vitest';
import { dequantize } from './dequantize';
import type { QuantizedTensor } from './types';

const qt = (over: Partial<QuantizedTensor>): QuantizedTensor => ({
  shape: [2, 3],
  bits: 4,
  scheme: 'asymmetric',
  axis: null,
  blockSize: null,
  qmin: 0,
  qmax: 15,
  levels: Int16Array.from([0, 1, 2, 13, 14, 15]),
  scales: Float32Array.from([0.5]),
  scaleShape: [],
  zeroPoints: Int16Array.from([3]),
  ...over,
});

describe('dequantize (ONNX DequantizeLinear semantics)', () => {
  it.each([
    ['per-tensor', qt({}), [-1.5, -1, -0.5, 5, 5.5, 6]],
    [
      'per-axis axis 1',
      qt({
        axis: 1,
        scales: Float32Array.from([1, 2, 4]),
        scaleShape: [3],
        zeroPoints: Int16Array.from([0, 1, 2]),
      }),
      [0, 0, 0, 13, 26, 52],
    ],
    [
      'per-axis axis 0',
      qt({
        axis: 0,
        scales: Float32Array.from([1, 0.25]),
        scaleShape: [2],
        zeroPoints: Int16Array.from([1, 15]),
      }),
      [-1, 0, 1, -0.5, -0.25, 0],
    ],
    [
      'blocked axis 1, block 2 (partial)',
      qt({
        axis: 1,
        blockSize: 2,
        scales: Float32Array.from([1, 10, 2, 20]),
        scaleShape: [2, 2],
        zeroPoints: Int16Array.from([0, 2, 0, 15]),
      }),
      [0, 1, 0, 26, 28, -0],
    ],
    [
      'symmetric blocked axis 0, block 1',
      qt({
        scheme: 'symmetric',
        qmin: -7,
        qmax: 7,
        levels: Int16Array.from([-7, 0, 7, 1, -1, 3]),
        axis: 0,
        blockSize: 1,
        scales: Float32Array.from([0.5, 3, 0.25, 2, 2, 1]),
        scaleShape: [2, 3],
        zeroPoints: null,
      }),
      [-3.5, 0, 1.75, 2, -2, 3],
    ],
  ])('%s', (_l, q, expected) => {
    expect(Array.from(dequantize(q)).map((v) => v + 0)).toEqual(expected.map((v) => v + 0));
  });

  it('rounds the product to float32 like ORT: (q − zp)·scale is correctly rounded, not float64', () => {
    const s = Math.fround(0.1);
    const d = dequantize(
      qt({
        levels: Int16Array.from([15, 0, 0, 0, 0, 0]),
        scales: Float32Array.from([s]),
        zeroPoints: Int16Array.from([2]),
      }),
    );
    expect(d[0]).toBe(Math.fround(13 * s));
    expect(d[0]).not.toBe(13 * s);
  });

  it('rejects scales that do not match the grouping', () => {
    expect(() =>
      dequantize(
        qt({
          axis: 1,
          scales: Float32Array.from([1, 2]),
          scaleShape: [2],
          zeroPoints: Int16Array.from([0, 0]),
        }),
      ),
    ).toThrow(
      expect.objectContaining({
        name: 'QuantConfigError',
        message: expect.stringContaining('needs 6 levels and 3 scales, got 6 and 2'),
      }),
    );
  });
});
