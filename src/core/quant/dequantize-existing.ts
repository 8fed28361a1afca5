// Dequantize integer weights an already-quantized model stores, the way the op that reads them does:
// DequantizeLinear-style (q − zero_point) · scale per tensor, per axis or per block, and MatMulNBits' packed
// [N, k_blocks, blob] layout. Pure numbers: the model walk that finds the tensors is in onnx/quantized-weights.ts.
import { StudioError } from '../errors';
import { forEachRun, grouping } from './grouping';

/** How scales (and zero points) map onto the levels: ONNX DequantizeLinear's three forms. */
export interface DequantLayout {
  shape: readonly number[];
  /** null: one scale for the tensor. */
  axis: number | null;
  /** With `axis`: blocks of this many elements along it (scale shape = shape with ceil(dim / block) on `axis`). */
  blockSize: number | null;
}

/** The layout a scale of `scaleShape` implies for levels of `shape` (DequantizeLinear's rules; negative axis ok). */
export function layoutFor(
  shape: readonly number[],
  scaleShape: readonly number[],
  axis: number,
  blockSize = 0,
): DequantLayout {
  const scaleCount = scaleShape.reduce((a, b) => a * b, 1);
  if (scaleCount === 1 && blockSize <= 0) return { shape, axis: null, blockSize: null };
  const a = axis < 0 ? axis + shape.length : axis;
  if (!Number.isInteger(a) || a < 0 || a >= shape.length)
    throw new StudioError(
      'UnsupportedModelError',
      `dequantize: axis ${axis} is outside a weight of rank ${shape.length}`,
    );
  const want =
    blockSize > 0
      ? (shape.reduce((x, y) => x * y, 1) / shape[a]) * Math.ceil(shape[a] / blockSize)
      : shape[a];
  if (scaleCount !== want)
    throw new StudioError(
      'UnsupportedModelError',
      `dequantize: ${scaleCount} scales do not fit a weight [${shape.join(', ')}] along axis ${a}${blockSize > 0 ? ` in blocks of ${blockSize}` : ''}`,
    );
  return { shape, axis: a, blockSize: blockSize > 0 ? blockSize : null };
}

/**
 * fround((q − zp) · scale) for every level; `zeroPoints` null means 0. The product of a small integer and a float32
 * is exact in float64, so the one rounding is to float32, as in onnxruntime.
 */
export function dequantizeLevels(
  levels: ArrayLike<number>,
  layout: DequantLayout,
  scales: ArrayLike<number>,
  zeroPoints: ArrayLike<number> | null,
): Float32Array {
  const g = grouping([...layout.shape], layout.axis, layout.blockSize);
  const n = g.outer * g.dim * g.inner;
  if (levels.length !== n || scales.length !== g.groups || (zeroPoints && zeroPoints.length !== g.groups))
    throw new StudioError(
      'UnsupportedModelError',
      `dequantize: a weight [${layout.shape.join(', ')}] needs ${n} levels and ${g.groups} scales${zeroPoints ? ' and zero points' : ''}, got ${levels.length} and ${scales.length}${zeroPoints ? ` and ${zeroPoints.length}` : ''}`,
    );
  const out = new Float32Array(n);
  forEachRun(g, (start, len, k0, step) => {
    for (let j = 0, k = k0; j < len; j++, k += step)
      out[start + j] = (levels[start + j] - (zeroPoints ? zeroPoints[k] : 0)) * scales[k];
  });
  return out;
}

/** One `com.microsoft.MatMulNBits` weight as stored: B [N, k_blocks, blob], scales [N · k_blocks] (n-major). */
export interface NBitsWeight {
  K: number;
  N: number;
  bits: number;
  blockSize: number;
  B: Uint8Array;
  scales: ArrayLike<number>;
  /** Packed unsigned zero points [N, ceil(k_blocks · bits / 8)], float zero points [N · k_blocks], or null (2^(bits−1)). */
  zeroPoints: { packed: Uint8Array } | { values: ArrayLike<number> } | null;
}

/** W[k, n] = fround((q − zp) · scale) as MatMulNBits computes it, row-major [K, N]. */
export function dequantizeNBits(w: NBitsWeight): Float32Array {
  const { K, N, bits, blockSize, B, scales, zeroPoints } = w;
  if (![2, 4, 8].includes(bits) || !(blockSize >= 16) || (blockSize * bits) % 8 !== 0)
    throw new StudioError(
      'UnsupportedModelError',
      `MatMulNBits with bits=${bits} and block_size=${blockSize} is not a layout onnxruntime runs`,
    );
  const kBlocks = Math.ceil(K / blockSize);
  const blob = (blockSize * bits) / 8;
  const zpRow = Math.ceil((kBlocks * bits) / 8);
  const mask = (1 << bits) - 1;
  const field = (bytes: Uint8Array, base: number, i: number) =>
    (bytes[base + ((i * bits) >> 3)] >> ((i * bits) & 7)) & mask;
  const need = (what: string, got: number, want: number) => {
    if (got < want)
      throw new StudioError(
        'UnsupportedModelError',
        `MatMulNBits [K=${K}, N=${N}]: ${what} has ${got} values, needs ${want}`,
      );
  };
  need('B', B.length, N * kBlocks * blob);
  need('scales', scales.length, N * kBlocks);
  if (zeroPoints && 'packed' in zeroPoints) need('zero_points', zeroPoints.packed.length, N * zpRow);
  if (zeroPoints && 'values' in zeroPoints) need('zero_points', zeroPoints.values.length, N * kBlocks);
  const out = new Float32Array(K * N);
  const mid = 2 ** (bits - 1);
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < kBlocks; b++) {
      const r = n * kBlocks + b;
      const zp = !zeroPoints
        ? mid
        : 'packed' in zeroPoints
          ? field(zeroPoints.packed, n * zpRow, b)
          : zeroPoints.values[r];
      const s = scales[r];
      const k1 = Math.min(K, (b + 1) * blockSize);
      for (let k = b * blockSize; k < k1; k++)
        out[k * N + n] = (field(B, r * blob, k - b * blockSize) - zp) * s;
    }
  }
  return out;
}
