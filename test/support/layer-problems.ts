// Random layer problems shared by the GPTQ and AdaRound tests: a weight, its quantization options and H = XᵀX.
import { normalArray, uniformArray } from './random';
import type { BlockSize, Granularity, IntBits, Scheme } from '../../src/core/quant/config';
import type { QuantizeOptions } from '../../src/core/quant/quantize';

export type Layout = 'matmul' | 'gemm-transB' | 'conv' | 'conv-grouped';

export interface Problem {
  values: Float32Array;
  shape: number[];
  opts: QuantizeOptions;
  /** Rows of the row view per Hessian, and the Hessians (cols × cols). */
  hessians: Float64Array[];
  cols: number;
}

/** Shapes: MatMul [K, N], Gemm transB [N, K], Conv [O, C, 3, 3] (one Hessian), Conv group 2 (two Hessians). */
const SHAPES: Record<
  Layout,
  { shape: number[]; channelAxis: number; reductionAxis: number; groups: number }
> = {
  matmul: { shape: [40, 12], channelAxis: 1, reductionAxis: 0, groups: 1 },
  'gemm-transB': { shape: [12, 40], channelAxis: 0, reductionAxis: 1, groups: 1 },
  conv: { shape: [8, 4, 3, 3], channelAxis: 0, reductionAxis: 1, groups: 1 },
  'conv-grouped': { shape: [8, 2, 3, 3], channelAxis: 0, reductionAxis: 1, groups: 2 },
};

/** Correlated inputs with uneven column scales: X = Z·A·diag(s), H = XᵀX (what real activations look like). */
export function randomHessian(cols: number, samples: number, seed: number): Float64Array {
  const z = normalArray(samples * cols, seed);
  const a = uniformArray(cols * cols, seed + 1);
  const s = uniformArray(cols, seed + 2).map((v) => 0.2 + 2 * Math.abs(v));
  const x = new Float64Array(samples * cols);
  for (let n = 0; n < samples; n++)
    for (let j = 0; j < cols; j++) {
      let v = z[n * cols + j];
      for (let i = 0; i < cols; i++) v += 0.5 * z[n * cols + i] * a[i * cols + j];
      x[n * cols + j] = v * s[j];
    }
  const h = new Float64Array(cols * cols);
  for (let n = 0; n < samples; n++)
    for (let i = 0; i < cols; i++)
      for (let j = 0; j < cols; j++) h[i * cols + j] += x[n * cols + i] * x[n * cols + j];
  return h;
}

export const identity = (n: number): Float64Array => {
  const h = new Float64Array(n * n);
  for (let i = 0; i < n; i++) h[i * n + i] = 1;
  return h;
};

export function problem(
  layout: Layout,
  spec: { bits: IntBits; scheme: Scheme; granularity: Granularity; blockSize?: BlockSize },
  seed: number,
  hessian: 'random' | 'identity' = 'random',
): Problem {
  const { shape, channelAxis, reductionAxis, groups } = SHAPES[layout];
  const n = shape.reduce((a, b) => a * b, 1);
  const rows = shape[channelAxis];
  const cols = n / rows;
  // Row scales differ (like real layers) so per-tensor and per-channel grids differ.
  const base = normalArray(n, seed);
  const values = Float32Array.from(base, (v, i) => v * (0.05 + 0.01 * ((i * 7) % 5)));
  const hessians = Array.from({ length: groups }, (_, g) =>
    hessian === 'identity' ? identity(cols) : randomHessian(cols, 3 * cols, seed + 10 * g),
  );
  return {
    values,
    shape,
    cols,
    hessians,
    opts: {
      bits: spec.bits,
      scheme: spec.scheme,
      granularity: spec.granularity,
      blockSize: spec.blockSize ?? 16,
      channelAxis,
      reductionAxis,
      name: `${layout} w`,
    },
  };
}
