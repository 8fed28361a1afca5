import { float16BitsToFloat32, float32ToFloat16Bits } from '../onnx/float16';
import type { WeightInfo } from '../onnx/types';
import type { WeightSpec } from '../quant/config';
import { dequantize, quantizeFloat16, quantizeTensor } from '../quant';
import type { QuantizedTensor } from '../quant/types';

export type QuantizedWeight =
  | { kind: 'int'; q: QuantizedTensor; dequantized: Float32Array }
  | { kind: 'fp16'; bits: Uint16Array; dequantized: Float32Array };

/** Round through float16 in place: what a Cast back to a float16 op input does. */
function roundThroughFloat16(values: Float32Array): Float32Array {
  for (let i = 0; i < values.length; i++) values[i] = float16BitsToFloat32(float32ToFloat16Bits(values[i]));
  return values;
}

/**
 * Quantize one weight's values (in `w.shape` layout) with one spec. `dequantized` is exactly what onnxruntime will
 * feed the op: DequantizeLinear in float32, then a Cast when the op takes float16.
 */
export function quantizeWeight(values: Float32Array, w: WeightInfo, spec: WeightSpec): QuantizedWeight {
  if (spec.precision === 'fp16') {
    const { bits, values: dequantized } = quantizeFloat16(values, w.name);
    return { kind: 'fp16', bits, dequantized };
  }
  const q = quantizeTensor(values, w.shape, {
    bits: spec.precision,
    scheme: spec.scheme,
    granularity: spec.granularity,
    blockSize: spec.blockSize,
    channelAxis: w.channelAxis,
    reductionAxis: w.reductionAxis,
    name: w.name,
  });
  const dequantized = dequantize(q);
  return { kind: 'int', q, dequantized: w.dtype === 'float16' ? roundThroughFloat16(dequantized) : dequantized };
}
