import type { Dtype, WeightInfo } from '../onnx/types';
import type { IntBits, ExportFormat, WeightSpec } from '../quant/config';

/** How one weight is written into the exported model. */
export type Encoding =
  | { kind: 'cast' } // float16 initializer + Cast back to the op's float type
  | { kind: 'dq'; domain: '' | 'com.microsoft'; container: Dtype; minOpset: number }
  | { kind: 'matmulnbits'; bits: 2 | 4 | 8; container: Dtype };

export const COM_MICROSOFT = 'com.microsoft';

/** The native container of a bit width: 3 lives in 4, 5..7 live in 8 (with a restricted level range). */
export function containerBits(bits: IntBits): 2 | 4 | 8 {
  if (bits === 2) return 2;
  return bits <= 4 ? 4 : 8;
}

export function containerDtype(cBits: 2 | 4 | 8, signed: boolean): Dtype {
  const base = cBits === 2 ? 'int2' : cBits === 4 ? 'int4' : 'int8';
  return (signed ? base : `u${base}`) as Dtype;
}

/** Lowest ai.onnx opset whose DequantizeLinear takes this container and granularity. */
export function standardDqOpset(cBits: 2 | 4 | 8, granularity: WeightSpec['granularity']): number {
  if (cBits === 2) return 25;
  if (cBits === 4 || granularity === 'block') return 21;
  return granularity === 'channel' ? 13 : 10;
}

export interface EncodingContext {
  /** The model's ai.onnx opset, and the opset we may raise it to (null: no upgrade is possible). */
  opset: number;
  maxOpset: number | null;
  format: ExportFormat;
}

/** Whether MatMulNBits can carry this weight: 2-D constant B of a MatMul, blocked, float32. */
export function fitsMatMulNBits(w: WeightInfo, spec: WeightSpec): boolean {
  return (
    w.op === 'MatMul' &&
    w.inputIndex === 1 &&
    w.shape.length === 2 &&
    spec.granularity === 'block' &&
    spec.bits !== 'fp16' &&
    w.opDtype === 'float32'
  );
}

/**
 * Pick the encoding of one weight, preferring (1) what the model's own opset supports, (2) MatMulNBits for
 * blocked MatMul weights, (3) com.microsoft.DequantizeLinear (int8/int4, per-tensor or per-axis, any opset),
 * (4) the standard op after an opset upgrade. Returns null when nothing exact exists (the caller reports why).
 */
export function chooseEncoding(w: WeightInfo, spec: WeightSpec, ctx: EncodingContext): Encoding | null {
  if (spec.bits === 'fp16') return { kind: 'cast' };
  const signed = spec.scheme === 'symmetric';
  const cBits = containerBits(spec.bits);
  const container = containerDtype(cBits, signed);
  const nbits = fitsMatMulNBits(w, spec);
  if (ctx.format === 'matmulnbits' && nbits) return { kind: 'matmulnbits', bits: cBits, container };

  const minOpset = standardDqOpset(cBits, spec.granularity);
  if (ctx.opset >= minOpset) return { kind: 'dq', domain: '', container, minOpset };
  if (nbits && ctx.format !== 'qdq') return { kind: 'matmulnbits', bits: cBits, container };
  if (spec.granularity !== 'block' && cBits !== 2) {
    return { kind: 'dq', domain: COM_MICROSOFT, container, minOpset: 1 };
  }
  if (ctx.maxOpset !== null && ctx.maxOpset >= minOpset)
    return { kind: 'dq', domain: '', container, minOpset };
  // 2-bit levels fit an int4 container exactly: better than nothing when int2 is out of reach.
  if (cBits === 2 && spec.granularity !== 'block') {
    return { kind: 'dq', domain: COM_MICROSOFT, container: containerDtype(4, signed), minOpset: 1 };
  }
  return null;
}
