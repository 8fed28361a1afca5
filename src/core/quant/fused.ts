// The export path's one pass per tensor: levels, packing and error sums together, without materialising levels or a
// dequantized copy. Same arithmetic, and the same rule of sums (metrics/error.ts), as quantizeTensor + packLevels +
// dequantize + errorSums, so the bytes and the metrics are identical (pinned by fused.test.ts and
// test/export-bytes.test.ts).
import { StudioError } from '../errors';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../onnx/float16';
import {
  closeBlock,
  errorSums,
  OPEN,
  SUM_BLOCK,
  sumsOf,
  trustedSums,
  type ErrorSums,
} from '../metrics/error';
import { dequantize } from './dequantize';
import { containerInfo, unpackLevels, type PackContainer } from './pack';
import { firstBad } from './extremes';
import { quantParams, type QuantizeOptions, type QuantParams } from './quantize';
import { runList } from './grouping';
import { halfToFloat, toHalfBits } from './float16';
import type { QuantizedTensor } from './types';
import { runSimd, simdPlan, type SimdPlan } from './simd/plan';
import { ACC_LENGTH } from './simd/kernel';

/** What the op computes with after DequantizeLinear: float32, or a Cast to float16 / bfloat16 (rounded again). */
export type OutRounding = 'float32' | 'float16' | 'bfloat16';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function rounder(r: OutRounding): ((x: number) => number) | null {
  if (r === 'float16') return (x) => float16BitsToFloat32(float32ToFloat16Bits(x));
  if (r === 'bfloat16')
    return (x) => {
      f32[0] = x;
      const b = u32[0];
      u32[0] = (b + 0x7fff + ((b >>> 16) & 1)) & 0xffff0000; // round half to even on the top 16 bits
      return f32[0];
    };
  return null;
}

export interface FusedPacked {
  params: Omit<QuantParams, 'grouping'>;
  /** Levels packed as ONNX raw_data of `container` (see packLevels). */
  packed: Uint8Array;
  sums: ErrorSums;
}

export interface FusedLevels {
  q: QuantizedTensor;
  sums: ErrorSums;
}

/**
 * Quantize `w` and write its levels either packed into `container` or as an Int16Array (for MatMulNBits, which
 * re-orders them), accumulating Σw², Σ(w − dq)², Σ|w| and max|w − dq| on the fly, where dq is what onnxruntime
 * computes with: fround((q − zp)·s), then rounded to the op's float type. `into`: write the packed bytes there
 * (its first packedLength bytes, returned as `packed`) instead of a new array: a caller that writes tensor after
 * tensor into one buffer saves an allocation (fresh pages) per tensor.
 */
export function quantizeFused(
  w: Float32Array,
  shape: number[],
  opts: QuantizeOptions,
  container: PackContainer,
  out: OutRounding,
  into?: Uint8Array,
): FusedPacked;
export function quantizeFused(
  w: Float32Array,
  shape: number[],
  opts: QuantizeOptions,
  container: null,
  out: OutRounding,
): FusedLevels;
export function quantizeFused(
  w: Float32Array,
  shape: number[],
  opts: QuantizeOptions,
  container: PackContainer | null,
  out: OutRounding,
  into?: Uint8Array,
): FusedPacked | FusedLevels {
  const round = rounder(out);
  const cbits = container ? containerInfo(container).bits : 8;
  // WebAssembly SIMD for float32 output where the layout fits (simd/plan.ts); symmetric scales from the extremes are
  // then left to the kernel (quantParams skips its range pass), which reads w once for range and levels.
  let plan: SimdPlan | null = null;
  const { grouping: g, ...params } = quantParams(w, shape, opts, true, (runs, groups) => {
    plan = round === null ? simdPlan(runs, groups, cbits, true) : null;
    return plan !== null && plan.kind !== 'runs';
  });
  const { scales, zeroPoints, qmin, qmax } = params;
  let packed: Uint8Array | null = null;
  let levels: Int16Array | null = null;
  if (container) {
    const info = containerInfo(container);
    const zps = zeroPoints ?? [0];
    if (qmin < info.min || qmax > info.max || zps.some((z) => z < info.min || z > info.max)) {
      throw new StudioError(
        'QuantConfigError',
        `levels ${qmin}..${qmax} do not fit ${container} (${info.min}..${info.max})`,
      );
    }
    const bytes = Math.ceil((w.length * cbits) / 8);
    if (into && into.length < bytes) {
      throw new StudioError(
        'QuantConfigError',
        `output of ${into.length} bytes is too small: ${bytes} needed`,
      );
    }
    packed = into ? into.subarray(0, bytes) : new Uint8Array(bytes);
  } else levels = new Int16Array(w.length);
  // The levels land in `lv`: a view of the packed bytes for 8-bit containers (a byte is the level's two's
  // complement either way), the Int16Array for MatMulNBits, or a scratch Int8Array packed below for 2/4 bits.
  const runs = runList(g);
  plan ??= round === null ? simdPlan(runs, params.scales.length, cbits, false) : null;
  const simd: SimdPlan | null = plan;
  const lv: Int8Array | Int16Array =
    levels ??
    (cbits === 8
      ? new Int8Array(packed!.buffer, packed!.byteOffset, packed!.length)
      : new Int8Array(simd ? 0 : w.length));

  // Runs are collected first; each run goes through a small monomorphic loop (V8 keeps accumulators in registers
  // there, not in a closure's context). The lane sums carry across runs (the block rule of metrics/error.ts), so
  // the sums are bit-identical to the multi-pass path.
  const acc = new Float64Array(ACC_LENGTH); // lane sums, max|e|, the open block's float32 lane sums (LANES_LENGTH)
  let inverses: Float64Array | null = null;
  // Symmetric scales from the extremes: |w / s| ≤ qmax·(1 + 2^-23) < qmax + 0.5 (s = fround(max|w| / qmax), never
  // below it), so no level needs clamping and the zero point is 0. Given scales (a clip search) may clip.
  const unclamped = opts.scheme === 'symmetric' && !opts.params;
  if (simd) runSimd(simd, w, runs, params, levels ? { levels } : { packed: packed!, cbits }, acc, unclamped);
  for (let r4 = 0; r4 < (simd ? 0 : runs.length); r4 += 4) {
    const start = runs[r4];
    const end = start + runs[r4 + 1];
    const k = runs[r4 + 2];
    const step = runs[r4 + 3];
    if (step === 0 && round === null && unclamped) symmetricRun(w, start, end, scales[k], lv, acc);
    else if (step === 0 && round === null)
      uniformRun(w, start, end, scales[k], zeroPoints ? zeroPoints[k] : 0, qmin, qmax, lv, acc);
    else {
      inverses ??= Float64Array.from(scales, (s) => 1 / s);
      stridedRun(w, start, end, k, step, scales, inverses, zeroPoints, qmin, qmax, lv, round, acc);
    }
  }
  if (packed !== null && cbits < 8 && !simd)
    packSubByte(lv as Int8Array, into ? packed.fill(0) : packed, cbits);
  const sums = checkedSums(acc, w, () => {
    // NaN / ±Inf are rejected; finite values whose float32 squares overflow or underflow get errorSums' rescaled
    // sums, from the levels (a dequantized copy only in this rare case)
    for (let j = 0; j < w.length; j++) if (w[j] - w[j] !== 0) throw firstBad(w, 0, w.length, opts.name);
    const deq = dequantize({ ...params, levels: levels ?? unpackLevels(packed!, container!, w.length) });
    return round ? deq.map(round) : deq;
  });
  return packed ? { params, packed, sums } : { q: { ...params, levels: levels! }, sums };
}

/** The sums of acc (the block rule), or where float32 could not hold them, errorSums of w and `dequantized()`. */
function checkedSums(acc: Float64Array, w: Float32Array, dequantized: () => Float32Array): ErrorSums {
  const sums = sumsOf(acc, w.length);
  return trustedSums(sums) ? sums : errorSums(w, dequantized());
}

const nextBlock = (j: number) => j - (j % SUM_BLOCK) + SUM_BLOCK;

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

/** uniformRun for a symmetric grid from the extremes: zero point 0 and no clamping (see `unclamped`). */
function symmetricRun(
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
function uniformRun(
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
function stridedRun(
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
function packSubByte(lv: Int8Array, packed: Uint8Array, cbits: number): void {
  const shift = cbits === 4 ? 1 : 2; // log2(elements per byte)
  const within = (1 << shift) - 1;
  const mask = (1 << cbits) - 1;
  for (let j = 0; j < lv.length; j++) packed[j >> shift] |= (lv[j] & mask) << ((j & within) * cbits);
}

/**
 * float16 with the error sums of the rounded values (what a Cast back gives), without keeping those values. The
 * float32 bits are read through a Uint32Array view of `w` (no scratch store per element) and halves from 2^-14 up
 * to below 2^15 are rebiased and rounded half to even without a branch: adding 0xfff plus the kept mantissa's low
 * bit carries exactly when the dropped 13 bits are above half, or at half with an odd result (a carry into the
 * exponent is correct). Every other value (zero, subnormal halves, ≥ 2^15, overflow, NaN/Inf) goes through
 * toHalfBits, the reference path.
 */
export function float16Fused(w: Float32Array, name?: string): { bits: Uint16Array; sums: ErrorSums } {
  const bits = new Uint16Array(w.length);
  // Accumulators live in a Float64Array between calls and in locals of float16Run inside it: V8 then keeps them as
  // unboxed doubles (locals that start as the integer 0 in a long loop measured twice as slow).
  const acc = new Float64Array(ACC_LENGTH);
  float16Run(w, new Uint32Array(w.buffer, w.byteOffset, w.length), bits, halfToFloat(), acc, name);
  const table = halfToFloat();
  return { bits, sums: checkedSums(acc, w, () => Float32Array.from(bits, (h) => table[h])) };
}

function float16Run(
  w: Float32Array,
  u: Uint32Array,
  bits: Uint16Array,
  table: Float32Array,
  acc: Float64Array,
  name: string | undefined,
): void {
  let maxAbsError = acc[12];
  for (let b = 0; b < w.length;) {
    const bEnd = Math.min(w.length, nextBlock(b));
    for (let l = 0; l < 4; l++) {
      let signal = acc[OPEN + l];
      let noise = acc[OPEN + 4 + l];
      let sumAbs = acc[OPEN + 8 + l];
      const first = b + ((l - b) & 3);
      for (let i = first; i < bEnd; i += 4) {
        const x = u[i];
        const v = w[i];
        const a = x & 0x7fffffff;
        const h =
          a >= 0x38800000 && a < 0x47000000
            ? ((x >>> 16) & 0x8000) | ((a - 0x38000000 + 0xfff + ((x >>> 13) & 1)) >>> 13)
            : toHalfBits(v, i, name);
        bits[i] = h;
        const e = Math.fround(v - table[h]);
        signal = Math.fround(signal + Math.fround(v * v));
        noise = Math.fround(noise + Math.fround(e * e));
        sumAbs = Math.fround(sumAbs + Math.abs(v));
        if (Math.abs(e) > maxAbsError) maxAbsError = Math.abs(e);
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
