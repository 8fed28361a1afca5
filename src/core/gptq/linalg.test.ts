import { describe, expect, it } from 'vitest';
import { HessianAccumulator } from './hessian';
import { choleskyInPlace, dampedInverseUpper, dot, invertLowerTransposed, quadraticError } from './linalg';

/** Deterministic pseudo-random numbers in [−0.5, 0.5). */
const rng = (seed: number) => () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;

/** A = Σ x·xᵀ of `samples` random vectors (+ a small diagonal): symmetric positive definite. */
function spd(n: number, samples: number, seed: number): Float64Array {
  const r = rng(seed);
  const a = new Float64Array(n * n);
  for (let s = 0; s < samples; s++) {
    const x = Array.from({ length: n }, r);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] += x[i] * x[j];
  }
  for (let i = 0; i < n; i++) a[i * n + i] += 1e-3;
  return a;
}

const matmul = (a: Float64Array, b: Float64Array, n: number, ta = false) => {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += (ta ? a[k * n + i] : a[i * n + k]) * b[k * n + j];
      c[i * n + j] = s;
    }
  return c;
};

// Sizes straddle the 8-row blocks and the 4-wide dot unrolling.
const SIZES = [1, 2, 3, 7, 8, 9, 17, 40];

describe('blocked float64 kernels agree with the textbook definitions', () => {
  it.each(SIZES)('n = %i: L·Lᵀ = A, L lower; (Lᵀ)⁻¹ by rows', (n) => {
    const a = spd(n, n + 3, n);
    const l = Float64Array.from(a);
    expect(choleskyInPlace(l, n)).toBe(true);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(l[i * n + j]).toBe(0);
    const llt = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) llt[i * n + j] = dot(l, i * n, l, j * n, n);
    llt.forEach((v, i) => expect(v).toBeCloseTo(a[i], 9));
    // T = (L⁻¹)ᵀ, so L·Tᵀ = L·L⁻¹ = I.
    const t = invertLowerTransposed(l, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += l[i * n + k] * t[j * n + k];
        expect(s).toBeCloseTo(i === j ? 1 : 0, 9);
      }
  });

  it.each(SIZES)('n = %i: (H + λI)⁻¹ = UᵀU with U upper, positive diagonal', (n) => {
    const h = spd(n, Math.max(1, n >> 1), 100 + n); // rank-deficient below n samples: damping makes it definite
    const { upper: u, damping } = dampedInverseUpper(h, n, 0.01);
    for (let i = 0; i < n; i++) {
      expect(u[i * n + i]).toBeGreaterThan(0);
      for (let j = 0; j < i; j++) expect(u[i * n + j]).toBe(0);
    }
    const damped = Float64Array.from(h);
    for (let i = 0; i < n; i++) damped[i * n + i] += damping;
    const prod = matmul(matmul(u, u, n, true), damped, n);
    prod.forEach((v, k) => expect(v).toBeCloseTo(Math.floor(k / n) === k % n ? 1 : 0, 6));
  });

  it('H = I gives U = I exactly (what makes GPTQ with H = I equal RTN)', () => {
    const n = 19;
    const h = new Float64Array(n * n);
    for (let i = 0; i < n; i++) h[i * n + i] = 1;
    const { upper } = dampedInverseUpper(h, n, 0);
    expect(Array.from(upper)).toEqual(Array.from(h));
  });

  it('refuses a matrix that no damping makes definite', () => {
    const h = Float64Array.of(1, NaN, NaN, 1);
    expect(() => dampedInverseUpper(h, 2, 0.01, 'fc1')).toThrow(/fc1: the Hessian stays singular/);
  });

  it.each(SIZES)('n = %i: Σ δ·H·δᵀ from the upper triangle = the full product', (n) => {
    const h = spd(n, n, 7 * n);
    const r = rng(n);
    const rows = 11;
    const delta = Float64Array.from({ length: rows * n }, (_, i) => (i % 5 === 0 ? 0 : r()));
    let want = 0;
    for (let k = 0; k < rows; k++)
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) want += delta[k * n + i] * h[i * n + j] * delta[k * n + j];
    expect(quadraticError(delta, rows, h, n)).toBeCloseTo(want, 9);
  });

  it.each([1, 15, 16, 17, 40])(
    '%i vectors in one call: H and Σx bit for bit as one vector at a time',
    (count) => {
      const n = 9;
      const r = rng(count);
      const x = Float32Array.from({ length: count * n }, () => Math.max(0, r()));
      const chunked = new HessianAccumulator(n);
      chunked.add(x, count);
      const want = new Float64Array(n * n);
      for (let s = 0; s < count; s++)
        for (let i = 0; i < n; i++)
          for (let j = i; j < n; j++) want[i * n + j] += x[s * n + i] * x[s * n + j];
      const got = chunked.hessian();
      for (let i = 0; i < n; i++) for (let j = i; j < n; j++) expect(got[i * n + j]).toBe(want[i * n + j]);
      expect(chunked.vectors).toBe(count);
    },
  );
});

// The cancel flag inside the inverse: asked before each block of 8 rows of the Cholesky factor and of the triangular
// inverse (n = 40: 5 + 5 checks per attempt). Counted in checks, never in time.
describe('dampedInverseUpper stops at the row block where the cancel is seen', () => {
  const n = 40;
  const h = spd(n, n + 3, 5);
  it('asks once per block of rows of each factorization, and a flag that never turns changes nothing', () => {
    let asked = 0;
    const plain = dampedInverseUpper(h, n, 0.01);
    const checked = dampedInverseUpper(h, n, 0.01, 'fc1', () => (asked++, false));
    expect(asked).toBe(10);
    expect(checked).toEqual(plain);
  });
  it.each([
    // check that sees the flag: 1 = before the first rows of the Cholesky, 6 = before the first rows of the inverse
    [1, 'the Cholesky factorization was cancelled at row 0 of 40'],
    [3, 'the Cholesky factorization was cancelled at row 16 of 40'],
    [6, 'the triangular inverse was cancelled at row 0 of 40'],
    [10, 'the triangular inverse was cancelled at row 32 of 40'],
  ])('flag set at check %i: CancelledError, no check after it', (at, where) => {
    let asked = 0;
    expect(() => dampedInverseUpper(h, n, 0.01, 'fc1', () => ++asked >= at)).toThrow(
      expect.objectContaining({ name: 'CancelledError', message: `fc1: inverting the Hessian: ${where}` }),
    );
    expect(asked).toBe(at);
  });
});
