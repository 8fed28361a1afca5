// MatMulNBits straight from the WebAssembly kernel: for the usual case (symmetric scales from the extremes, float32
// output, a [K, N] weight in blocks along K) each block of rows is copied into the kernel's memory once, and its
// scales (absmaxrow), levels (quantrowsym8) and blobs are made from there: no separate range pass over the tensor,
// no level array, no packing pass. The kernel's functions and their order of summation are those of quantizeFused
// (the rows are visited in element order, so the error sums are bit-identical) and the blobs are packMatMulNBits's
// (pinned by nbits-fused.test.ts against quantizeFused + packMatMulNBits).
import { SUM_BLOCK, sumsOf, trustedSums, type ErrorSums } from '../metrics/error';
import { BLOCK_SIZES, type BlockSize } from './config';
import { firstBad } from './extremes';
import { nbitsFor, type MatMulNBitsPacked, type NBits } from './matmulnbits';
import { quantParams, type QuantizeOptions, type QuantParams } from './quantize';
import { symmetricScale } from './range';
import { ACC, ACC_LENGTH, GROUPS, quantFn, reserve, RUNS, simdKernel } from './simd/kernel';

export interface NBitsDirect {
  q: Omit<QuantParams, 'grouping'>;
  nbits: MatMulNBitsPacked;
  sums: ErrorSums;
}

/** The kernel's memory this path may grow to (a block of rows as float32 and as levels, three per-column arrays). */
const MAX_BYTES = 64 * 2 ** 20;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const M4 = 0x0f0f0f0f;
/** 8 in every nibble: 4-bit blobs store level + 8. */
const OFFSET8 = 0x88888888 | 0;

/**
 * The weight quantized and packed for MatMulNBits in `bits`-bit blobs, or null when this path does not apply (the
 * caller then takes quantizeFused + packMatMulNBits, which also words every error).
 */
export function nbitsDirect(
  w: Float32Array,
  shape: number[],
  opts: QuantizeOptions,
  bits: NBits,
  float32Out: boolean,
  /** B's array of `bytes` (every byte is written): a recycled buffer, or by default a fresh one. */
  output: (bytes: number) => Uint8Array = (n) => new Uint8Array(n),
): NBitsDirect | null {
  const kernel = simdKernel();
  if (!kernel || !float32Out || opts.scheme !== 'symmetric' || opts.params || opts.granularity !== 'block')
    return null;
  if (shape.length !== 2 || !BLOCK_SIZES.includes(opts.blockSize as BlockSize)) return null;
  if (nbitsFor(opts.bits) > bits || !LITTLE_ENDIAN) return null;
  const [K, N] = shape;
  const bs = opts.blockSize;
  const kBlocks = Math.ceil(K / bs);
  // Blocks per step: up to 64 rows (2 blocks of 32). More rows write more of a column's blobs at once, but the step's
  // floats (64 × N × 4 bytes) must stay in the cache between the range, level and packing passes: a 4096×11008
  // weight took 0.81–0.84× the CPU time of 128-row steps with 32- or 64-row steps.
  const G = Math.min(kBlocks, Math.max(1, 64 / bs));
  const bytes = G * bs * N * 5 + 4 * N * (G + 1) + 64;
  if (K === 0 || N === 0 || bytes > MAX_BYTES) return null;
  const blobSize = (bs * bits) / 8;
  const row = kBlocks * blobSize;
  // B itself in the kernel's memory when it fits (blobs-code.ts, 16 columns at a time; copied out once at the end),
  // else packed in JS from the levels there.
  const inKernel = N % 16 === 0 && bytes + N * row + 16 <= MAX_BYTES;
  // The grid as quantizeFused returns it; its scales are filled below (the callback: the caller takes them).
  let taken = false;
  const { grouping: g, ...q } = quantParams(w, shape, opts, true, () => (taken = true));
  if (!taken || g.axis !== 0 || g.blockSize !== bs) return null;
  const { qmin, qmax } = q;

  const k = reserve(kernel, inKernel ? bytes + N * row + 16 : bytes);
  // From GROUPS: max|w| then scales per column for each block of the step, zero points (0), the rows' floats, their
  // levels.
  const SC = GROUPS;
  const ZP = SC + 4 * G * N;
  const IN = ZP + 4 * N;
  const OUT = IN + 4 * G * bs * N;
  const BK = Math.ceil((OUT + G * bs * N) / 16) * 16;
  k.all.fill(0, ZP / 4, ZP / 4 + N);
  k.f64.fill(0);
  const quant = quantFn(k, { packed: k.u8, cbits: 8 }, true, true);
  const B = output(N * row);
  const dst = inKernel ? k.u8.subarray(BK, BK + N * row) : B;
  const scalesT = new Float32Array(N * kBlocks);
  const offset = 2 ** (bits - 1);
  const unitRows = 128 / bits; // rows of a column's 16 bytes
  const blobs = k.x[`blobs${bits}`];
  const quads =
    !inKernel && bits === 4 && N % 4 === 0 ? new Int32Array(k.u8.buffer, OUT, (G * bs * N) >> 2) : null;
  const words = quads ? new Int32Array(B.buffer) : null;
  for (let b0 = 0; b0 < kBlocks; b0 += G) {
    const blocks = Math.min(G, kBlocks - b0);
    const rows = Math.min(blocks * bs, K - b0 * bs);
    const e0 = b0 * bs * N;
    k.all.set(w.subarray(e0, e0 + rows * N), IN / 4);
    for (let r = 0; r < rows; r++) {
      k.runI[4 * r] = r * N;
      k.runI[4 * r + 1] = N;
      k.runI[4 * r + 2] = SC + 4 * N * Math.floor(r / bs);
      k.runI[4 * r + 3] = ZP;
    }
    const sc = k.all.subarray(SC / 4, SC / 4 + blocks * N);
    sc.fill(0);
    k.x.absmaxrow(RUNS, rows, IN);
    for (let i = 0; i < sc.length; i++) sc[i] = symmetricScale(sc[i], qmax);
    q.scales.set(sc, b0 * N);
    quant(RUNS, rows, IN, OUT, qmin, qmax, ACC, e0 % SUM_BLOCK);
    const whole = rows === blocks * bs;
    if (inKernel && whole && rows % unitRows === 0) blobs(OUT, N, rows / unitRows, BK + b0 * blobSize, row);
    else if (words && quads && whole) pack4(quads, words, N, b0, blocks, bs, row);
    else
      for (let j = 0; j < blocks; j++)
        packBlock(k.u8, OUT + j * bs * N, dst, N, b0 + j, Math.min(bs, rows - j * bs), bs, bits, row, offset);
  }
  if (inKernel) B.set(dst);
  transpose(q.scales, scalesT, kBlocks, N);
  const sums = sumsOf(Float64Array.from(k.f64.subarray(0, ACC_LENGTH)), w.length);
  if (!trustedSums(sums)) {
    // NaN / ±Inf are rejected (as quantizeFused does); finite values whose float32 squares overflow or underflow
    // need errorSums' rescaled sums: the caller's quantizeFused path computes them.
    for (let j = 0; j < w.length; j++) if (w[j] - w[j] !== 0) throw firstBad(w, 0, w.length, opts.name);
    return null;
  }
  const nbits: MatMulNBitsPacked = {
    K,
    N,
    bits,
    blockSize: bs as BlockSize,
    kBlocks,
    blobSize,
    B,
    bDims: [N, kBlocks, blobSize],
    scales: scalesT,
    scaleDims: [N, kBlocks],
    zeroPoints: null,
    zeroPointDims: null,
  };
  return { q, nbits, sums };
}

/**
 * 4-bit blobs of full blocks b0.. from their levels in the kernel's memory ([blocks · bs, N] int8, as 32-bit words
 * of 4 columns), four columns per step: per byte lane the low nibbles of two rows make a byte (as packMatMulNBits's
 * pack4Quads), a 4×4 byte transpose gives each column its word, and the offset 8 is added to every field at once:
 * (level + 8) & 15 is (level & 15) ^ 8. A column's words of all the blocks are written together (one cache line of
 * B); the levels of the four columns stay in cache across the rows.
 */
function pack4(
  quads: Int32Array,
  words: Int32Array,
  N: number,
  b0: number,
  blocks: number,
  bs: number,
  row: number,
): void {
  const N4 = N >> 2;
  const row4 = row >> 2;
  const steps = (blocks * bs) >> 3; // words of a column per step: 8 rows each
  for (let c = 0, d0 = (b0 * bs) >> 3; c < N4; c++, d0 += row) {
    for (let w = 0, s = c, d = d0; w < steps; w++, s += 2 * N, d++) {
      const p0 = (quads[s] & M4) | ((quads[s + N4] << 4) & ~M4);
      const p1 = (quads[s + 2 * N4] & M4) | ((quads[s + 3 * N4] << 4) & ~M4);
      const p2 = (quads[s + 4 * N4] & M4) | ((quads[s + 5 * N4] << 4) & ~M4);
      const p3 = (quads[s + 6 * N4] & M4) | ((quads[s + 7 * N4] << 4) & ~M4);
      words[d] = ((p0 & 0xff) | ((p1 & 0xff) << 8) | ((p2 & 0xff) << 16) | (p3 << 24)) ^ OFFSET8;
      words[d + row4] =
        (((p0 >>> 8) & 0xff) | (p1 & 0xff00) | ((p2 & 0xff00) << 8) | ((p3 & 0xff00) << 16)) ^ OFFSET8;
      words[d + 2 * row4] =
        (((p0 >>> 16) & 0xff) | ((p1 >>> 8) & 0xff00) | (p2 & 0xff0000) | ((p3 & 0xff0000) << 8)) ^ OFFSET8;
      words[d + 3 * row4] =
        ((p0 >>> 24) | ((p1 >>> 16) & 0xff00) | ((p2 >>> 8) & 0xff0000) | (p3 & 0xff000000)) ^ OFFSET8;
    }
  }
}

/** [rows, cols] → [cols, rows] in strips of 16 columns: the 16 rows written stay in cache (scales, 4 % of B). */
function transpose(src: Float32Array, dst: Float32Array, rows: number, cols: number): void {
  for (let c0 = 0; c0 < cols; c0 += 16) {
    const c1 = Math.min(cols, c0 + 16);
    for (let r = 0; r < rows; r++)
      for (let c = c0, i = r * cols + c0; c < c1; c++, i++) dst[c * rows + r] = src[i];
  }
}

/** Any width, any block (rows past K hold the zero point `offset`, so padding dequantizes to 0): byte by byte. */
function packBlock(
  mem: Uint8Array,
  out: number,
  B: Uint8Array,
  N: number,
  b: number,
  rows: number,
  bs: number,
  bits: number,
  row: number,
  offset: number,
): void {
  const per = 8 / bits;
  const mask = (1 << bits) - 1;
  const blobSize = (bs * bits) / 8;
  for (let n = 0; n < N; n++) {
    const base = n * row + b * blobSize;
    for (let byte = 0; byte < blobSize; byte++) {
      let v = 0;
      for (let f = 0; f < per; f++) {
        const r = byte * per + f;
        v |= (r < rows ? (mem[out + r * N + n] + offset) & mask : offset) << (f * bits);
      }
      B[base + byte] = v;
    }
  }
}
