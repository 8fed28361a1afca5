// GPTQ (Frantar et al., 2022): quantize columns one at a time and push each one's error onto the columns not yet
// quantized, weighted by the inverse Hessian of the layer's inputs, so the layer output error stays small.
import { StudioError } from '../errors';
import type { QuantizeOptions } from '../quant/quantize';
import { dampedInverseUpper, quadraticError } from './linalg';
import {
  dequantizeRows,
  gridOf,
  levelOf,
  refitGroup,
  rowView,
  toQuantized,
  valueOf,
  type Grid,
  type RowView,
} from './rows';
import type { RoundingResult } from './result';

export interface GptqOptions {
  /** Damping λ = dampPercent × mean(diag H) added to H's diagonal. Default 0.01. */
  dampPercent?: number;
  /** Quantize columns in decreasing diag(H) order (GPTQ's act-order). Default false. */
  actOrder?: boolean;
  /** Columns per lazy batch update (same result up to float64 rounding, better memory locality). Default 128. */
  lazyBatch?: number;
  /**
   * Block-wise only, without act-order: fit each block's scale to the error-updated weights when GPTQ reaches the
   * block (GPTQ's `groupsize` behaviour) instead of using the original weights' RTN grid. Default true.
   */
  dynamicGroups?: boolean;
  /** Return RTN instead when GPTQ's ‖(W − Ŵ)X‖² comes out higher (it can at 2 bits). Default true. */
  keepBetter?: boolean;
  /** Asked before each block of rows of the Hessian inverse and of the solve: true stops with a CancelledError. */
  isCancelled?: () => boolean;
}

/**
 * Per-layer curvature: `hessians[b]` (cols × cols, H = Σ x·xᵀ) serves output rows b·R/B … (b+1)·R/B − 1 — one
 * Hessian for MatMul/Gemm, one per group for a grouped or depthwise Conv (`ConvHessian.groups`).
 */
export interface LayerHessians {
  hessians: Float64Array[];
}

/** Output rows served by each Hessian; throws when the shapes disagree. */
export function rowsPerHessian(view: RowView, layer: LayerHessians, name: string): number {
  const b = layer.hessians.length;
  const bad = layer.hessians.find((h) => h.length !== view.cols * view.cols);
  if (b < 1 || view.rows % b !== 0 || bad) {
    throw new StudioError(
      'QuantConfigError',
      `${name}: ${b} Hessian(s) of ${bad ? Math.sqrt(bad.length) : view.cols}² do not fit a weight of ${view.rows} rows × ${view.cols} columns`,
    );
  }
  return view.rows / b;
}

/** Σ over Hessian blocks of ‖(W − Ŵ)X‖² for row-view values `wq` against the original `view.w`. */
export function layerError(view: RowView, layer: LayerHessians, wq: Float64Array): number {
  const per = rowsPerHessian(view, layer, 'layer');
  const n = view.cols;
  let total = 0;
  layer.hessians.forEach((h, b) => {
    const delta = new Float64Array(per * n);
    for (let i = 0; i < delta.length; i++) delta[i] = view.w[b * per * n + i] - wq[b * per * n + i];
    total += quadraticError(delta, per, h, n);
  });
  return total;
}

/** Rows solved together (see solveBlock). */
const ROW_BLOCK = 8;

/** Stable permutation by decreasing value (ties keep column order, so H = I leaves the order alone). */
const descending = (d: Float64Array): Int32Array =>
  Int32Array.from(d.keys()).sort((a, b) => d[b] - d[a] || a - b);

/** GPTQ on rows [r0, r1) that share Hessian `h0`; writes their levels into `levels` (row view). */
function solveBlock(
  view: RowView,
  r0: number,
  r1: number,
  h0: Float64Array,
  grid: Grid,
  levels: Int16Array,
  opts: Required<Omit<GptqOptions, 'keepBetter' | 'isCancelled'>>,
  name: string,
  isCancelled: () => boolean,
): number {
  const n = view.cols;
  const rows = r1 - r0;
  const h = Float64Array.from(h0);
  // Columns no calibration vector touched: H row/column all zero. Unit diagonal makes them plain RTN (no feedback).
  for (let j = 0; j < n; j++) if (h[j * n + j] === 0) h[j * n + j] = 1;
  const diag = Float64Array.from({ length: n }, (_, j) => h[j * n + j]);
  const perm = opts.actOrder ? descending(diag) : Int32Array.from(diag.keys());
  const hp = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) hp[i * n + j] = h[perm[i] * n + perm[j]];
  const { upper: u, damping } = dampedInverseUpper(hp, n, opts.dampPercent, name, isCancelled);

  // Permuted working copy of the rows and their groups.
  const w = new Float64Array(rows * n);
  const grp = new Int32Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) {
      w[r * n + j] = view.w[(r0 + r) * n + perm[j]];
      grp[r * n + j] = view.group[(r0 + r) * n + perm[j]];
    }
  }
  // Dynamic groups: a group is (re)fitted when its first column comes up, after every earlier error is pushed.
  const dynamic = opts.dynamicGroups && !opts.actOrder && view.rtn.blockSize !== null;
  const opens = new Uint8Array(n);
  const members: number[][] = [];
  if (dynamic) {
    const seen = new Map<number, number[]>();
    for (let j = 0; j < n; j++) {
      const k = grp[j]; // row 0's pattern; every row has the same column pattern
      if (!seen.has(k)) {
        seen.set(k, []);
        opens[j] = 1;
      }
      seen.get(k)!.push(j);
    }
    for (let j = 0; j < n; j++) members[j] = seen.get(grp[j])!;
  }

  // Rows are independent (each row's error only feeds its own later columns), so the loops go row block by row
  // block: the block's rows stay in cache while U streams past once per block.
  const batch = Math.max(1, opts.lazyBatch);
  const err = new Float64Array(ROW_BLOCK * batch);
  for (let b0 = 0; b0 < rows; b0 += ROW_BLOCK) {
    if (isCancelled()) throw new StudioError('CancelledError', `GPTQ on ${name} was cancelled`);
    const b1 = Math.min(rows, b0 + ROW_BLOCK);
    let i1 = 0;
    while (i1 < n) {
      let i2 = Math.min(n, i1 + batch);
      if (dynamic) for (let j = i1 + 1; j < i2; j++) if (opens[j]) i2 = j; // flush before a group opens
      for (let j = i1; j < i2; j++) {
        const d = u[j * n + j];
        const uj = j * n;
        for (let r = b0; r < b1; r++) {
          const row = r * n;
          const k = grp[row + j];
          if (dynamic && opens[j])
            refitGroup(
              grid,
              k,
              members[j].map((c) => w[row + c]),
            );
          const q = levelOf(grid, k, w[row + j]);
          levels[(r0 + r) * n + perm[j]] = q;
          const e = (w[row + j] - valueOf(grid, k, q)) / d;
          err[(r - b0) * batch + (j - i1)] = e;
          if (e !== 0) for (let c = j + 1; c < i2; c++) w[row + c] -= e * u[uj + c];
        }
      }
      // Lazy update of the columns after the batch: W[:, i2:] −= Err · U[i1:i2, i2:], one row of U at a time.
      if (i2 < n) {
        for (let j = i1; j < i2; j++) {
          const uj = j * n;
          for (let r = b0; r < b1; r++) {
            const e = err[(r - b0) * batch + (j - i1)];
            if (e === 0) continue;
            const row = r * n;
            for (let c = i2; c < n; c++) w[row + c] -= e * u[uj + c];
          }
        }
      }
      i1 = i2;
    }
  }
  return damping;
}

/**
 * GPTQ for one weight. `opts` are the weight's quantization options exactly as RTN gets them (bits, scheme,
 * granularity, block size, axes); the result has the same form as `quantizeTensor`'s, so export is unchanged.
 * Per-tensor and per-channel grids (and block grids with act-order) are the RTN grid of the original weight.
 */
export function gptqQuantize(
  values: Float32Array,
  shape: number[],
  opts: QuantizeOptions,
  layer: LayerHessians,
  options: GptqOptions = {},
): RoundingResult {
  const name = opts.name ?? 'weight';
  const view = rowView(values, shape, opts);
  const per = rowsPerHessian(view, layer, name);
  const o = {
    dampPercent: options.dampPercent ?? 0.01,
    actOrder: options.actOrder ?? false,
    lazyBatch: options.lazyBatch ?? 128,
    dynamicGroups: options.dynamicGroups ?? true,
  };
  if (!(o.dampPercent >= 0) || !Number.isInteger(o.lazyBatch) || o.lazyBatch < 1) {
    throw new StudioError(
      'QuantConfigError',
      `GPTQ damping must be ≥ 0 and the lazy batch a positive integer, got ${o.dampPercent} and ${o.lazyBatch}`,
    );
  }
  const grid = gridOf(view.rtn);
  const levels = new Int16Array(view.rows * view.cols);
  const isCancelled = options.isCancelled ?? (() => false);
  const damping = layer.hessians.map((h, b) =>
    solveBlock(view, b * per, (b + 1) * per, h, grid, levels, o, name, isCancelled),
  );
  const error = layerError(view, layer, dequantizeRows(view, levels, grid));
  const rtnLevels = Int16Array.from(view.index, (i) => view.rtn.levels[i]);
  const rtnError = layerError(view, layer, dequantizeRows(view, rtnLevels, gridOf(view.rtn)));
  if ((options.keepBetter ?? true) && error > rtnError) {
    return {
      q: view.rtn,
      method: 'rtn',
      error: rtnError,
      rtnError,
      notes: [`GPTQ gave a higher output error (${error.toPrecision(4)}) than round-to-nearest: kept RTN`],
      damping,
    };
  }
  return { q: toQuantized(view, levels, grid), method: 'gptq', error, rtnError, notes: [], damping };
}
