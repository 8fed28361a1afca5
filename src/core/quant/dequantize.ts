import { StudioError } from '../errors';
import { forEachRun, grouping } from './grouping';
import { quantizeTensor, type QuantizeOptions } from './quantize';
import type { QuantizedTensor } from './types';

/** ONNX DequantizeLinear in float32: fround((q − zp) * scale); the float64 product of these operands is exact. */
export function dequantize(q: QuantizedTensor): Float32Array {
  const g = grouping(q.shape, q.axis, q.blockSize);
  const { outer, dim, inner, groups } = g;
  const { levels, scales, zeroPoints } = q;
  if (
    scales.length !== groups ||
    (zeroPoints && zeroPoints.length !== groups) ||
    levels.length !== outer * dim * inner
  ) {
    throw new StudioError(
      'QuantConfigError',
      `quantized tensor [${q.shape.join(', ')}] needs ${outer * dim * inner} levels and ${groups} scales, got ${levels.length} and ${scales.length}`,
    );
  }
  const out = new Float32Array(levels.length);
  forEachRun(g, (start, len, k0, step) => {
    for (let j = 0, k = k0; j < len; j++, k += step) {
      out[start + j] = (levels[start + j] - (zeroPoints ? zeroPoints[k] : 0)) * scales[k];
    }
  });
  return out;
}

/** Quantize then dequantize: the float32 values onnxruntime will compute with. */
export function fakeQuantize(w: Float32Array, shape: number[], opts: QuantizeOptions): Float32Array {
  return dequantize(quantizeTensor(w, shape, opts));
}
