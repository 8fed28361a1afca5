import { describe, expect, it } from 'vitest';
import type { WeightInfo } from '../onnx/types';
import { normalizeConfig, type QuantConfig } from '../quant/config';
import { quantizeWeight } from './weight';
import { weightBands } from './weight-bands';

const weight = (shape: number[], channelAxis: number, reductionAxis: number, opDtype = 'float32') =>
  ({
    name: 'w',
    shape,
    channelAxis,
    reductionAxis,
    opDtype,
    elements: shape.reduce((a, b) => a * b, 1),
  }) as WeightInfo;
const valuesOf = (n: number) =>
  Float32Array.from(
    { length: n },
    (_, i) => Math.sin(i * 0.37) * (1 + (i % 11) / 3) + (i % 5 === 0 ? 0.5 : 0),
  );

const MATMUL = weight([100, 48], 1, 0); // [K, N]: channels across the rows, blocks along them
const GEMM = weight([48, 100], 0, 1); // [N, K]: a channel per row, blocks within it

describe('weightBands', () => {
  it.each<[string, WeightInfo, Partial<QuantConfig>, number]>([
    ['int8 symmetric per-channel, channels across rows', MATMUL, { bits: 8 }, 700],
    ['int4 asymmetric per-channel, channels across rows', MATMUL, { bits: 4, scheme: 'asymmetric' }, 500],
    ['int8 symmetric per-tensor', MATMUL, { bits: 8, granularity: 'tensor' }, 1000],
    ['int3 asymmetric per-tensor', GEMM, { bits: 3, granularity: 'tensor', scheme: 'asymmetric' }, 333],
    [
      'int4 block-32 along the rows (a partial last block)',
      MATMUL,
      { bits: 4, granularity: 'block', blockSize: 32 },
      100,
    ],
    ['int4 block-32 within rows', GEMM, { bits: 4, granularity: 'block', blockSize: 32 }, 250],
    ['int4 per-channel, a channel per row, MSE clip', GEMM, { bits: 4, clip: 'mse' }, 300],
    ['int8 per-channel into a float16 op', weight([100, 48], 1, 0, 'float16'), { bits: 8 }, 800],
    ['fp16', MATMUL, { bits: 'fp16' }, 1000],
  ])('gives quantizeWeight of the whole weight, a band at a time (%s)', async (_, w, c, chunk) => {
    const values = valuesOf(w.elements);
    const spec = normalizeConfig(c);
    const reads: number[] = [];
    const read = async (a: number, b: number) => (reads.push(b - a), values.slice(a, b));
    const bands = (await weightBands(read, w, spec, chunk))!;
    expect(bands).not.toBeNull();
    const whole = quantizeWeight(values, w, spec);
    const got = new Float32Array(w.elements);
    const back = new Float32Array(w.elements);
    let count = 0;
    for await (const b of bands()) {
      got.set(b.quantized.dequantized, b.start);
      back.set(b.values, b.start);
      count++;
    }
    expect(count).toBeGreaterThan(1);
    expect(back).toEqual(values);
    expect(got).toEqual(whole.dequantized);
    expect(Math.max(...reads)).toBeLessThanOrEqual(Math.max(chunk, 32 * w.shape[1]));
  });

  it('is null for a clip search over channels that cross the rows', async () => {
    const read = async (a: number, b: number) => valuesOf(MATMUL.elements).slice(a, b);
    expect(await weightBands(read, MATMUL, normalizeConfig({ bits: 4, clip: 'mse' }), 500)).toBeNull();
  });
});
