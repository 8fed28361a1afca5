// AdaRound (Nagel et al., 2020): learn for every weight whether to round down or up, minimising the layer output
// error ‖(W − Ŵ)X‖² (through H = Σ x·xᵀ) plus an annealed regulariser that drives each choice to 0 or 1.
import { StudioError } from '../errors';
import type { QuantizeOptions } from '../quant/quantize';
import { layerError, rowsPerHessian, type LayerHessians } from './gptq';
import { dequantizeRows, gridOf, rowView, toQuantized } from './rows';
import type { RoundingResult } from './result';

export interface AdaRoundOptions {
  /** Adam steps on the whole layer. Default 300. Each costs rows × cols² multiply-adds. */
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
  /** Called every few steps with (step, total), e.g. for progress. */
  onStep?: (step: number, total: number) => void;
}

// Rectified sigmoid stretch (the paper's ζ, γ): h(V) = clamp(σ(V)(ζ − γ) + γ, 0, 1) reaches 0 and 1 exactly.
const ZETA = 1.1;
const GAMMA = -0.1;
const BETA_START = 20;
const BETA_END = 2;

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

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
  const hGrad = new Float64Array(n);
  const warmSteps = Math.floor(warmup * iterations);
  for (let step = 0; step < iterations && rtnError > 0; step++) {
    // Soft weights and their error.
    for (let i = 0; i < size; i++) {
      const h = Math.min(1, Math.max(0, sigmoid(v[i]) * (ZETA - GAMMA) + GAMMA));
      const level = Math.min(qmax, Math.max(qmin, floorLevel[i] + h));
      delta[i] = (level - zpOf(i)) * scale[i] - w[i];
    }
    const annealing = step >= warmSteps && lambda > 0;
    const beta =
      BETA_END + (BETA_START - BETA_END) * (1 - (step - warmSteps) / Math.max(1, iterations - warmSteps));
    const t = step + 1;
    for (let r = 0; r < rows; r++) {
      const hess = layer.hessians[Math.floor(r / per)];
      const d = delta.subarray(r * n, (r + 1) * n);
      // ∂/∂Ŵ of δ·H·δᵀ / norm = 2·(H·δ) / norm (H symmetric).
      hGrad.fill(0);
      for (let a = 0; a < n; a++) {
        const da = d[a];
        if (da === 0) continue;
        const ha = a * n;
        for (let b = 0; b < n; b++) hGrad[b] += da * hess[ha + b];
      }
      for (let c = 0; c < n; c++) {
        const i = r * n + c;
        const sg = sigmoid(v[i]);
        const raw = sg * (ZETA - GAMMA) + GAMMA;
        const h = Math.min(1, Math.max(0, raw));
        const level = floorLevel[i] + h;
        // dŴ/dh = scale inside the level range; dh/dV = σ'(V)(ζ − γ) inside (0, 1).
        let g = level > qmin && level < qmax ? (2 * hGrad[c] * scale[i]) / norm : 0;
        if (annealing) {
          const u = 2 * h - 1;
          g -= (lambda * beta * Math.pow(Math.abs(u), beta - 1) * Math.sign(u) * 2) / size;
        }
        g *= raw > 0 && raw < 1 ? sg * (1 - sg) * (ZETA - GAMMA) : 0;
        // Adam.
        m[i] = 0.9 * m[i] + 0.1 * g;
        s2[i] = 0.999 * s2[i] + 0.001 * g * g;
        const mh = m[i] / (1 - 0.9 ** t);
        const vh = s2[i] / (1 - 0.999 ** t);
        v[i] -= (lr * mh) / (Math.sqrt(vh) + 1e-8);
      }
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
      iterations,
    };
  }
  return { q: toQuantized(view, levels, grid), method: 'adaround', error, rtnError, notes: [], iterations };
}
