import { float16BitsToFloat32, float32ToFloat16Bits, roundToBfloat16 } from '../onnx/float16';
import type { Dtype, WeightInfo } from '../onnx/types';
import type { WeightSpec } from '../quant/config';
import { dequantize, quantizeFloat16, quantizeTensor } from '../quant';
import { float16Fused } from '../quant/float16-fused';
import { quantizeFused, type OutRounding } from '../quant/fused';
import { packedBytes, type PackContainer } from '../quant/pack';
import { packMatMulNBits, type MatMulNBitsPacked, type NBits } from '../quant/matmulnbits';
import { nbitsDirect } from '../quant/nbits-fused';
import type { QuantizedTensor } from '../quant/types';
import type { ErrorSums } from '../metrics/error';
import { chooseRangeParams } from '../ranges/clip';
import type { QuantizeOptions } from '../quant/quantize';
import type { KernelWeight } from './schedule';

export type QuantizedWeight =
  | { kind: 'int'; q: QuantizedTensor; dequantized: Float32Array }
  | { kind: 'fp16'; bits: Uint16Array; dequantized: Float32Array };

/** Round in place to what a Cast to the op's element type gives (DequantizeLinear itself outputs float32). */
export function roundForOp(values: Float32Array, dtype: Dtype): Float32Array {
  if (dtype === 'float16') {
    for (let i = 0; i < values.length; i++) values[i] = float16BitsToFloat32(float32ToFloat16Bits(values[i]));
  } else if (dtype === 'bfloat16') {
    for (let i = 0; i < values.length; i++) values[i] = roundToBfloat16(values[i]);
  }
  return values;
}

/** The kernel's options for one weight before a range choice: bits, scheme and scale groups. */
export function groupingOptions(
  w: KernelWeight,
  bits: QuantizeOptions['bits'],
  spec: WeightSpec,
): QuantizeOptions {
  return {
    bits,
    scheme: spec.scheme,
    granularity: spec.granularity,
    blockSize: spec.blockSize,
    channelAxis: w.channelAxis,
    reductionAxis: w.reductionAxis,
    name: w.name,
  };
}

/**
 * The kernel's options for one weight. The range choice (clip search) is a separate step: it only supplies scales and
 * zero points and the rounding stays in the kernel, so the export pass and the studio's views agree bit for bit.
 * GPTQ and AdaRound start from the same options, so a clipped grid is their grid too.
 */
export function kernelOptions(
  values: Float32Array,
  w: KernelWeight,
  bits: QuantizeOptions['bits'],
  spec: WeightSpec,
): QuantizeOptions {
  const opts = groupingOptions(w, bits, spec);
  const params = chooseRangeParams(values, w.shape, opts, spec.clip ?? 'minmax', spec.clipPercentile);
  return params ? { ...opts, params } : opts;
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
  const q = quantizeTensor(values, w.shape, kernelOptions(values, w, spec.bits, spec));
  return { kind: 'int', q, dequantized: roundForOp(dequantize(q), w.opDtype) };
}

/** What the export needs of one weight: packed levels (QDQ or MatMulNBits), levels, or fp16 bits, and error sums. */
export type ExportedWeight =
  | { kind: 'packed'; q: Omit<QuantizedTensor, 'levels'>; packed: Uint8Array; sums: ErrorSums }
  | { kind: 'nbits'; q: Omit<QuantizedTensor, 'levels'>; nbits: MatMulNBitsPacked; sums: ErrorSums }
  | { kind: 'levels'; q: QuantizedTensor; sums: ErrorSums }
  | { kind: 'fp16'; bits: Uint16Array; sums: ErrorSums };

/**
 * Where the levels go: packed into a QDQ container, into MatMulNBits blobs (`{ nbits }`: packed where they are
 * made, so a worker thread does it and the levels are dropped at once), or kept (null).
 */
export type ExportTarget = PackContainer | { nbits: NBits } | null;

/** The levels packed for MatMulNBits; the grid without its levels. */
export function nbitsExport(q: QuantizedTensor, bits: NBits, sums: ErrorSums): ExportedWeight {
  const { levels: _levels, ...grid } = q;
  return { kind: 'nbits', q: grid, nbits: packMatMulNBits(q, bits), sums };
}

const outRounding = (dtype: Dtype): OutRounding =>
  dtype === 'float16' || dtype === 'bfloat16' ? dtype : 'float32';

/**
 * The export path's one pass per tensor (quantizeFused): same levels and metrics as quantizeWeight + packLevels,
 * without a dequantized copy (and for QDQ without an Int16 level array).
 */
export function quantizeForExport(
  values: Float32Array,
  w: KernelWeight,
  spec: WeightSpec,
  target: ExportTarget,
  /**
   * Where MatMulNBits blobs or QDQ packed levels may be written (a recycled buffer of exactly `bytes`, any contents:
   * every byte is written), else a fresh array.
   */
  output?: (bytes: number) => Uint8Array,
): ExportedWeight {
  if (spec.bits === 'fp16') return { kind: 'fp16', ...float16Fused(values, w.name) };
  const opts = kernelOptions(values, w, spec.bits, spec);
  if (target === null)
    return { kind: 'levels', ...quantizeFused(values, w.shape, opts, null, outRounding(w.opDtype)) };
  if (typeof target === 'object') {
    // Symmetric blocks along K in float32: levels and blobs made together, a block of rows at a time.
    const direct = nbitsDirect(
      values,
      w.shape,
      opts,
      target.nbits,
      outRounding(w.opDtype) === 'float32',
      output,
    );
    if (direct) return { kind: 'nbits', ...direct };
    // Levels of ≤ 8 bits as one byte each (half an Int16 array, read once by the packing): signed levels in int8,
    // unsigned (asymmetric) in uint8.
    const container = opts.scheme === 'symmetric' ? 'int8' : 'uint8';
    const r = quantizeFused(values, w.shape, opts, container, outRounding(w.opDtype));
    const levels =
      container === 'int8' ? new Int8Array(r.packed.buffer, r.packed.byteOffset, r.packed.length) : r.packed;
    return {
      kind: 'nbits',
      q: r.params,
      nbits: packMatMulNBits({ ...r.params, levels }, target.nbits),
      sums: r.sums,
    };
  }
  const bytes = packedBytes(values.length, target);
  const r = quantizeFused(values, w.shape, opts, target, outRounding(w.opDtype), output?.(bytes));
  return { kind: 'packed', q: r.params, packed: r.packed, sums: r.sums };
}
