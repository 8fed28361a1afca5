// Dense symmetric linear algebra for GPTQ in float64: Cholesky, the inverse through it, and H's quadratic form.
import { StudioError } from '../errors';

/**
 * In-place lower Cholesky factor of the n×n symmetric matrix `a` (row-major; only the lower triangle is read):
 * afterwards a = L with L·Lᵀ = A and the strict upper triangle zeroed. Returns false when A is not positive
 * definite (a pivot ≤ 0 or not finite), leaving `a` partly overwritten.
 */
export function choleskyInPlace(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = a[rj + j];
    for (let k = 0; k < j; k++) d -= a[rj + k] * a[rj + k];
    if (!(d > 0) || !Number.isFinite(d)) return false;
    const ljj = Math.sqrt(d);
    a[rj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j];
      for (let k = 0; k < j; k++) s -= a[ri + k] * a[rj + k];
      a[ri + j] = s / ljj;
    }
    for (let k = j + 1; k < n; k++) a[rj + k] = 0;
  }
  return true;
}

/** A⁻¹ from A's lower Cholesky factor L (A = L·Lᵀ): solves L·Y = I, then Lᵀ·X = Y, column by column. */
export function inverseFromCholesky(l: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  const y = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    // Forward: L y = e_c (y is zero above c).
    for (let i = 0; i < n; i++) {
      if (i < c) {
        y[i] = 0;
        continue;
      }
      let s = i === c ? 1 : 0;
      for (let k = c; k < i; k++) s -= l[i * n + k] * y[k];
      y[i] = s / l[i * n + i];
    }
    // Backward: Lᵀ x = y.
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i];
      for (let k = i + 1; k < n; k++) s -= l[k * n + i] * inv[k * n + c];
      inv[i * n + c] = s / l[i * n + i];
    }
  }
  // Symmetrise against rounding so the next Cholesky sees an exactly symmetric matrix.
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const m = 0.5 * (inv[i * n + j] + inv[j * n + i]);
      inv[i * n + j] = m;
      inv[j * n + i] = m;
    }
  }
  return inv;
}

export interface DampedInverse {
  /** Upper Cholesky factor U of (H + λI)⁻¹ = Uᵀ·U, row-major n×n: the GPTQ error-feedback coefficients. */
  upper: Float64Array;
  /** λ actually added to the diagonal (after any retries). */
  damping: number;
}

/**
 * GPTQ's factor of the damped inverse Hessian. λ = `percent` × mean(diag H); when H + λI is still not positive
 * definite (rank-deficient activations in float64), λ grows tenfold up to six times before giving up with an
 * error that names the layer (only reachable with non-finite or absurdly scaled activations).
 */
export function dampedInverseUpper(
  h: Float64Array,
  n: number,
  percent: number,
  name = 'layer',
): DampedInverse {
  let mean = 0;
  for (let i = 0; i < n; i++) mean += h[i * n + i];
  mean = n > 0 ? mean / n : 0;
  let lambda = percent * (mean > 0 ? mean : 1);
  for (let attempt = 0; attempt < 7; attempt++) {
    const a = Float64Array.from(h);
    for (let i = 0; i < n; i++) a[i * n + i] += lambda;
    if (choleskyInPlace(a, n)) {
      const inv = inverseFromCholesky(a, n);
      if (choleskyInPlace(inv, n)) return { upper: transposeSquare(inv, n), damping: lambda };
    }
    lambda = lambda > 0 ? lambda * 10 : mean > 0 ? mean * 1e-6 : 1e-6;
  }
  throw new StudioError(
    'QuantConfigError',
    `${name}: the Hessian stays singular even with damping ${lambda / 10} (non-finite activations?)`,
  );
}

export function transposeSquare(a: Float64Array, n: number): Float64Array {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j * n + i] = a[i * n + j];
  return t;
}

/**
 * Σ_r δ_r·H·δ_rᵀ for the rows δ_r of (rows × n) `delta`: ‖(W − Ŵ)·X‖² when H = Σ x·xᵀ over the samples, the
 * layer output error every algorithm here minimises.
 */
export function quadraticError(delta: Float64Array, rows: number, h: Float64Array, n: number): number {
  let total = 0;
  const hd = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const d = delta.subarray(r * n, (r + 1) * n);
    hd.fill(0);
    for (let i = 0; i < n; i++) {
      const di = d[i];
      if (di === 0) continue;
      const hi = i * n;
      for (let j = 0; j < n; j++) hd[j] += di * h[hi + j];
    }
    for (let j = 0; j < n; j++) total += hd[j] * d[j];
  }
  return total;
}
