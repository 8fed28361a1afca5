// A weight seen as rows (output channels) × columns (its reduction elements), with the RTN grid of every element.
import { StudioError } from '../errors';
import { roundHalfEven } from '../quant/round';
import { asymmetricParams, symmetricScale } from '../quant/range';
import { forEachRun, grouping } from '../quant/grouping';
import { quantizeTensor, type QuantizeOptions } from '../quant/quantize';
import type { QuantizedTensor } from '../quant/types';

/**
 * The row view: `w[r·cols + c]` is the native element `index[r·cols + c]`; row r is output channel r (the native
 * channel axis moved first, the other axes kept in order, so a Conv row is [C/g, ...kernel] like an im2col patch
 * and a MatMul [K, N] row is a column of W). `group` is that element's scale group in the RTN result.
 */
export interface RowView {
  rows: number;
  cols: number;
  w: Float64Array;
  index: Int32Array;
  group: Int32Array;
  /** Round-to-nearest of the original weight: its grid (scales, zero points) is where every method starts. */
  rtn: QuantizedTensor;
}

export function rowView(values: Float32Array, shape: number[], opts: QuantizeOptions): RowView {
  const rtn = quantizeTensor(values, shape, opts);
  const rank = shape.length;
  const ch = opts.channelAxis < 0 ? opts.channelAxis + rank : opts.channelAxis;
  const red = opts.reductionAxis < 0 ? opts.reductionAxis + rank : opts.reductionAxis;
  if (rank < 2 || ch === red || (rank > 2 && !(ch === 0 && red === 1))) {
    throw new StudioError(
      'UnsupportedModelError',
      `${opts.name ?? 'weight'}: data-aware rounding needs a 2-D MatMul/Gemm or a Conv [O, C/g, ...kernel] weight, got shape [${shape.join(', ')}] with output axis ${ch}`,
    );
  }
  // Native strides, then the row-view order of axes: channel first, the rest in order.
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const rows = shape[ch];
  const rest = shape.map((_, i) => i).filter((i) => i !== ch);
  const cols = rest.reduce((a, i) => a * shape[i], 1);
  const index = new Int32Array(rows * cols);
  const coord = new Array<number>(rest.length).fill(0);
  for (let r = 0; r < rows; r++) {
    coord.fill(0);
    for (let c = 0; c < cols; c++) {
      let flat = r * strides[ch];
      for (let a = 0; a < rest.length; a++) flat += coord[a] * strides[rest[a]];
      index[r * cols + c] = flat;
      for (let a = rest.length - 1; a >= 0; a--) {
        if (++coord[a] < shape[rest[a]]) break;
        coord[a] = 0;
      }
    }
  }
  const nativeGroup = new Int32Array(values.length);
  forEachRun(grouping(shape, rtn.axis, rtn.blockSize), (start, len, k0, step) => {
    for (let j = 0, k = k0; j < len; j++, k += step) nativeGroup[start + j] = k;
  });
  const w = new Float64Array(rows * cols);
  const group = new Int32Array(rows * cols);
  for (let i = 0; i < index.length; i++) {
    w[i] = values[index[i]];
    group[i] = nativeGroup[index[i]];
  }
  return { rows, cols, w, index, group, rtn };
}

/** The grid being filled: a copy of the RTN scales / zero points (dynamic groups overwrite theirs). */
export interface Grid {
  qmin: number;
  qmax: number;
  scales: Float32Array;
  zeroPoints: Int16Array | null;
}

export const gridOf = (rtn: QuantizedTensor): Grid => ({
  qmin: rtn.qmin,
  qmax: rtn.qmax,
  scales: Float32Array.from(rtn.scales),
  zeroPoints: rtn.zeroPoints ? Int16Array.from(rtn.zeroPoints) : null,
});

/** Level of value v in group k, exactly as quantizeTensor computes it (float32 division, half to even, clamp). */
export function levelOf(grid: Grid, k: number, v: number): number {
  const zp = grid.zeroPoints ? grid.zeroPoints[k] : 0;
  const q = roundHalfEven(Math.fround(v / grid.scales[k])) + zp;
  return q < grid.qmin ? grid.qmin : q > grid.qmax ? grid.qmax : q;
}

/** What DequantizeLinear gives for level q of group k. */
export const valueOf = (grid: Grid, k: number, q: number): number =>
  Math.fround((q - (grid.zeroPoints ? grid.zeroPoints[k] : 0)) * grid.scales[k]);

/** Re-derives group k's scale (and zero point) from the float32 values `vals`, as quantizeTensor would. */
export function refitGroup(grid: Grid, k: number, vals: ArrayLike<number>): void {
  let mn = Infinity;
  let mx = -Infinity;
  for (let i = 0; i < vals.length; i++) {
    const v = Math.fround(vals[i]);
    if (v < mn) mn = v;
    if (v > mx) mx = v;
  }
  if (!(mn <= mx)) mn = mx = 0;
  if (grid.zeroPoints) {
    const p = asymmetricParams(mn, mx, grid.qmin, grid.qmax);
    grid.scales[k] = p.scale;
    grid.zeroPoints[k] = p.zeroPoint;
  } else {
    grid.scales[k] = symmetricScale(Math.max(-mn, mx), grid.qmax);
  }
}

/** Levels (row view) → the QuantizedTensor the exporter takes, in native layout, with the grid's scales. */
export function toQuantized(view: RowView, levels: Int16Array, grid: Grid): QuantizedTensor {
  const native = new Int16Array(levels.length);
  for (let i = 0; i < levels.length; i++) native[view.index[i]] = levels[i];
  return {
    ...view.rtn,
    shape: view.rtn.shape.slice(),
    levels: native,
    scales: grid.scales,
    zeroPoints: grid.zeroPoints,
  };
}

/** Dequantized row view of `levels`. */
export function dequantizeRows(view: RowView, levels: Int16Array, grid: Grid): Float64Array {
  return Float64Array.from(levels, (q, i) => valueOf(grid, view.group[i], q));
}
