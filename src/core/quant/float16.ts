// Rounding weights to float16 (the `fp16` width): IEEE half bits, half to even, and what onnxruntime's Cast back to
// float32 reads; weights a half cannot hold are an error, not a silent ±Inf.
import { StudioError } from '../errors';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../onnx/float16';
import { badValue } from './extremes';

export interface Float16Result {
  /** IEEE half bits, round half to even. */
  bits: Uint16Array;
  /** What onnxruntime's Cast back to float32 gives (exact). */
  values: Float32Array;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
let halfTable: Float32Array | null = null;
/** The half-float table (65536 entries) behind quantizeFloat16's values. */
export function halfToFloat(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = float16BitsToFloat32(h);
  }
  return halfTable;
}

/** float16 bits of w[i] (half to even); throws WeightValueError for NaN/±Inf and values beyond ±65504. */
export function toHalfBits(v: number, i: number, name?: string): number {
  // Normal-range fast path (|v| in [2^-14, 65504]): rebias and round the mantissa half to even.
  // Everything else (subnormal halves, zero, overflow, NaN) goes through the reference converter.
  const a = Math.abs(v);
  let h: number;
  if (a >= 6.103515625e-5 && a <= 65504) {
    f32[0] = v;
    const x = u32[0];
    const rest = x & 0x1fff;
    h = (((x >>> 16) & 0x8000) | ((((x >>> 23) & 0xff) - 112) << 10) | ((x >>> 13) & 0x3ff)) >>> 0;
    if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h += 1; // a carry into the exponent is correct
  } else {
    if (!Number.isFinite(v)) throw badValue(name, v, i);
    h = float32ToFloat16Bits(v);
  }
  if ((h & 0x7c00) === 0x7c00) {
    throw new StudioError(
      'WeightValueError',
      `weight ${name ?? '(unnamed)'} has ${v} at index ${i}, beyond float16's ±65504`,
    );
  }
  return h;
}

/**
 * Round to float16 (half to even). NaN / ±Inf and finite weights beyond ±65504 (which would become ±Inf: a silent
 * model corruption) throw WeightValueError naming the tensor and index.
 */
export function quantizeFloat16(w: Float32Array, name?: string): Float16Result {
  const table = halfToFloat();
  const bits = new Uint16Array(w.length);
  const values = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const h = toHalfBits(w[i], i, name);
    bits[i] = h;
    values[i] = table[h];
  }
  return { bits, values };
}
