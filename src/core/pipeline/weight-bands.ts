// A weight and what quantizeWeight makes of it, a band of rows (along axis 0) at a time, for a run's views of a
// large weight (its histogram, its channels' errors): each band's values and dequantized values are exactly those
// slices of the whole weight's, without holding the weight, its levels and its dequantized copy at once.
import { chunkedChannelRanges } from '../metrics/channels';
import type { WeightInfo } from '../onnx/types';
import { rangeChunks, type RangeRead } from '../onnx/weight-range';
import type { IntBits, WeightSpec } from '../quant/config';
import { dequantize } from '../quant/dequantize';
import { gridFromExtremes, quantizeTensor } from '../quant/quantize';
import { levelRange } from '../quant/range';
import { groupingOptions, quantizeWeight, roundForOp, type QuantizedWeight } from './weight';

export interface Band {
  /** Flat index of the band's first value. */
  start: number;
  values: Float32Array;
  quantized: QuantizedWeight;
}

/**
 * How bands of `w` quantize as slices of the whole: alone when every scale group lies within a band's rows
 * (`multiple`: rows per band are a multiple of it, whole blocks along axis 0), or with the whole weight's min/max
 * grid (per-tensor, or channels across the rows). Null when neither holds (a clip search over such groups).
 */
function plan(w: WeightInfo, spec: WeightSpec): { multiple: number; grid: boolean } | null {
  if (spec.bits === 'fp16') return { multiple: 1, grid: false };
  if (spec.granularity === 'block')
    return { multiple: w.reductionAxis === 0 ? spec.blockSize : 1, grid: false };
  if (spec.granularity === 'channel' && w.channelAxis === 0) return { multiple: 1, grid: false };
  return (spec.clip ?? 'minmax') === 'minmax' ? { multiple: 1, grid: true } : null;
}

/** The min/max grid quantParams gives the whole weight (per tensor, or per channel), from one pass over it. */
async function wholeGrid(read: RangeRead, w: WeightInfo, spec: WeightSpec, bits: IntBits, chunk: number) {
  const perTensor = spec.granularity === 'tensor';
  const shape = perTensor ? [1, w.elements] : w.shape;
  const r = await chunkedChannelRanges(
    rangeChunks(read, w.elements, chunk),
    shape,
    perTensor ? 0 : w.channelAxis,
  );
  const { qmin, qmax } = levelRange(bits, spec.scheme);
  return gridFromExtremes(r.min, r.max, spec.scheme, qmin, qmax);
}

/**
 * Bands of about `chunk` values of `w` (in `w.shape` layout, read through `read`) with what quantizeWeight(whole, w,
 * spec) makes of each: a function to go through them (as often as needed), or null when a band cannot be
 * quantized as a slice of the whole (then quantize the whole weight). A per-tensor or cross-row per-channel grid
 * costs one pass over the weight first.
 */
export async function weightBands(
  read: RangeRead,
  w: WeightInfo,
  spec: WeightSpec,
  chunk: number,
): Promise<(() => AsyncGenerator<Band>) | null> {
  const p = plan(w, spec);
  if (!p || w.shape.length === 0) return null;
  const rows = w.shape[0];
  const rowSize = w.elements / rows;
  const step = Math.max(p.multiple, Math.floor(chunk / rowSize / p.multiple) * p.multiple);
  const grid = p.grid && spec.bits !== 'fp16' ? await wholeGrid(read, w, spec, spec.bits, chunk) : null;
  return async function* () {
    for (let r0 = 0; r0 < rows; r0 += step) {
      const r1 = Math.min(rows, r0 + step);
      const values = await read(r0 * rowSize, r1 * rowSize);
      const band = { ...w, shape: [r1 - r0, ...w.shape.slice(1)], elements: values.length };
      let quantized: QuantizedWeight;
      if (grid && spec.bits !== 'fp16') {
        const q = quantizeTensor(values, band.shape, {
          ...groupingOptions(band, spec.bits, spec),
          params: grid,
        });
        quantized = { kind: 'int', q, dequantized: roundForOp(dequantize(q), w.opDtype) };
      } else quantized = quantizeWeight(values, band, spec);
      yield { start: r0 * rowSize, values, quantized };
    }
  };
}
