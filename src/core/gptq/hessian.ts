// H = Σ x·xᵀ over every input vector a layer's weight sees, accumulated sample by sample in float64.
import { StudioError } from '../errors';

/** Vectors per symmetric rank-k update in `add`. */
const CHUNK = 16;

/**
 * Streams input vectors x (length `columns`, the weight's reduction dimension) into H = Σ x·xᵀ and Σ x. Only the
 * upper triangle is accumulated (H is symmetric); `hessian()` mirrors it. Memory: columns² float64.
 */
export class HessianAccumulator {
  readonly columns: number;
  private readonly h: Float64Array;
  private readonly sum: Float64Array;
  private count = 0;
  /** Staging for up to CHUNK vectors (float64, so H sums exactly what a vector-by-vector loop would). */
  private readonly chunk: Float64Array;

  constructor(
    columns: number,
    readonly name = 'layer',
  ) {
    if (!Number.isInteger(columns) || columns < 1) {
      throw new StudioError('QuantConfigError', `${name}: Hessian needs ≥ 1 column, got ${columns}`);
    }
    this.columns = columns;
    this.h = new Float64Array(columns * columns);
    this.sum = new Float64Array(columns);
    this.chunk = new Float64Array(CHUNK * columns);
  }

  /** Vectors accumulated so far. */
  get vectors(): number {
    return this.count;
  }

  /** Bytes held (H and the column sums). */
  get bytes(): number {
    return (this.h.length + this.sum.length + this.chunk.length) * 8;
  }

  /**
   * Adds `rows` vectors stored in `x` from `offset`: vector r, element c at x[offset + r·rowStride + c·colStride].
   * Row-major rows are (rowStride = columns, colStride = 1); a transposed [columns, rows] block is (1, rows).
   */
  add(x: ArrayLike<number>, rows: number, offset = 0, rowStride = this.columns, colStride = 1): void {
    const n = this.columns;
    const { h, sum } = this;
    // Symmetric rank-k update, CHUNK vectors at a time: H (cols² doubles) does not fit the cache, so each row of H
    // is loaded once per chunk and updated by every vector of it while it is in L1.
    const v = this.chunk;
    for (let r0 = 0; r0 < rows; r0 += CHUNK) {
      const m = Math.min(CHUNK, rows - r0);
      for (let r = 0; r < m; r++) {
        const base = offset + (r0 + r) * rowStride;
        for (let c = 0; c < n; c++) {
          const val = x[base + c * colStride];
          if (val - val !== 0) {
            throw new StudioError(
              'QuantConfigError',
              `${this.name}: activation ${val} in calibration vector ${this.count + r0 + r}, element ${c}`,
            );
          }
          v[r * n + c] = val;
          sum[c] += val;
        }
      }
      for (let i = 0; i < n; i++) {
        const hi = i * n;
        for (let r = 0; r < m; r++) {
          const vr = r * n;
          const vi = v[vr + i];
          if (vi === 0) continue; // ReLU outputs are often sparse
          for (let j = i; j < n; j++) h[hi + j] += vi * v[vr + j];
        }
      }
    }
    this.count += rows;
  }

  /** H = Σ x·xᵀ (full symmetric matrix, a copy), optionally divided by the number of vectors. */
  hessian(mean = false): Float64Array {
    const n = this.columns;
    const out = new Float64Array(n * n);
    const f = mean && this.count > 0 ? 1 / this.count : 1;
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        const val = this.h[i * n + j] * f;
        out[i * n + j] = val;
        out[j * n + i] = val;
      }
    }
    return out;
  }

  /** E[x] per column (zeros before any vector): what bias correction's analytic shift needs. */
  meanInput(): Float64Array {
    return this.sum.map((s) => (this.count > 0 ? s / this.count : 0));
  }
}

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/**
 * Adds one MatMul/Gemm activation (shape `dims`) whose reduction dimension is `acc.columns` = K.
 * `transposed: false`: K is the last axis and each row is a vector (X·W with X [..., rows, K]; Gemm B with
 * transA = 0). `transposed: true`: K is the second-to-last axis and each column is a vector (Gemm B with transA = 1,
 * whose A is [K, rows]; a weight on the left, W·X with X [..., K, cols]).
 */
export function addMatMulActivation(
  acc: HessianAccumulator,
  x: ArrayLike<number>,
  dims: readonly number[],
  transposed = false,
): void {
  const k = acc.columns;
  if (dims.length < 1 || x.length !== product(dims)) {
    throw new StudioError(
      'QuantConfigError',
      `${acc.name}: activation of shape [${dims.join(', ')}] has ${x.length} values`,
    );
  }
  const axis = transposed ? dims.length - 2 : dims.length - 1;
  if (axis < 0 || dims[axis] !== k) {
    throw new StudioError(
      'QuantConfigError',
      `${acc.name}: activation [${dims.join(', ')}] has no reduction dimension of ${k} on axis ${axis}`,
    );
  }
  if (!transposed) {
    acc.add(x, x.length / k);
    return;
  }
  // [..., K, cols]: each batch matrix holds `cols` vectors with stride 1 between vectors, `cols` between elements.
  const cols = dims[dims.length - 1];
  const batches = product(dims.slice(0, -2));
  for (let b = 0; b < batches; b++) acc.add(x, cols, b * k * cols, 1, cols);
}
