// The fused pass's JS loops (quantizeFused's fallback where WebAssembly SIMD is missing, and its float16/bfloat16
// output path): levels and the error sums of metrics/error.ts's block rule, one run at a time, into `acc`.
import {
  closeBlock,
  errorSums,
  OPEN,
  SUM_BLOCK,
  sumsOf,
  trustedSums,
  type ErrorSums,
} from '../metrics/error';

/** The sums of acc (the block rule), or where float32 could not hold them, errorSums of w and `dequantized()`. */
export function checkedSums(acc: Float64Array, w: Float32Array, dequantized: () => Float32Array): ErrorSums {
  const sums = sumsOf(acc, w.length);
  return trustedSums(sums) ? sums : errorSums(w, dequantized());
}

export const nextBlock = (j: number) => j - (j % SUM_BLOCK) + SUM_BLOCK;

// The run loops visit a run block by block (SUM_BLOCK elements of the tensor, in L1), each block once per lane:
// elements j ≡ l (mod 4) in order, into lane l's float32 sums. Three accumulators live at a time, as in a one-chain
// loop (12 would spill).

/**
 * Rounding without a division per element, bit-exact with QuantizeLinear's roundHalfEven(fround(v / s)):
 * x = v · (1/s) in float64 is within 2^-51 (relative) of the exact quotient, and x + MAGIC − MAGIC rounds it half to
 * even (float64 addition at 2^52 ≤ |x + MAGIC| < 2^53 keeps no fraction). The result can differ from the reference
 * only when x lies within fround's error (2^-24·|x|, < 0.01 for |x| < 160 000) of a half-integer; those elements
 * (|x − r| > 0.49) are recomputed with the division. Beyond |x| ≈ 160 000 both results are far outside every level
 * range (|level| ≤ 255, |zero point| ≤ 255) and clamp to the same bound. Pinned by fused.test.ts (ties, random
 * scales) and the export golden hashes.
 */
const MAGIC = 6755399441055744; // 1.5 · 2^52
const NEAR_HALF = 0.49;

/** uniformRun for a symmetric grid from the extremes: zero point 0 and no clamping (see `unclamped` in fused.ts). */
export function symmetricRun(
  w: Float32Array,
  start: number,
  end: number,
  s: number,
  lv: Int8Array | Int16Array,
  acc: Float64Array,
): void {
  let maxAbsError = acc[12];
  const inv = 1 / s;
  for (let b = start; b < end;) {
    const bEnd = Math.min(end, nextBlock(b));
    for (let l = 0; l < 4; l++) {
      let signal = acc[OPEN + l];
      let noise = acc[OPEN + 4 + l];
      let sumAbs = acc[OPEN + 8 + l];
      const first = b + ((l - b) & 3);
      for (let j = first; j < bEnd; j += 4) {
        const v = w[j];
        const x = v * inv;
        let q = x + MAGIC - MAGIC;
        if (Math.abs(x - q) > NEAR_HALF) q = Math.fround(v / s) + MAGIC - MAGIC;
        lv[j] = q;
        const e = Math.fround(v - Math.fround(q * s));
        signal = Math.fround(signal + Math.fround(v * v));
        noise = Math.fround(noise + Math.fround(e * e));
        sumAbs = Math.fround(sumAbs + Math.abs(v));
        const ae = Math.abs(e);
        if (ae > maxAbsError) maxAbsError = ae;
      }
      acc[OPEN + l] = signal;
      acc[OPEN + 4 + l] = noise;
      acc[OPEN + 8 + l] = sumAbs;
    }
    if (bEnd % SUM_BLOCK === 0) closeBlock(acc);
    b = bEnd;
  }
  acc[12] = maxAbsError;
}

/** One group for the whole run (per-channel on the outer axis, blocks, per-tensor) and float32 output. */
export function uniformRun(
  w: Float32Array,
  start: number,
  end: number,
  s: number,
  zp: number,
  qmin: number,
  qmax: number,
  lv: Int8Array | Int16Array,
  acc: Float64Array,
): void {
  let maxAbsError = acc[12];
  const inv = 1 / s;
  for (let b = start; b < end;) {
    const bEnd = Math.min(end, nextBlock(b));
    for (let l = 0; l < 4; l++) {
      let signal = acc[OPEN + l];
      let noise = acc[OPEN + 4 + l];
      let sumAbs = acc[OPEN + 8 + l];
      const first = b + ((l - b) & 3);
      for (let j = first; j < bEnd; j += 4) {
        const v = w[j];
        const x = v * inv;
        let r = x + MAGIC - MAGIC;
        const d = x - r;
        if (d > NEAR_HALF || d < -NEAR_HALF) r = Math.fround(v / s) + MAGIC - MAGIC;
        const qr = r + zp;
        const q = qr < qmin ? qmin : qr > qmax ? qmax : qr;
        lv[j] = q;
        const e = Math.fround(v - Math.fround((q - zp) * s));
        signal = Math.fround(signal + Math.fround(v * v));
        noise = Math.fround(noise + Math.fround(e * e));
        sumAbs = Math.fround(sumAbs + Math.abs(v));
        const ae = Math.abs(e);
        if (ae > maxAbsError) maxAbsError = ae;
      }
      acc[OPEN + l] = signal;
      acc[OPEN + 4 + l] = noise;
      acc[OPEN + 8 + l] = sumAbs;
    }
    if (bEnd % SUM_BLOCK === 0) closeBlock(acc);
    b = bEnd;
  }
  acc[12] = maxAbsError;
}

/** The general case: the group changes every `step` elements (per-axis on an inner axis) or a float16 cast follows. */
export function stridedRun(
  w: Float32Array,
  start: number,
  end: number,
  k: number,
  step: number,
  scales: ArrayLike<number>,
  inverses: Float64Array,
  zeroPoints: ArrayLike<number> | null,
  qmin: number,
  qmax: number,
  lv: Int8Array | Int16Array,
  round: ((x: number) => number) | null,
  acc: Float64Array,
): void {
  let maxAbsError = acc[12];
  let s = scales[k];
  let inv = inverses[k];
  let zp = zeroPoints ? zeroPoints[k] : 0;
  for (let b = start; b < end;) {
    const bEnd = Math.min(end, nextBlock(b));
    for (let l = 0; l < 4; l++) {
      let signal = acc[OPEN + l];
      let noise = acc[OPEN + 4 + l];
      let sumAbs = acc[OPEN + 8 + l];
      const first = b + ((l - b) & 3);
      let kk = k + (first - start) * step;
      for (let j = first; j < bEnd; j += 4) {
        if (step !== 0) {
          s = scales[kk];
          inv = inverses[kk];
          zp = zeroPoints ? zeroPoints[kk] : 0;
          kk += 4 * step;
        }
        const v = w[j];
        const x = v * inv;
        let r = x + MAGIC - MAGIC;
        const d = x - r;
        if (d > NEAR_HALF || d < -NEAR_HALF) r = Math.fround(v / s) + MAGIC - MAGIC;
        const qr = r + zp;
        const q = qr < qmin ? qmin : qr > qmax ? qmax : qr;
        lv[j] = q;
        let dq = Math.fround((q - zp) * s);
        if (round !== null) dq = round(dq);
        const e = Math.fround(v - dq);
        signal = Math.fround(signal + Math.fround(v * v));
        noise = Math.fround(noise + Math.fround(e * e));
        sumAbs = Math.fround(sumAbs + Math.abs(v));
        const ae = Math.abs(e);
        if (ae > maxAbsError) maxAbsError = ae;
      }
      acc[OPEN + l] = signal;
      acc[OPEN + 4 + l] = noise;
      acc[OPEN + 8 + l] = sumAbs;
    }
    if (bEnd % SUM_BLOCK === 0) closeBlock(acc);
    b = bEnd;
  }
  acc[12] = maxAbsError;
}

/** 2 or 4 bits per level, little end first (as packLevels). */
export function packSubByte(lv: Int8Array, packed: Uint8Array, cbits: number): void {
  const shift = cbits === 4 ? 1 : 2; // log2(elements per byte)
  const within = (1 << shift) - 1;
  const mask = (1 << cbits) - 1;
  for (let j = 0; j < lv.length; j++) packed[j >> shift] |= (lv[j] & mask) << ((j & within) * cbits);
}
