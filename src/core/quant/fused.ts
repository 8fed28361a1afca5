// The export path's one pass per tensor: levels, packing and error sums together, without materialising levels or a
// dequantized copy. Same arithmetic, and the same rule of sums (metrics/error.ts), as quantizeTensor + packLevels +
// dequantize + errorSums, so the bytes and the metrics are identical (pinned by fused.test.ts and
// test/export-bytes.test.ts).
import { StudioError } from '../errors';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../onnx/float16';
import type { ErrorSums } from '../metrics/error';
import { dequantize } from './dequantize';
import { containerInfo, unpackLevels, type PackContainer } from './pack';
import { firstBad } from './extremes';
import { quantParams, type QuantizeOptions, type QuantParams } from './quantize';
import { runList } from './grouping';
import type { QuantizedTensor } from './types';
import { checkedSums, packSubByte, stridedRun, symmetricRun, uniformRun } from './fused-runs';
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

  // Runs are collected first; each run goes through a small monomorphic loop (fused-runs.ts: V8 keeps accumulators
  // in registers there, not in a closure's context). The lane sums carry across runs (the block rule of
  // metrics/error.ts), so the sums are bit-identical to the multi-pass path.
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
