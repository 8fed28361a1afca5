import { float16BitsToFloat32, float32ToFloat16Bits } from '../onnx/float16';
import type { Dtype, WeightInfo } from '../onnx/types';
import type { WeightSpec } from '../quant/config';
import { dequantize, quantizeFloat16, quantizeTensor } from '../quant';
import type { QuantizedTensor } from '../quant/types';

export type QuantizedWeight =
  | { kind: 'int'; q: QuantizedTensor; dequantized: Float32Array }
  | { kind: 'fp16'; bits: Uint16Array; dequantized: Float32Array };

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Round in place to what a Cast to the op's element type gives (DequantizeLinear itself outputs float32). */
export function roundForOp(values: Float32Array, dtype: Dtype): Float32Array {
  if (dtype === 'float16') {
    for (let i = 0; i < values.length; i++) values[i] = float16BitsToFloat32(float32ToFloat16Bits(values[i]));
  } else if (dtype === 'bfloat16') {
    for (let i = 0; i < values.length; i++) {
      f32[0] = values[i];
      const x = u32[0];
      u32[0] = (x + 0x7fff + ((x >>> 16) & 1)) & 0xffff0000; // round half to even on the top 16 bits
      values[i] = f32[0];
    }
  }
  return values;
}

/**
 * Quantize one weight's values (in `w.shape` layout) with one spec. `dequantized` is exactly what onnxruntime will
 * feed the op: DequantizeLinear in float32, then a Cast when the op takes float16.
 */
export function quantizeWeight(values: Float32Array, w: WeightInfo, spec: WeightSpec): QuantizedWeight {
  if (spec.bits === 'fp16') {
    const { bits, values: dequantized } = quantizeFloat16(values, w.name);
    return { kind: 'fp16', bits, dequantized };
  }
  const q = quantizeTensor(values, w.shape, {
    bits: spec.bits,
    scheme: spec.scheme,
    granularity: spec.granularity,
    blockSize: spec.blockSize,
    channelAxis: w.channelAxis,
    reductionAxis: w.reductionAxis,
    name: w.name,
  });
  return { kind: 'int', q, dequantized: roundForOp(dequantize(q), w.opDtype) };
}
