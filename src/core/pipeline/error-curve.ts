// The error-vs-bits curve's per-tensor work: one read of a weight's values serves every bit width (the export's
// fused pass per width, no dequantized copy), and above a size a stated subset of whole output channels stands in
// for the weight (an estimate, labelled as such by the caller).
import { combineErrorSums, emptyErrorSums, type ErrorSums } from '../metrics/error';
import type { RangeRead } from '../onnx/weight-range';
import type { Bits, WeightSpec } from '../quant/config';
import type { KernelWeight } from './schedule';
import { quantizeForExport } from './weight';

/** A model above this many weight values gets estimated error curves (1 GiB of float32 weights). */
export const SAMPLE_MODEL_ELEMENTS = 2 ** 28;
/** On such a model, values kept of each weight for its curve (whole channels; 8 MB of float32). */
export const SAMPLE_ELEMENTS = 2 ** 21;

/**
 * Error sums of one weight at each of `bits` (same order), other settings from `spec`. The integer widths write
 * their levels as bytes into one scratch buffer (the sums are the kernel's either way): an Int16 level array per
 * width, never read, was 14 bytes of garbage a value per weight. Pass the same `scratch` for several weights to
 * share it among them too.
 */
export function errorSumsByBits(
  values: Float32Array,
  w: KernelWeight,
  spec: WeightSpec,
  bits: readonly Bits[],
  scratch: { bytes?: Uint8Array } = {},
): ErrorSums[] {
  const into = (n: number) =>
    (scratch.bytes = scratch.bytes && scratch.bytes.length >= n ? scratch.bytes : new Uint8Array(n)).subarray(
      0,
      n,
    );
  const container = spec.scheme === 'symmetric' ? 'int8' : 'uint8';
  return bits.map((b) =>
    b === 'fp16'
      ? quantizeForExport(values, w, { ...spec, bits: b }, null).sums
      : quantizeForExport(values, w, { ...spec, bits: b }, container, into).sums,
  );
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

/** The kept channels of a sample: `keep` of `of` along the channel axis, `outer` and `inner` values around it. */
function sampleLayout(w: KernelWeight, elements: number, maxElements: number) {
  const axis = w.channelAxis;
  const of = w.shape[axis] ?? 1;
  const inner = w.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = elements / (of * inner);
  const keep =
    elements <= maxElements || of <= 1
      ? of
      : Math.max(1, Math.min(of, Math.floor(maxElements / (outer * inner))));
  /** Flat index of the values of kept segment j (o * keep + k), `inner` long. */
  const from = (j: number) => (Math.floor(j / keep) * of + Math.floor(((j % keep) * of) / keep)) * inner;
  const sample = (values: Float32Array): ChannelSample => ({
    values,
    w: { ...w, shape: w.shape.map((d, i) => (i === axis ? keep : d)) },
    channels: keep,
    of,
  });
  return { of, inner, outer, keep, from, sample };
}

/** Kept segments j0..j1 − 1 (`inner` values from flat index from(j)) of `values` (flat index `start` on) into `out`. */
function copySegments(
  values: Float32Array,
  start: number,
  out: Float32Array,
  j0: number,
  j1: number,
  from: (j: number) => number,
  inner: number,
): void {
  // One value a segment (a MatMul weight's columns): a plain copy, not a subarray per value (millions of them).
  if (inner === 1) for (let j = j0; j < j1; j++) out[j] = values[from(j) - start];
  else
    for (let j = j0; j < j1; j++)
      out.set(values.subarray(from(j) - start, from(j) - start + inner), j * inner);
}

/**
 * Whole output channels (along `w.channelAxis`), evenly spaced, so that about `maxElements` values remain; the
 * weight itself when it is no larger. Per-channel and block scales of a kept channel are those of the full weight;
 * a per-tensor scale comes from the kept channels' range, so the sample's error is an estimate then.
 */
export function sampleChannels(values: Float32Array, w: KernelWeight, maxElements: number): ChannelSample {
  const { of, inner, outer, keep, from, sample } = sampleLayout(w, values.length, maxElements);
  if (keep >= of) return { values, w, channels: of, of };
  const out = new Float32Array(outer * keep * inner);
  copySegments(values, 0, out, 0, outer * keep, from, inner);
  return sample(out);
}

/** Reads of a weight's ranges for its sample span at most this many values (8 MB of float32, as the sample). */
export const SAMPLE_READ_ELEMENTS = 2 ** 21;
/** Kept channels at most this many values apart are read in one range, with the values between them. */
const GAP_ELEMENTS = 2 ** 14;

/**
 * sampleChannels of a weight of `elements` values read through `read` (ranges of its flat values): only the kept
 * channels are read, in ranges of at most `span` values (more only for one channel longer than that), so the
 * weight is never held whole. Same values, in the same order, as sampleChannels of the whole weight.
 */
export async function sampleChannelsFrom(
  read: RangeRead,
  elements: number,
  w: KernelWeight,
  maxElements: number,
  span = SAMPLE_READ_ELEMENTS,
): Promise<ChannelSample> {
  const { of, inner, outer, keep, from, sample } = sampleLayout(w, elements, maxElements);
  if (keep >= of) return { values: await read(0, elements), w, channels: of, of };
  const n = outer * keep;
  const out = new Float32Array(n * inner);
  for (let j = 0; j < n;) {
    const start = from(j);
    let last = j;
    while (
      last + 1 < n &&
      from(last + 1) + inner - start <= span &&
      from(last + 1) - (from(last) + inner) <= GAP_ELEMENTS
    )
      last++;
    const values = await read(start, from(last) + inner);
    copySegments(values, start, out, j, last + 1, from, inner);
    j = last + 1;
  }
  return sample(out);
}
