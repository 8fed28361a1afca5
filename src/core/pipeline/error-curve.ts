// The error-vs-bits curve's per-tensor work: one read of a weight's values serves every bit width (the export's
// fused pass per width, no dequantized copy), and above a size a stated subset of whole output channels stands in
// for the weight (an estimate, labelled as such by the caller).
import { combineErrorSums, emptyErrorSums, type ErrorSums } from '../metrics/error';
import type { Bits, WeightSpec } from '../quant/config';
import type { KernelWeight } from './schedule';
import { quantizeForExport } from './weight';

/** A model above this many weight values gets estimated error curves (1 GiB of float32 weights). */
export const SAMPLE_MODEL_ELEMENTS = 2 ** 28;
/** On such a model, values kept of each weight for its curve (whole channels; 8 MB of float32). */
export const SAMPLE_ELEMENTS = 2 ** 21;

/** Error sums of one weight at each of `bits` (same order), other settings from `spec`. */
export function errorSumsByBits(
  values: Float32Array,
  w: KernelWeight,
  spec: WeightSpec,
  bits: readonly Bits[],
): ErrorSums[] {
  return bits.map((b) => quantizeForExport(values, w, { ...spec, bits: b }, null).sums);
}

/** Adds per-width sums into running totals (same order). */
export const addByBits = (totals: ErrorSums[], sums: ErrorSums[]): ErrorSums[] =>
  totals.map((t, i) => combineErrorSums(t, sums[i]));

export const emptyByBits = (n: number): ErrorSums[] => Array.from({ length: n }, emptyErrorSums);

export interface ChannelSample {
  values: Float32Array;
  w: KernelWeight;
  /** Output channels kept, and how many the weight has (equal when nothing was left out). */
  channels: number;
  of: number;
}

/**
 * Whole output channels (along `w.channelAxis`), evenly spaced, so that about `maxElements` values remain; the
 * weight itself when it is no larger. Per-channel and block scales of a kept channel are those of the full weight;
 * a per-tensor scale comes from the kept channels' range, so the sample's error is an estimate then.
 */
export function sampleChannels(values: Float32Array, w: KernelWeight, maxElements: number): ChannelSample {
  const axis = w.channelAxis;
  const of = w.shape[axis] ?? 1;
  if (values.length <= maxElements || of <= 1) return { values, w, channels: of, of };
  const inner = w.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = values.length / (of * inner);
  const keep = Math.max(1, Math.min(of, Math.floor(maxElements / (outer * inner))));
  if (keep >= of) return { values, w, channels: of, of };
  const out = new Float32Array(outer * keep * inner);
  let at = 0;
  for (let o = 0; o < outer; o++)
    for (let k = 0; k < keep; k++) {
      const c = Math.floor((k * of) / keep);
      const from = (o * of + c) * inner;
      out.set(values.subarray(from, from + inner), at);
      at += inner;
    }
  const shape = w.shape.map((d, i) => (i === axis ? keep : d));
  return { values: out, w: { ...w, shape }, channels: keep, of };
}
