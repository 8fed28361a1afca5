// AdaRound (Nagel et al., 2020): learn for every weight whether to round down or up, minimising the layer output
// error ‖(W − Ŵ)X‖² (through H = Σ x·xᵀ) plus an annealed regulariser that drives each choice to 0 or 1.
import { StudioError } from '../errors';
import type { QuantizeOptions } from '../quant/quantize';
import { layerError, rowsPerHessian, type LayerHessians } from './gptq';
import { LowRankGradient, pivotedCholesky } from './lowrank';
import { dequantizeRows, gridOf, rowView, toQuantized } from './rows';
import type { RoundingResult } from './result';

export interface AdaRoundOptions {
  /**
   * Adam steps on the whole layer. Default 300. Each costs up to rows × cols × min(cols, 2k) multiply-adds (k: see
   * `lowRank`).
   */
  iterations?: number;
  /** Adam step size on the rounding logits V. Default 0.1. */
  learningRate?: number;
  /**
   * Weight λ of the rounding regulariser mean(1 − |2h − 1|^β) against the output error, which is normalised so RTN's
   * is 1. Default 30 (on random layers 10–100 all land within a few percent; 0.1 and below leave the rounding soft).
   */
  regularization?: number;
  /** Fraction of the steps before the regulariser starts (it then anneals β from 20 to 2). Default 0.2. */
  warmup?: number;
  /** Return RTN instead when the learned rounding comes out worse. Default true. */
  keepBetter?: boolean;
  /**
   * Called every few steps with (step, total), e.g. for progress. The loop stops early once the regulariser has
   * pushed every h(V) to exactly 0 or 1 (the rounding cannot change any more); `iterations` reports the steps run.
   */
  onStep?: (step: number, total: number) => void;
  /** Asked before every step: true stops the solve with a CancelledError (a layer's solve can take minutes). */
  isCancelled?: () => boolean;
  /**
   * Step through a low-rank factor H ≈ L·Lᵀ + diag (rank k: the residual trace ≤ `rankTolerance` × trace(H)) when k ≤ cols / 3,
   * so a step costs rows × cols × k instead of rows × cols². Default true; false always uses the full H.
   */
  lowRank?: boolean;
  /** Residual trace of the low-rank factor allowed, relative to trace(H). Default 1e-4. */
  rankTolerance?: number;
}

// Rectified sigmoid stretch (the paper's ζ, γ): h(V) = clamp(σ(V)(ζ − γ) + γ, 0, 1) reaches 0 and 1 exactly.
const ZETA = 1.1;
const GAMMA = -0.1;
const BETA_START = 20;
const BETA_END = 2;

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** Rows whose gradient is accumulated together (they share each streamed row of H). */
const ROWS = 4;

/**
 * grad[r, :] += δ[r, :]·H for rows [r0, r1) (≤ ROWS of them, one Hessian), n columns. Columns where every row's δ is
 * zero are skipped: called with the change of δ since the last step, only the still-soft weights cost anything.
 */
function addDeltaTimesH(
  delta: Float64Array,
  grad: Float64Array,
  r0: number,
  r1: number,
  n: number,
  h: Float32Array,
): void {
  if (r1 - r0 < ROWS) {
    for (let r = r0; r < r1; r++) {
      const o = r * n;
      for (let a = 0; a < n; a++) {
        const da = delta[o + a];
        if (da === 0) continue;
        const ha = a * n;
        for (let b = 0; b < n; b++) grad[o + b] += da * h[ha + b];
      }
    }
    return;
  }
  const o0 = r0 * n;
  const o1 = o0 + n;
  const o2 = o1 + n;
  const o3 = o2 + n;
  for (let a = 0; a < n; a++) {
    const d0 = delta[o0 + a];
    const d1 = delta[o1 + a];
    const d2 = delta[o2 + a];
    const d3 = delta[o3 + a];
    if (d0 === 0 && d1 === 0 && d2 === 0 && d3 === 0) continue;
    const ha = a * n;
    for (let b = 0; b < n; b++) {
      const x = h[ha + b];
      grad[o0 + b] += d0 * x;
      grad[o1 + b] += d1 * x;
      grad[o2 + b] += d2 * x;
      grad[o3 + b] += d3 * x;
    }
  }
}

/**
 * AdaRound for one weight on the RTN grid of the original weight (same scales and zero points as RTN; only the
 * rounding direction changes, so every level is RTN's or one away). Deterministic: no random initialisation.
 */
export function adaroundQuantize(
  values: Float32Array,
  shape: number[],
  opts: QuantizeOptions,
  layer: LayerHessians,
  options: AdaRoundOptions = {},
): RoundingResult {
  const name = opts.name ?? 'weight';
  const iterations = options.iterations ?? 300;
  const lr = options.learningRate ?? 0.1;
  const lambda = options.regularization ?? 30;
  const warmup = options.warmup ?? 0.2;
  if (
    !Number.isInteger(iterations) ||
    iterations < 0 ||
    !(lr > 0) ||
    !(lambda >= 0) ||
    !(warmup >= 0 && warmup < 1)
  ) {
    throw new StudioError(
      'QuantConfigError',
      `AdaRound needs iterations ≥ 0, learning rate > 0, regularization ≥ 0 and warmup in [0, 1), got ${iterations}, ${lr}, ${lambda}, ${warmup}`,
    );
  }
  const view = rowView(values, shape, opts);
  const per = rowsPerHessian(view, layer, name);
  const grid = gridOf(view.rtn);
  const { rows, cols: n, w, group } = view;
  const size = rows * n;
  const rtnLevels = Int16Array.from(view.index, (i) => view.rtn.levels[i]);
  const rtnError = layerError(view, layer, dequantizeRows(view, rtnLevels, grid));

  // Per element: scale, zero point, floor level and the soft variable V (h(V) starts at the fractional part).
  const scale = new Float64Array(size);
  const floorLevel = new Float64Array(size);
  const v = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const k = group[i];
    scale[i] = grid.scales[k];
    const zp = grid.zeroPoints ? grid.zeroPoints[k] : 0;
    const t = Math.fround(w[i] / scale[i]);
    floorLevel[i] = Math.floor(t) + zp;
    const p = Math.min(1 - 1e-4, Math.max(1e-4, (t - Math.floor(t) - GAMMA) / (ZETA - GAMMA)));
    v[i] = Math.log(p / (1 - p));
  }
  const zpOf = (i: number) => (grid.zeroPoints ? grid.zeroPoints[group[i]] : 0);
  const { qmin, qmax } = grid;

  const norm = rtnError > 0 ? rtnError : 1;
  const m = new Float64Array(size);
  const s2 = new Float64Array(size);
  const delta = new Float64Array(size);
  const sg = new Float64Array(size);
  const grad = new Float64Array(size);
  const prev = new Float64Array(size);
  // The gradient Δ·H is the whole cost (rows × cols² per step through the full H). It is kept up to date with the change of Δ only:
  // weights whose h(V) sits at 0 or 1 do not move, and after the warm-up most of them do not. H in float32 halves
  // the memory it streams, and rows go ROWS at a time so each row of H is read once per block, not once per row.
  // Low rank when it pays: each weight then costs k per step (update of Δ·L, read of the gradient) instead of cols.
  const factors =
    (options.lowRank ?? true) && n >= 6
      ? layer.hessians.map((h) => pivotedCholesky(h, n, options.rankTolerance ?? 1e-4, Math.floor(n / 3)))
      : [];
  const lowRank =
    factors.length > 0 && factors.every((f) => f.k < Math.floor(n / 3))
      ? new LowRankGradient(factors, per, n, rows)
      : undefined;
  const h32 = lowRank ? [] : layer.hessians.map((h) => Float32Array.from(h));
  const warmSteps = Math.floor(warmup * iterations);
  let steps = 0;
  for (let step = 0; step < iterations && rtnError > 0; step++) {
    if (options.isCancelled?.()) {
      throw new StudioError('CancelledError', `AdaRound was cancelled after ${step} of ${iterations} steps`);
    }
    // Soft weights and their error; `hard` stays true while every h(V) sits at 0 or 1.
    let hard = true;
    for (let i = 0; i < size; i++) {
      const e = sigmoid(v[i]);
      sg[i] = e;
      const raw = e * (ZETA - GAMMA) + GAMMA;
      if (raw > 0 && raw < 1) hard = false;
      const h = raw < 0 ? 0 : raw > 1 ? 1 : raw;
      const level = Math.min(qmax, Math.max(qmin, floorLevel[i] + h));
      delta[i] = (level - zpOf(i)) * scale[i] - w[i];
    }
    const annealing = step >= warmSteps && lambda > 0;
    // Every rounding decided once the regulariser runs: the hard rounding below can no longer change.
    if (hard && annealing && step > warmSteps) {
      // Progress ends at the step it stopped on, not at the last multiple of 10 before it.
      if (options.onStep && steps % 10 !== 0) options.onStep(steps, iterations);
      break;
    }
    steps = step + 1;
    const beta =
      BETA_END + (BETA_START - BETA_END) * (1 - (step - warmSteps) / Math.max(1, iterations - warmSteps));
    // ∂/∂Ŵ of δ·H·δᵀ / norm = 2·(H·δ) / norm (H symmetric).
    for (let i = 0; i < size; i++) {
      const d = delta[i];
      delta[i] = d - prev[i];
      prev[i] = d;
    }
    lowRank?.add(delta);
    for (let b = 0; b < h32.length; b++) {
      for (let r0 = b * per; r0 < (b + 1) * per; r0 += ROWS) {
        addDeltaTimesH(delta, grad, r0, Math.min((b + 1) * per, r0 + ROWS), n, h32[b]);
      }
    }
    const t = step + 1;
    const c1 = lr / (1 - 0.9 ** t);
    const c2 = 1 / (1 - 0.999 ** t);
    const regScale = (lambda * beta * 2) / size;
    for (let i = 0, r = 0, c = 0; i < size; i++, c++) {
      if (c === n) {
        c = 0;
        r++;
      }
      const e = sg[i];
      const raw = e * (ZETA - GAMMA) + GAMMA;
      // dh/dV = σ'(V)(ζ − γ) inside (0, 1), zero where h is clamped.
      if (!(raw > 0 && raw < 1)) {
        m[i] *= 0.9;
        s2[i] *= 0.999;
      } else {
        const level = floorLevel[i] + raw;
        // dŴ/dh = scale inside the level range.
        const gi = lowRank ? lowRank.at(r, c, prev[i]) : grad[i];
        let g = level > qmin && level < qmax ? (2 * gi * scale[i]) / norm : 0;
        if (annealing) {
          const u = 2 * raw - 1;
          g -= regScale * Math.pow(Math.abs(u), beta - 1) * Math.sign(u);
        }
        g *= e * (1 - e) * (ZETA - GAMMA);
        m[i] = 0.9 * m[i] + 0.1 * g;
        s2[i] = 0.999 * s2[i] + 0.001 * g * g;
      }
      // Adam.
      v[i] -= (c1 * m[i]) / (Math.sqrt(s2[i] * c2) + 1e-8);
    }
    if (options.onStep && (step % 10 === 9 || step === iterations - 1)) options.onStep(step + 1, iterations);
  }

  // Hard rounding: up where h(V) ≥ ½ (V ≥ 0), then the level range.
  const levels = new Int16Array(size);
  for (let i = 0; i < size; i++) {
    const q = floorLevel[i] + (v[i] >= 0 ? 1 : 0);
    levels[i] = q < qmin ? qmin : q > qmax ? qmax : q;
  }
  const error = layerError(view, layer, dequantizeRows(view, levels, grid));
  if ((options.keepBetter ?? true) && error > rtnError) {
    return {
      q: view.rtn,
      method: 'rtn',
      error: rtnError,
      rtnError,
      notes: [
        `AdaRound gave a higher output error (${error.toPrecision(4)}) than round-to-nearest: kept RTN`,
      ],
      iterations: steps,
    };
  }
  return {
    q: toQuantized(view, levels, grid),
    method: 'adaround',
    error,
    rtnError,
    notes: [],
    iterations: steps,
  };
}
