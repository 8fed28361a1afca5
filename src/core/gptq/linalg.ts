// Dense symmetric linear algebra for GPTQ in float64 (row-major). The matrices (cols² doubles: 4.9 MB at 784
// columns) do not fit the cache, so every O(n³) loop works on a block of ROWS rows at a time: each row it streams
// from memory then serves ROWS rows instead of one, and the innermost loops run over contiguous memory.
import { StudioError } from '../errors';

/** Rows processed together in the blocked loops (8 doubles × n per row stay in L1/L2 for n up to a few thousand). */
const ROWS = 8;

/**
 * Asked before each block of ROWS rows of the O(n³) loops (GPTQ's cancel flag): true stops them with a
 * CancelledError, so a cancel never waits for a whole factorization (minutes for n in the thousands).
 */
export type CancelCheck = () => boolean;
const never: CancelCheck = () => false;

function stopIfCancelled(isCancelled: CancelCheck, what: string, row: number, n: number): void {
  if (isCancelled()) throw new StudioError('CancelledError', `${what} was cancelled at row ${row} of ${n}`);
}

/**
 * x[i…i+len)·y[j…j+len) with four partial sums: independent additions let the CPU overlap them (3–4× faster than
 * one running sum in V8); the summation order differs from a plain loop only by float64 rounding.
 */
export function dot(x: Float64Array, i: number, y: Float64Array, j: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += x[i + k] * y[j + k];
    s1 += x[i + k + 1] * y[j + k + 1];
    s2 += x[i + k + 2] * y[j + k + 2];
    s3 += x[i + k + 3] * y[j + k + 3];
  }
  for (; k < len; k++) s0 += x[i + k] * y[j + k];
  return s0 + s1 + s2 + s3;
}

/**
 * In-place lower Cholesky factor of the n×n symmetric matrix `a` (row-major; only the lower triangle is read):
 * afterwards a = L with L·Lᵀ = A and the strict upper triangle zeroed. Returns false when A is not positive
 * definite (a pivot ≤ 0 or not finite), leaving `a` partly overwritten. Row-oriented (Cholesky–Banachiewicz):
 * L[i][j] = (A[i][j] − L[i,:j]·L[j,:j]) / L[j][j], for a block of rows i against each earlier row j.
 */
export function choleskyInPlace(a: Float64Array, n: number, isCancelled: CancelCheck = never): boolean {
  for (let i0 = 0; i0 < n; i0 += ROWS) {
    stopIfCancelled(isCancelled, 'the Cholesky factorization', i0, n);
    const i1 = Math.min(n, i0 + ROWS);
    for (let j = 0; j < i1; j++) {
      const rj = j * n;
      for (let i = Math.max(i0, j); i < i1; i++) {
        const ri = i * n;
        const s = a[ri + j] - dot(a, ri, a, rj, j);
        if (i === j) {
          if (!(s > 0) || !Number.isFinite(s)) return false;
          a[ri + j] = Math.sqrt(s);
        } else a[ri + j] = s / a[rj + j];
      }
    }
  }
  for (let i = 0; i < n; i++) a.fill(0, i * n + i + 1, (i + 1) * n);
  return true;
}

/**
 * (L⁻¹)ᵀ of a lower triangular L (row-major), upper triangular. Row c of T = (L⁻¹)ᵀ is column c of L⁻¹, which
 * forward substitution gives from contiguous dot products: T[c][i] = ([i = c] − L[i, c:i]·T[c, c:i]) / L[i][i].
 * Rows of T are independent, so each row of L is read once for ROWS rows of T.
 */
export function invertLowerTransposed(
  l: Float64Array,
  n: number,
  isCancelled: CancelCheck = never,
): Float64Array {
  const t = new Float64Array(n * n);
  for (let c0 = 0; c0 < n; c0 += ROWS) {
    stopIfCancelled(isCancelled, 'the triangular inverse', c0, n);
    const c1 = Math.min(n, c0 + ROWS);
    for (let i = c0; i < n; i++) {
      const li = i * n;
      const inv = 1 / l[li + i];
      for (let c = c0; c < c1 && c <= i; c++) {
        const tc = c * n;
        t[tc + i] = ((i === c ? 1 : 0) - dot(l, li + c, t, tc + c, i - c)) * inv;
      }
    }
  }
  return t;
}

export interface DampedInverse {
  /** Upper Cholesky factor U of (H + λI)⁻¹ = Uᵀ·U, row-major n×n: the GPTQ error-feedback coefficients. */
  upper: Float64Array;
  /** λ actually added to the diagonal (after any retries). */
  damping: number;
}

/**
 * U with (H + λI)⁻¹ = Uᵀ·U (U upper, positive diagonal) from one Cholesky and one triangular inverse: with P the
 * reversal permutation and P·A·P = L̃·L̃ᵀ, A⁻¹ = (P·L̃⁻ᵀ·P)·(P·L̃⁻¹·P), and P·L̃⁻¹·P is upper triangular, so
 * U = P·L̃⁻¹·P. (The textbook route — Cholesky, full inverse, Cholesky again — costs about three times as much.)
 */
function upperOfInverse(a: Float64Array, n: number, isCancelled: CancelCheck): Float64Array | null {
  const r = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const src = (n - 1 - i) * n;
    for (let j = 0; j <= i; j++) r[i * n + j] = a[src + n - 1 - j];
  }
  if (!choleskyInPlace(r, n, isCancelled)) return null;
  const t = invertLowerTransposed(r, n, isCancelled);
  const u = r; // reuse: U[i][j] = L̃⁻¹[n−1−i][n−1−j] = T[n−1−j][n−1−i]
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) u[i * n + j] = t[(n - 1 - j) * n + n - 1 - i];
  for (let i = 0; i < u.length; i++) if (!Number.isFinite(u[i])) return null;
  return u;
}

/**
 * GPTQ's factor of the damped inverse Hessian. λ = `percent` × mean(diag H); when H + λI is still not positive
 * definite (rank-deficient activations in float64), λ grows tenfold up to six times before giving up with an
 * error that names the layer (only reachable with non-finite or absurdly scaled activations). `isCancelled` is
 * asked before every block of rows of both factorizations (CancelledError naming the layer).
 */
export function dampedInverseUpper(
  h: Float64Array,
  n: number,
  percent: number,
  name = 'layer',
  isCancelled: CancelCheck = never,
): DampedInverse {
  let mean = 0;
  for (let i = 0; i < n; i++) mean += h[i * n + i];
  mean = n > 0 ? mean / n : 0;
  let lambda = percent * (mean > 0 ? mean : 1);
  const a = new Float64Array(n * n);
  for (let attempt = 0; attempt < 7; attempt++) {
    a.set(h);
    for (let i = 0; i < n; i++) a[i * n + i] += lambda;
    let upper: Float64Array | null;
    try {
      upper = upperOfInverse(a, n, isCancelled);
    } catch (e) {
      if (e instanceof StudioError && e.name === 'CancelledError') {
        throw new StudioError('CancelledError', `${name}: inverting the Hessian: ${e.message}`);
      }
      throw e;
    }
    if (upper) return { upper, damping: lambda };
    lambda = lambda > 0 ? lambda * 10 : mean > 0 ? mean * 1e-6 : 1e-6;
  }
  throw new StudioError(
    'QuantConfigError',
    `${name}: the Hessian stays singular even with damping ${lambda / 10} (non-finite activations?)`,
  );
}

/**
 * Σ_r δ_r·H·δ_rᵀ for the rows δ_r of (rows × n) `delta`: ‖(W − Ŵ)·X‖² when H = Σ x·xᵀ over the samples, the
 * layer output error every algorithm here minimises. H must be symmetric: only its upper triangle is read,
 * δHδᵀ = Σ_i δ_i·(H_ii·δ_i + 2·Σ_{j>i} H_ij·δ_j), each row of H serving ROWS rows of δ.
 */
export function quadraticError(delta: Float64Array, rows: number, h: Float64Array, n: number): number {
  let total = 0;
  for (let r0 = 0; r0 < rows; r0 += ROWS) {
    const r1 = Math.min(rows, r0 + ROWS);
    for (let i = 0; i < n; i++) {
      const hi = i * n;
      for (let r = r0; r < r1; r++) {
        const d = r * n;
        const di = delta[d + i];
        if (di === 0) continue;
        total += di * (h[hi + i] * di + 2 * dot(h, hi + i + 1, delta, d + i + 1, n - i - 1));
      }
    }
  }
  return total;
}
