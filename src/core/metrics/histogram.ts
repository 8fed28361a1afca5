import { StudioError } from '../errors';
import type { HistogramDto } from './types';

/** Above this many distinct quantized values the grid is not drawn (per-tensor 8-bit has at most 256). */
export const MAX_GRID_VALUES = 512;

const FLOAT32_MAX = 3.4028234663852886e38;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * Distinct finite values of `a`, sorted, or null when there are more than `limit`. Open addressing on the float32
 * bits (−0 folded into +0) keeps it O(n) without allocating per element.
 */
export function distinctValues(a: Float32Array, limit = MAX_GRID_VALUES): Float32Array | null {
  const size = 1 << Math.ceil(Math.log2(limit * 2 + 1));
  const keys = new Uint32Array(size);
  const used = new Uint8Array(size);
  const found = new Float32Array(limit);
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (!Number.isFinite(v)) continue;
    f32[0] = v === 0 ? 0 : v;
    const key = u32[0];
    let slot = Math.imul(key, 0x9e3779b1) >>> 0;
    for (slot &= size - 1; used[slot] && keys[slot] !== key; slot = (slot + 1) & (size - 1));
    if (used[slot]) continue;
    if (count === limit) return null;
    used[slot] = 1;
    keys[slot] = key;
    found[count++] = f32[0];
  }
  return found.slice(0, count).sort();
}

function finiteRange(a: Float32Array, into: { min: number; max: number }): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (!Number.isFinite(v)) continue;
    if (v < into.min) into.min = v;
    if (v > into.max) into.max = v;
  }
}

function countInto(
  a: Float32Array,
  lo: number,
  hi: number,
  bins: number,
  counts = new Uint32Array(bins),
): Uint32Array {
  const perUnit = bins / (hi - lo);
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (!Number.isFinite(v)) continue;
    const b = Math.floor((v - lo) * perUnit);
    counts[b < 0 ? 0 : b >= bins ? bins - 1 : b] += 1; // the last bin includes the upper edge
  }
  return counts;
}

const checkBins = (bins: number) => {
  if (!Number.isInteger(bins) || bins < 1) {
    throw new StudioError('QuantConfigError', `histogram bins must be a positive integer, got ${bins}`);
  }
};

/** The bin edges over a data range (widened around a constant, 0 for no data). */
function binEdges(range: { min: number; max: number }, bins: number) {
  if (range.min > range.max) range.min = range.max = 0;
  const { min, max } = range;
  let lo = min;
  let hi = max;
  if (lo === hi) {
    const half = lo === 0 ? 0.5 : Math.abs(lo) / 2;
    lo = Math.max(Math.fround(lo - half), -FLOAT32_MAX);
    hi = Math.min(Math.fround(hi + half), FLOAT32_MAX);
  }
  const edges = new Float32Array(bins + 1);
  for (let i = 0; i <= bins; i++) edges[i] = lo + ((hi - lo) * i) / bins;
  edges[0] = lo;
  edges[bins] = hi;
  return { edges, lo, hi, min, max };
}

/**
 * Histograms of the float weights and (optionally) their dequantized values on shared edges over [min, max] of
 * both, so the overlays line up. Non-finite values are not counted. A constant input (min == max) is drawn in a
 * window of ±|v|/2 (±0.5 around 0) so the bins have a width; empty input counts as that window around 0.
 * `min`/`max` report the data range (0 for empty input), not the widened window.
 */
export function sharedHistogram(w: Float32Array, wq: Float32Array | null, bins: number): HistogramDto {
  checkBins(bins);
  const range = { min: Infinity, max: -Infinity };
  finiteRange(w, range);
  if (wq) finiteRange(wq, range);
  const { edges, lo, hi, min, max } = binEdges(range, bins);
  return {
    edges,
    float: countInto(w, lo, hi, bins),
    quantized: wq ? countInto(wq, lo, hi, bins) : null,
    grid: wq ? distinctValues(wq) : null,
    min,
    max,
  };
}

/**
 * sharedHistogram(w, wq, bins) of values that come in chunks (`quantized` with each chunk's wq, or left out for
 * wq = null), never held whole: `chunks()` is gone through twice (the range and the grid, then the counts).
 */
export async function chunkedHistogram(
  chunks: () => AsyncIterable<{ values: Float32Array; quantized?: Float32Array }>,
  bins: number,
  withQuantized = false,
): Promise<HistogramDto> {
  checkBins(bins);
  const range = { min: Infinity, max: -Infinity };
  let grid: Set<number> | null = new Set();
  for await (const c of chunks()) {
    finiteRange(c.values, range);
    if (!withQuantized) continue;
    const q = c.quantized!;
    finiteRange(q, range);
    const seen: Float32Array | null = grid ? distinctValues(q) : null;
    if (grid && seen) for (const v of seen) grid.add(v);
    grid = grid && seen && grid.size <= MAX_GRID_VALUES ? grid : null;
  }
  const { edges, lo, hi, min, max } = binEdges(range, bins);
  const counts = new Uint32Array(bins);
  const qCounts = withQuantized ? new Uint32Array(bins) : null;
  for await (const c of chunks()) {
    countInto(c.values, lo, hi, bins, counts);
    if (qCounts) countInto(c.quantized!, lo, hi, bins, qCounts);
  }
  return {
    edges,
    float: counts,
    quantized: qCounts,
    grid: withQuantized && grid ? Float32Array.from(grid).sort() : null,
    min,
    max,
  };
}

/**
 * Merge adjacent bins until there are at most `maxBins`: groups of ceil(n / maxBins) bins, so the result has
 * ceil(n / factor) ≤ maxBins bins. Totals, the outer edges and the grid are kept.
 */
export function downsample(h: HistogramDto, maxBins: number): HistogramDto {
  if (!Number.isInteger(maxBins) || maxBins < 1) {
    throw new StudioError('QuantConfigError', `maxBins must be a positive integer, got ${maxBins}`);
  }
  const n = h.float.length;
  if (n <= maxBins) return h;
  const factor = Math.ceil(n / maxBins);
  const m = Math.ceil(n / factor);
  const merge = (counts: Uint32Array): Uint32Array => {
    const out = new Uint32Array(m);
    for (let i = 0; i < n; i++) out[Math.floor(i / factor)] += counts[i];
    return out;
  };
  const edges = new Float32Array(m + 1);
  for (let j = 0; j < m; j++) edges[j] = h.edges[j * factor];
  edges[m] = h.edges[n];
  return { ...h, edges, float: merge(h.float), quantized: h.quantized ? merge(h.quantized) : null };
}
