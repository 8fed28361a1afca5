// Why per-tensor scales hurt some layers, per output channel: each channel's error, and the channels whose every
// weight rounds to zero because one wide channel set the tensor's step.
import { StudioError } from '../errors';
import type { QuantizedTensor } from '../quant/types';
import type { ChannelErrorsDto } from './types';

/** Largest per-tensor grid sent as level values (6 bits: 64 levels); wider grids send the step only. */
export const MAX_LEVEL_LINES = 64;

/**
 * Per-channel error of `deq` against `w` along `axis` (shape as in channelRanges). SQNR is 10·log10(Σw² / Σ(w−ŵ)²)
 * per channel: +∞ when exact, 0 dB when every weight rounds to zero, NaN for a channel of zeros. A channel is
 * "zeroed" when it has a non-zero weight and every quantized weight is 0.
 */
export function channelErrors(
  w: Float32Array,
  deq: Float32Array,
  shape: readonly number[],
  axis: number,
): Omit<ChannelErrorsDto, 'step' | 'levels'> {
  const rank = shape.length;
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= rank) {
    throw new StudioError('QuantConfigError', `channel axis ${axis} is out of range for rank ${rank}`);
  }
  if (w.length !== deq.length || shape.reduce((x, y) => x * y, 1) !== w.length) {
    throw new StudioError(
      'QuantConfigError',
      `shape [${shape.join(', ')}] does not fit ${w.length} float and ${deq.length} quantized values`,
    );
  }
  const sums = emptySums(shape[a]);
  addSums(
    sums,
    w,
    deq,
    0,
    shape.slice(a + 1).reduce((x, y) => x * y, 1),
  );
  return finishSums(sums, a, w.length / Math.max(1, shape[a]));
}

type Sums = { signal: Float64Array; noise: Float64Array; nonZero: Uint8Array; kept: Uint8Array };

const emptySums = (dim: number): Sums => ({
  signal: new Float64Array(dim),
  noise: new Float64Array(dim),
  nonZero: new Uint8Array(dim),
  kept: new Uint8Array(dim), // some quantized weight is not 0
});

/** Folds values from flat index `start` of a [outer, dim, inner] tensor into each channel's sums, in flat order. */
function addSums(s: Sums, w: Float32Array, deq: Float32Array, start: number, inner: number): void {
  const dim = s.signal.length;
  // As channels.ts addRanges: the channel steps by one per run of `inner` values, one division for the first.
  let d = Math.floor(start / inner) % dim;
  for (let i = 0, end = Math.min(w.length, inner - (start % inner)); i < w.length;) {
    for (; i < end; i++) {
      const x = w[i];
      const e = x - deq[i];
      s.signal[d] += x * x;
      s.noise[d] += e * e;
      if (x !== 0) s.nonZero[d] = 1;
      if (deq[i] !== 0) s.kept[d] = 1;
    }
    if (++d === dim) d = 0;
    end = Math.min(w.length, i + inner);
  }
}

/** `per`: values in each channel (outer · inner). */
function finishSums(s: Sums, axis: number, per: number): Omit<ChannelErrorsDto, 'step' | 'levels'> {
  const { signal, noise, nonZero, kept } = s;
  const dim = signal.length;
  const sqnr = new Float32Array(dim);
  const rms = new Float32Array(dim);
  const zeroed = new Uint8Array(dim);
  let zeroedCount = 0;
  for (let d = 0; d < dim; d++) {
    sqnr[d] = signal[d] === 0 ? NaN : noise[d] === 0 ? Infinity : 10 * Math.log10(signal[d] / noise[d]);
    rms[d] = per > 0 ? Math.sqrt(noise[d] / per) : NaN;
    if (nonZero[d] && !kept[d]) {
      zeroed[d] = 1;
      zeroedCount++;
    }
  }
  return { axis, sqnrDb: sqnr, rmsError: rms, zeroed, zeroedCount };
}

/**
 * channelErrors of a weight whose float and dequantized values come in chunks (each with the flat index of its
 * first value, in flat order: the sums add up in the same order as the whole weight's), never held whole.
 */
export async function chunkedChannelErrors(
  chunks: AsyncIterable<{ start: number; values: Float32Array; dequantized: Float32Array }>,
  shape: readonly number[],
  axis: number,
): Promise<Omit<ChannelErrorsDto, 'step' | 'levels'>> {
  const sums = emptySums(shape[axis]);
  const inner = shape.slice(axis + 1).reduce((x, y) => x * y, 1);
  let n = 0;
  for await (const c of chunks) {
    addSums(sums, c.values, c.dequantized, c.start, inner);
    n += c.values.length;
  }
  return finishSums(sums, axis, n / Math.max(1, shape[axis]));
}

/** A per-tensor quantization's step and (for grids of up to MAX_LEVEL_LINES) every level's value; null otherwise. */
export function perTensorGrid(q: QuantizedTensor): { step: number; levels: Float32Array | null } | null {
  if (q.axis !== null || q.scales.length !== 1) return null;
  const step = q.scales[0];
  const zp = q.zeroPoints ? q.zeroPoints[0] : 0;
  const n = q.qmax - q.qmin + 1;
  const levels =
    n <= MAX_LEVEL_LINES ? Float32Array.from({ length: n }, (_, i) => (q.qmin + i - zp) * step) : null;
  return { step, levels };
}
