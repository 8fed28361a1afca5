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
  const outer = shape.slice(0, a).reduce((x, y) => x * y, 1);
  const dim = shape[a];
  const inner = shape.slice(a + 1).reduce((x, y) => x * y, 1);
  const min = new Float32Array(dim).fill(Infinity);
  const max = new Float32Array(dim).fill(-Infinity);
  let idx = 0;
  for (let o = 0; o < outer; o++) {
    for (let d = 0; d < dim; d++) {
      let mn = min[d];
      let mx = max[d];
      for (let end = idx + inner; idx < end; idx++) {
        const v = w[idx];
        if (v < mn) mn = v;
        if (v > mx) mx = v;
      }
      min[d] = mn;
      max[d] = mx;
    }
  }
  for (let d = 0; d < dim; d++) {
    if (min[d] > max[d]) min[d] = max[d] = NaN;
  }
  return { axis: a, min, max };
}
