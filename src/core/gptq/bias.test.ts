import { describe, expect, it } from 'vitest';
import { normalArray } from '../../../test/support/random';
import { fakeQuantize } from '../quant/dequantize';
import { analyticShift, ChannelMeans, correctedBias } from './bias';
import { HessianAccumulator } from './hessian';

describe('bias correction', () => {
  it('known answer: b + (float mean − quantized mean)', () => {
    expect(Array.from(correctedBias([1, 2, -3], [0.5, 2.5, -3], [0.25, 0.5, 1]))).toEqual([0.75, 0, 1]);
    expect(Array.from(correctedBias([1, 2], [1.5, 1]))).toEqual([-0.5, 1]);
  });

  it('channel means of [N, C, H, W] (axis 1) and [N, T, C] (last axis)', () => {
    const conv = new ChannelMeans(2);
    // n=0: c0 = 1,2,3,4  c1 = 10,10,10,10; n=1: c0 = 5,6,7,8  c1 = 0,0,0,0
    conv.add([1, 2, 3, 4, 10, 10, 10, 10, 5, 6, 7, 8, 0, 0, 0, 0], [2, 2, 2, 2], 1);
    expect(Array.from(conv.means())).toEqual([4.5, 5]);
    const seq = new ChannelMeans(3);
    seq.add([1, 2, 3, 3, 4, 5], [1, 2, 3], -1);
    expect(Array.from(seq.means())).toEqual([2, 3, 4]);
    expect(() => seq.add([1, 2], [1, 2], -1)).toThrow(/no 3 channels/);
  });

  it('moves the quantized layer mean onto the float mean; the analytic shift agrees', () => {
    const [rows, cols, samples] = [6, 10, 200];
    const w = Float32Array.from(normalArray(rows * cols, 1), (v) => v * 0.3);
    const b = Float32Array.from(normalArray(rows, 2), (v) => v * 0.1);
    // Inputs with a non-zero mean (post-ReLU-like), so quantization shifts the output mean.
    const x = Float64Array.from(normalArray(samples * cols, 3), (v) => Math.abs(v) + 0.5);
    const wq = fakeQuantize(w, [rows, cols], {
      bits: 3,
      scheme: 'symmetric',
      granularity: 'tensor',
      blockSize: 32,
      channelAxis: 0,
      reductionAxis: 1,
    });
    const layer = (weights: ArrayLike<number>, bias: ArrayLike<number>) => {
      const y = new Float64Array(samples * rows);
      for (let n = 0; n < samples; n++)
        for (let r = 0; r < rows; r++) {
          let s = bias[r];
          for (let c = 0; c < cols; c++) s += weights[r * cols + c] * x[n * cols + c];
          y[n * rows + r] = s;
        }
      return y;
    };
    const means = (y: Float64Array) => {
      const m = new ChannelMeans(rows);
      m.add(y, [samples, rows], 1);
      return m.means();
    };
    const floatMeans = means(layer(w, b));
    const quantMeans = means(layer(wq, b));
    const fixed = correctedBias(floatMeans, quantMeans, b);
    const after = means(layer(wq, fixed));
    after.forEach((m, r) => expect(m).toBeCloseTo(floatMeans[r], 5));
    expect(Math.max(...floatMeans.map((m, r) => Math.abs(m - quantMeans[r])))).toBeGreaterThan(1e-3);

    const acc = new HessianAccumulator(cols);
    acc.add(x, samples);
    const shift = analyticShift(w, wq, rows, [acc.meanInput()]);
    shift.forEach((s, r) => expect(s).toBeCloseTo(floatMeans[r] - quantMeans[r], 10));
  });
});
