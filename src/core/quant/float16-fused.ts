// The export's one pass for the `fp16` width: float16 bits and the error sums of the rounded values together.
// Same bits as quantizeFloat16 (float16.ts) and the same sums as errorSums of its values (pinned by fused.test.ts).
import { closeBlock, OPEN, SUM_BLOCK, type ErrorSums } from '../metrics/error';
import { halfToFloat, toHalfBits } from './float16';
import { checkedSums, nextBlock } from './fused-runs';
import { ACC_LENGTH } from './simd/kernel';

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
