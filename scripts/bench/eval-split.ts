// Pure helpers behind the benchmarks' evaluation sets (eval-sets.ts): which samples evaluate, which calibrate, and
// checks that the two never share a sample. No file access here, so the unit tests need no data.

/** 0..n-1 without the indices in `exclude`, ascending (the t10k images left once calibration took its own). */
export function complementIndices(n: number, exclude: ArrayLike<number>): number[] {
  const out = new Uint8Array(n);
  for (let i = 0; i < exclude.length; i++) {
    const k = exclude[i];
    if (!Number.isInteger(k) || k < 0 || k >= n) throw new Error(`index ${k} is outside 0..${n - 1}`);
    out[k] = 1;
  }
  const keep: number[] = [];
  out.forEach((v, i) => v || keep.push(i));
  return keep;
}

/** The first `k` indices of each class 0..classes-1 in file order, ascending (how the fixtures' eval set was cut). */
export function firstPerClass(labels: ArrayLike<number>, k: number, classes: number): number[] {
  const seen = new Array<number>(classes).fill(0);
  const out: number[] = [];
  for (let i = 0; i < labels.length; i++) if (seen[labels[i]]++ < k) out.push(i);
  return out;
}

/** Rows `indices` of a row-major array of `per` elements per sample, in that order. */
export function takeRows<T extends Uint8Array | Float32Array | BigInt64Array>(
  data: T,
  per: number,
  indices: ArrayLike<number>,
): T {
  const out = new (data.constructor as new (n: number) => T)(indices.length * per);
  for (let i = 0; i < indices.length; i++)
    out.set(data.subarray(indices[i] * per, (indices[i] + 1) * per) as never, i * per);
  return out;
}

/** Indices of the samples of `a` that equal some sample of `b` byte for byte (`per` bytes each). */
export function rowsFoundIn(a: Uint8Array, b: Uint8Array, per: number): number[] {
  const key = (d: Uint8Array, i: number) =>
    Buffer.from(d.subarray(i * per, (i + 1) * per)).toString('base64');
  const seen = new Set<string>();
  for (let i = 0; i < b.length / per; i++) seen.add(key(b, i));
  const out: number[] = [];
  for (let i = 0; i < a.length / per; i++) if (seen.has(key(a, i))) out.push(i);
  return out;
}

/** mnist-onnx-mlir's input from raw pixels: (p/255 − 0.1307)/0.3081 in float32, as numpy computes it. */
export function mnistNormalized(pixels: ArrayLike<number>): Float32Array {
  const [mean, std] = [Math.fround(0.1307), Math.fround(0.3081)];
  return Float32Array.from(pixels, (p) => Math.fround(Math.fround(Math.fround(p / 255) - mean) / std));
}

/** Largest |a − b| over two equally long arrays (Infinity when the lengths differ). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Two-sided exact sign test (McNemar's exact test) for paired top-1: `b` samples only the first model gets right,
 * `c` only the second. The probability of a split at least this uneven if either were equally likely to win each.
 */
export function signTestP(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  // log C(n, i) summed in log space: n reaches thousands on 10,000 samples.
  let logC = 0;
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    sum += Math.exp(logC - n * Math.LN2);
  }
  return Math.min(1, 2 * sum);
}

/** Samples only `a` classifies right, and samples only `b` does. */
export function discordant(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  labels: ArrayLike<number>,
): [number, number] {
  let onlyA = 0;
  let onlyB = 0;
  for (let i = 0; i < labels.length; i++) {
    const ra = a[i] === labels[i];
    const rb = b[i] === labels[i];
    if (ra && !rb) onlyA++;
    else if (rb && !ra) onlyB++;
  }
  return [onlyA, onlyB];
}
