// AdaRound's gradient Δ·H through a low-rank factor H ≈ L·Lᵀ + diag(d): each weight costs k (the rank) per step
// instead of cols. H = XᵀX has rank ≤ samples × positions, often far below cols (128 calibration vectors into a
// 1024-wide Gemm: rank 128), and real activations' spectra fall fast, so a small k keeps almost all of H.

/** H ≈ L·Lᵀ + diag(residual): L is n × k, row-major (row c = column c's k coordinates). */
export interface LowRankFactor {
  l: Float32Array;
  k: number;
  residual: Float64Array;
}

/**
 * Pivoted (partial) Cholesky of the symmetric positive semidefinite n × n `h`: greedy on the largest remaining
 * diagonal, stops once the residual trace is ≤ `tolerance` × trace(H) or at `maxRank`. Exact (residual 0) when
 * rank(H) ≤ k. The residual's diagonal is returned so the factor keeps every weight's own curvature exactly.
 * Deterministic (ties go to the lowest column). Cost n·k².
 */
export function pivotedCholesky(
  h: Float64Array,
  n: number,
  tolerance: number,
  maxRank: number,
): LowRankFactor {
  const d = new Float64Array(n);
  let trace = 0;
  for (let i = 0; i < n; i++) trace += d[i] = Math.max(0, h[i * n + i]);
  const columns: Float64Array[] = [];
  const pivots: number[] = [];
  let left = trace;
  while (columns.length < maxRank && left > tolerance * trace) {
    let p = 0;
    for (let i = 1; i < n; i++) if (d[i] > d[p]) p = i;
    if (!(d[p] > 0)) break;
    const piv = Math.sqrt(d[p]);
    const col = Float64Array.from(h.subarray(p * n, p * n + n));
    for (const prev of columns) {
      const f = prev[p];
      if (f !== 0) for (let i = 0; i < n; i++) col[i] -= prev[i] * f;
    }
    // Rounded to float32 (what L stores) before the residual is taken, so L·Lᵀ + diag(d) keeps H's diagonal.
    for (let i = 0; i < n; i++) col[i] = Math.fround(col[i] / piv);
    for (const q of pivots) col[q] = 0; // already exact there (round-off only)
    col[p] = Math.fround(piv);
    left = 0;
    for (let i = 0; i < n; i++) {
      d[i] = Math.max(0, d[i] - col[i] * col[i]);
      left += d[i];
    }
    d[p] = 0;
    columns.push(col);
    pivots.push(p);
  }
  const k = columns.length;
  const l = new Float32Array(n * k);
  columns.forEach((col, j) => {
    for (let c = 0; c < n; c++) l[c * k + j] = col[c];
  });
  return { l, k, residual: d };
}

/** Rows handled together: they share each row of L they read. */
const ROWS = 4;

/**
 * Δ·H kept up to date from the change of Δ (only weights that moved cost anything): P = Δ·L (rows × k) is updated
 * per changed weight, and the gradient is computed as P[r]·L[c] + d[c]·δ only where AdaRound needs it.
 */
export class LowRankGradient {
  private readonly p: Float64Array;
  private readonly k: number;

  constructor(
    private readonly factors: LowRankFactor[],
    private readonly per: number,
    private readonly n: number,
    private readonly rows: number,
  ) {
    this.k = Math.max(...factors.map((f) => f.k));
    this.p = new Float64Array(rows * this.k);
  }

  /** P += change·L, `change` rows × n (mostly zeros where the rounding has settled). */
  add(change: Float64Array): void {
    const { n, k, p, per, rows } = this;
    for (let b = 0; b < this.factors.length; b++) {
      const { l, k: kb } = this.factors[b];
      const end = Math.min(rows, (b + 1) * per);
      for (let r0 = b * per; r0 < end; r0 += ROWS) {
        if (end - r0 < ROWS) {
          for (let r = r0; r < end; r++) {
            for (let c = 0; c < n; c++) {
              const dc = change[r * n + c];
              if (dc === 0) continue;
              for (let j = 0; j < kb; j++) p[r * k + j] += dc * l[c * kb + j];
            }
          }
          continue;
        }
        const p0 = r0 * k;
        for (let c = 0; c < n; c++) {
          const d0 = change[r0 * n + c];
          const d1 = change[(r0 + 1) * n + c];
          const d2 = change[(r0 + 2) * n + c];
          const d3 = change[(r0 + 3) * n + c];
          if (d0 === 0 && d1 === 0 && d2 === 0 && d3 === 0) continue;
          const lo = c * kb;
          for (let j = 0; j < kb; j++) {
            const x = l[lo + j];
            p[p0 + j] += d0 * x;
            p[p0 + k + j] += d1 * x;
            p[p0 + 2 * k + j] += d2 * x;
            p[p0 + 3 * k + j] += d3 * x;
          }
        }
      }
    }
  }

  /** (Δ·H)[r, c], with δ = Δ[r, c] (read only where AdaRound needs it). */
  at(r: number, c: number, delta: number): number {
    const { l, k: kb, residual } = this.factors[Math.floor(r / this.per)];
    const p = this.p;
    const po = r * this.k;
    const lo = c * kb;
    // Two partial sums: independent chains pipeline better than one.
    let s0 = residual[c] * delta;
    let s1 = 0;
    let j = 0;
    for (; j + 1 < kb; j += 2) {
      s0 += p[po + j] * l[lo + j];
      s1 += p[po + j + 1] * l[lo + j + 1];
    }
    if (j < kb) s0 += p[po + j] * l[lo + j];
    return s0 + s1;
  }
}
