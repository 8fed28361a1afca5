// Round-to-nearest as ONNX QuantizeLinear: the options, the grid of a tensor (per-group extremes → float32 scales and
// zero points: `quantParams`) and its levels (`quantizeTensor`). Scale groups are in grouping.ts, float16 in
// float16.ts.
import { StudioError } from '../errors';
import { GRANULARITIES, type IntBits, type BlockSize, type Granularity, type Scheme } from './config';
import { asymmetricParams, levelRange, symmetricScale } from './range';
import { absMax, absMaxUnchecked, firstBad, runExtremes, stridedAbsMax, stridedExtremes } from './extremes';
import type { QuantizedTensor } from './types';
import { forEachRun, grouping, product, runList, type Grouping } from './grouping';
import { absMaxRuns, allContiguous, extremesRuns, simdKernel } from './simd/kernel';
import { rowExtremes, rowsFit } from './simd/rows';

export interface QuantizeOptions {
  bits: IntBits;
  scheme: Scheme;
  granularity: Granularity;
  /** Any positive integer is accepted (ONNX allows it); the UI offers `BlockSize`. */
  blockSize: BlockSize;
  /** Output-channel axis, used by `channel` (negative counts from the end). */
  channelAxis: number;
  /** Axis the op sums over, blocked by `block`. */
  reductionAxis: number;
  /** Tensor name for error messages. */
  name?: string;
  /**
   * Scales (and zero points) chosen beforehand, one per group of `groupingFor(shape, opts)` (e.g. by a clip-range
   * search). Absent: the group's min/max (round-to-nearest). The rounding below is the same either way.
   */
  params?: { scales: Float32Array; zeroPoints: Int16Array | null };
}

/** Defaults for an [out, in] weight (Gemm with transB, Conv); the exporter passes each op's real axes. */
export const defaultQuantizeOptions: QuantizeOptions = {
  bits: 8,
  scheme: 'symmetric',
  granularity: 'channel',
  blockSize: 32,
  channelAxis: 0,
  reductionAxis: 1,
};

function normalizeAxis(axis: number, rank: number, what: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= rank) {
    throw new StudioError(
      'QuantConfigError',
      `${what} must be an integer in ${-rank}..${rank - 1} for rank ${rank}, got ${axis}`,
    );
  }
  return a;
}

function checkShape(w: Float32Array, shape: readonly number[]): void {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0) || product(shape) !== w.length) {
    throw new StudioError(
      'QuantConfigError',
      `shape [${shape.join(', ')}] has ${product(shape)} elements, got ${w.length} values`,
    );
  }
}

function checkParams(
  p: NonNullable<QuantizeOptions['params']>,
  groups: number,
  scheme: Scheme,
  qmin: number,
  qmax: number,
): NonNullable<QuantizeOptions['params']> {
  const ok =
    p.scales.length === groups &&
    p.scales.every((s) => s > 0 && Number.isFinite(s)) &&
    (scheme === 'asymmetric'
      ? p.zeroPoints !== null &&
        p.zeroPoints.length === groups &&
        p.zeroPoints.every((z) => z >= qmin && z <= qmax)
      : p.zeroPoints === null);
  if (!ok) {
    throw new StudioError(
      'QuantConfigError',
      `given scales/zero points do not fit ${groups} ${scheme} groups`,
    );
  }
  return p;
}

/** The scale groups `quantizeTensor` uses for these options. */
export function groupingFor(shape: readonly number[], opts: QuantizeOptions): Grouping {
  return opts.granularity === 'tensor'
    ? grouping(shape, null, null)
    : opts.granularity === 'channel'
      ? grouping(shape, normalizeAxis(opts.channelAxis, shape.length, 'channel axis'), null)
      : grouping(shape, normalizeAxis(opts.reductionAxis, shape.length, 'reduction axis'), opts.blockSize);
}

/** A tensor's quantization grid: everything of a QuantizedTensor but the levels, plus how elements map to groups. */
export interface QuantParams extends Omit<QuantizedTensor, 'levels'> {
  grouping: Grouping;
}

/**
 * Passes 1 and 2 of QuantizeLinear: per-group extremes (rejecting NaN/±Inf) and float32 scales / zero points.
 * `checkedLater`: the caller rejects NaN/±Inf itself after its own pass (quantizeFused, from Σw²), so symmetric runs
 * skip the per-element check here; the scales of finite tensors are the same either way.
 */
export function quantParams(
  w: Float32Array,
  shape: number[],
  opts: QuantizeOptions,
  checkedLater = false,
  scalesLater?: (runs: Int32Array, groups: number) => boolean,
): QuantParams {
  const { bits, scheme } = opts;
  const { qmin, qmax } = levelRange(bits, scheme);
  checkShape(w, shape);
  if (!GRANULARITIES.includes(opts.granularity)) {
    throw new StudioError(
      'QuantConfigError',
      `granularity must be one of ${GRANULARITIES.join(', ')}, got ${String(opts.granularity)}`,
    );
  }
  const g = groupingFor(shape, opts);
  const { groups } = g;

  // Pass 1: per-group extremes, rejecting NaN / ±Inf with the flat index. Symmetric grids need only max|w|
  // (= max(−min, max), so the scales are the same). Given params skip the extremes but not the value check.
  const given0 = opts.params !== undefined;
  const runs = runList(g);
  // The caller's one pass takes the symmetric scales itself (quantizeFused with the SIMD kernel): all 1, as an empty
  // group's, until it writes them. (Before the extremes' arrays: 16 bytes a group, 22 MB for an int4 block-32
  // 4096×11008 weight, allocated and filled for nothing.)
  if (checkedLater && !given0 && scheme === 'symmetric' && scalesLater?.(runs, groups)) {
    return paramsOf(shape, bits, scheme, g, qmin, qmax, new Float32Array(groups).fill(1), null);
  }
  const mins = new Float64Array(groups).fill(Infinity);
  const maxs = new Float64Array(groups).fill(-Infinity);
  // max|w| per run by the WebAssembly SIMD kernel where it applies (same values: max is exact in any order).
  const simd = checkedLater && !given0 && scheme === 'symmetric' && allContiguous(runs) ? simdKernel() : null;
  const absMaxes = simd ? absMaxRuns(simd, w, runs) : null;
  // Asymmetric extremes likewise (the first NaN / ±Inf is named from the whole tensor: earlier runs are finite).
  const asym = checkedLater && !given0 && scheme === 'asymmetric' ? simdKernel() : null;
  const asymRuns = asym !== null && allContiguous(runs);
  const asymRows = asym !== null && !asymRuns && rowsFit(runs, groups);
  if (asymRuns && !extremesRuns(asym, w, runs, mins, maxs)) throw firstBad(w, 0, w.length, opts.name);
  if (asymRows && !rowExtremes(asym, w, runs, mins, maxs)) throw firstBad(w, 0, w.length, opts.name);
  for (let r4 = 0; r4 < runs.length; r4 += 4) {
    const start = runs[r4];
    const end = start + runs[r4 + 1];
    const k0 = runs[r4 + 2];
    const step = runs[r4 + 3];
    let finite: boolean;
    if (checkedLater && given0) continue; // nothing to learn from this run
    if (step !== 0 && checkedLater && scheme === 'symmetric') {
      stridedAbsMax(w, start, end, k0, step, mins, maxs); // half the compares and stores of min and max
      continue;
    } else if (step !== 0) finite = asymRows || stridedExtremes(w, start, end, k0, step, mins, maxs);
    else if (checkedLater && scheme === 'symmetric') {
      const a = absMaxes ? absMaxes[r4 / 4] : absMaxUnchecked(w, start, end);
      if (a > maxs[k0]) maxs[k0] = a;
      if (-a < mins[k0]) mins[k0] = -a;
      continue;
    } else if (given0 || scheme === 'symmetric') {
      const a = absMax(w, start, end);
      finite = a - a === 0;
      if (a > maxs[k0]) maxs[k0] = a;
      if (-a < mins[k0]) mins[k0] = -a;
    } else finite = asymRuns || runExtremes(w, start, end, k0, mins, maxs);
    if (!finite) throw firstBad(w, start, end, opts.name);
  }

  // Pass 2: float32 scale (and zero point) per group.
  const given = opts.params ? checkParams(opts.params, groups, scheme, qmin, qmax) : null;
  const { scales, zeroPoints } = given ?? gridFromExtremes(mins, maxs, scheme, qmin, qmax);
  return paramsOf(shape, bits, scheme, g, qmin, qmax, scales, zeroPoints);
}

/**
 * The min/max grid of groups with extremes `mins[k]`, `maxs[k]`: a float32 scale (and zero point) per group. An
 * empty group (min > max: a 0 dim, or nothing seen) counts as all-zero.
 */
export function gridFromExtremes(
  mins: ArrayLike<number>,
  maxs: ArrayLike<number>,
  scheme: Scheme,
  qmin: number,
  qmax: number,
): { scales: Float32Array; zeroPoints: Int16Array | null } {
  const groups = mins.length;
  const scales = new Float32Array(groups);
  const zeroPoints = scheme === 'asymmetric' ? new Int16Array(groups) : null;
  for (let k = 0; k < groups; k++) {
    const mn = mins[k] <= maxs[k] ? mins[k] : 0;
    const mx = mins[k] <= maxs[k] ? maxs[k] : 0;
    if (zeroPoints) {
      const p = asymmetricParams(mn, mx, qmin, qmax);
      scales[k] = p.scale;
      zeroPoints[k] = p.zeroPoint;
    } else {
      scales[k] = symmetricScale(Math.max(-mn, mx), qmax);
    }
  }
  return { scales, zeroPoints };
}

function paramsOf(
  shape: number[],
  bits: IntBits,
  scheme: Scheme,
  g: Grouping,
  qmin: number,
  qmax: number,
  scales: Float32Array,
  zeroPoints: Int16Array | null,
): QuantParams {
  return {
    shape: shape.slice(),
    bits,
    scheme,
    axis: g.axis,
    blockSize: g.blockSize,
    qmin,
    qmax,
    scales,
    scaleShape: g.scaleShape,
    zeroPoints,
    grouping: g,
  };
}

/** Quantize like ONNX QuantizeLinear in float32: q = clamp(roundHalfEven(fround(w / scale)) + zp, qmin, qmax). */
export function quantizeTensor(w: Float32Array, shape: number[], opts: QuantizeOptions): QuantizedTensor {
  const { grouping: g, ...params } = quantParams(w, shape, opts);
  const { scales, zeroPoints, qmin, qmax } = params;
  // Pass 3: levels. fround(v / s) is float32 division: float64 division of float32 operands rounded once is exact.
  const levels = new Int16Array(w.length);
  forEachRun(g, (start, len, k0, step) => {
    const end = start + len;
    for (let j = start, k = k0; j < end; j += 1, k += step) {
      const s = scales[k];
      const zp = zeroPoints ? zeroPoints[k] : 0;
      // Inline roundHalfEven (see round.ts): this is the hot loop of the whole app.
      const t = Math.fround(w[j] / s);
      let r = Math.round(t);
      if (r - t === 0.5 && r % 2 !== 0) r -= 1;
      const q = r + zp;
      levels[j] = q < qmin ? qmin : q > qmax ? qmax : q;
    }
  });
  return { ...params, levels };
}
