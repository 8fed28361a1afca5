import type { IntBits, Scheme } from './config';

/**
 * A tensor quantized the way ONNX DequantizeLinear reads it back:
 * `w[i] ≈ (levels[i] - zeroPoints[g(i)]) * scales[g(i)]`, where g(i) is
 * - per-tensor (`axis === null`): 0;
 * - per-axis (`axis` set, `blockSize === null`): the index along `axis`;
 * - blocked (`axis` and `blockSize` set): the element's index with `floor(index[axis] / blockSize)` along `axis`,
 *   so `scaleShape` equals `shape` with `shape[axis]` replaced by `ceil(shape[axis] / blockSize)`.
 */
export interface QuantizedTensor {
  shape: number[];
  bits: IntBits;
  scheme: Scheme;
  axis: number | null;
  blockSize: number | null;
  /** Level range actually used: symmetric ±(2^(b−1)−1), asymmetric 0..2^b−1. */
  qmin: number;
  qmax: number;
  /** One level per element, row-major in `shape`. */
  levels: Int16Array;
  /** float32 values exactly as they are stored in the file. */
  scales: Float32Array;
  scaleShape: number[];
  /** Same length as `scales`; null for symmetric (zero point 0). */
  zeroPoints: Int16Array | null;
}
