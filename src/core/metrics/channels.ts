import { StudioError } from '../errors';
import type { ChannelRangesDto } from './types';

/**
 * Min and max of each index along `axis` (negative counts from the end). NaN is skipped; a channel with no
 * finite-or-infinite values (NaN only, or a zero-sized dimension elsewhere) reports NaN for both.
 */
export function channelRanges(w: Float32Array, shape: readonly number[], axis: number): ChannelRangesDto {
  const rank = shape.length;
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= rank) {
    throw new StudioError(
      'QuantConfigError',
      `channel axis must be an integer in ${-rank}..${rank - 1} for rank ${rank}, got ${axis}`,
    );
  }
  const size = shape.reduce((x, y) => x * y, 1);
  if (size !== w.length) {
    throw new StudioError(
      'QuantConfigError',
      `shape [${shape.join(', ')}] has ${size} elements, got ${w.length} values`,
    );
  }
  const inner = shape.slice(a + 1).reduce((x, y) => x * y, 1);
  const ranges = emptyRanges(shape[a]);
  addRanges(ranges, w, 0, inner);
  return finishRanges(ranges, a);
}

type Ranges = { min: Float32Array; max: Float32Array };

const emptyRanges = (dim: number): Ranges => ({
  min: new Float32Array(dim).fill(Infinity),
  max: new Float32Array(dim).fill(-Infinity),
});

/** Folds `values`, the flat values from index `start` of a [outer, dim, inner] tensor, into each channel's range. */
function addRanges({ min, max }: Ranges, values: Float32Array, start: number, inner: number): void {
  const dim = min.length;
  // Runs of `inner` values share a channel and the channel steps by one per run: one division for the first run
  // only (a last-axis channel, a MatMul weight's, is a run of one value).
  let d = Math.floor(start / inner) % dim;
  for (let i = 0, end = Math.min(values.length, inner - (start % inner)); i < values.length;) {
    let mn = min[d];
    let mx = max[d];
    for (; i < end; i++) {
      const v = values[i];
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    min[d] = mn;
    max[d] = mx;
    if (++d === dim) d = 0;
    end = Math.min(values.length, i + inner);
  }
}

function finishRanges({ min, max }: Ranges, axis: number): ChannelRangesDto {
  for (let d = 0; d < min.length; d++) {
    if (min[d] > max[d]) min[d] = max[d] = NaN;
  }
  return { axis, min, max };
}

/**
 * channelRanges of a weight whose values come in chunks (each with the flat index of its first value, in order or
 * not), never held whole. `axis` must be in range (the weight's own channel axis).
 */
export async function chunkedChannelRanges(
  chunks: AsyncIterable<{ values: Float32Array; start: number }>,
  shape: readonly number[],
  axis: number,
): Promise<ChannelRangesDto> {
  const inner = shape.slice(axis + 1).reduce((x, y) => x * y, 1);
  const ranges = emptyRanges(shape[axis]);
  for await (const c of chunks) addRanges(ranges, c.values, c.start, inner);
  return finishRanges(ranges, axis);
}
