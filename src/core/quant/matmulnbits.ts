import { StudioError } from '../errors';
import { BLOCK_SIZES, type BlockSize } from './config';
import type { QuantizedTensor } from './types';

/** Bit widths MatMulNBits runs on CPU/wasm (3/5/6/7 fail to load: they go in the next container up). */
export type NBits = 2 | 4 | 8;

/** Initializers of one `com.microsoft.MatMulNBits` node for the logical MatMul weight W[K, N]. */
export interface MatMulNBitsPacked {
  K: number;
  N: number;
  bits: NBits;
  blockSize: BlockSize;
  kBlocks: number;
  /** block_size * bits / 8 */
  blobSize: number;
  /** [N, kBlocks, blobSize]: row n is column n of W, each block an LSB-first bitstream. */
  B: Uint8Array;
  bDims: [number, number, number];
  /** scales[n * kBlocks + b] (n-major). */
  scales: Float32Array;
  scaleDims: [number, number];
  /** [N, ceil(kBlocks * bits / 8)], each row padded to a whole byte, LSB first; null = default zp 2^(bits−1). */
  zeroPoints: Uint8Array | null;
  zeroPointDims: [number, number] | null;
}

/** The container a bit width is stored in: 3 → 4, 5..7 → 8. */
export const nbitsFor = (bits: number): NBits => (bits <= 2 ? 2 : bits <= 4 ? 4 : 8);

/** Write `value` (< 2^bits) at field `index` of an LSB-first bitstream starting at byte `base`. */
function putField(out: Uint8Array, base: number, index: number, bits: NBits, value: number): void {
  const bit = index * bits;
  out[base + (bit >> 3)] |= value << (bit & 7);
}

function getField(bytes: Uint8Array, base: number, index: number, bits: NBits): number {
  const bit = index * bits;
  return (bytes[base + (bit >> 3)] >> (bit & 7)) & ((1 << bits) - 1);
}

/** Output columns packed per pass: the blobs written stay in cache while their levels are read row by row. */
const TILE = 256;

/** Levels as MatMulNBits packs them: Int16, or one byte each (the export's 8-bit containers, two's complement). */
export type NBitsLevels = Int16Array | Int8Array | Uint8Array;

/**
 * The levels as bytes (level mod 256): a view for 8-bit arrays, a typed-array copy (ToUint8) for Int16 (the GPTQ and
 * AdaRound levels); only the low `bits` bits of byte + offset are kept.
 */
const levelBytes = (levels: NBitsLevels): Uint8Array =>
  levels instanceof Uint8Array
    ? levels
    : levels instanceof Int8Array
      ? new Uint8Array(levels.buffer, levels.byteOffset, levels.length)
      : new Uint8Array(levels);

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const M4 = 0x0f0f0f0f;

/**
 * 4-bit blobs of one full block b for columns n0..n1 (multiples of 4), four columns per step: 8 rows of 4 levels
 * are read as 8 words; per byte lane, (byte + offset) & 15 (masked first, so no carry crosses lanes); nibble pairs
 * make the 4 output bytes of each column (p0..p3: bytes 0..3 of the 4 columns' words), and a 4×4 byte transpose
 * gives each column its word.
 */
function pack4Quads(
  quads: Uint32Array,
  words: Uint32Array,
  N: number,
  b: number,
  blockSize: number,
  row: number,
  n0: number,
  n1: number,
  offset: number,
): void {
  const N4 = N >> 2;
  const row4 = row >> 2; // words of one column of B
  const off = offset * 0x01010101;
  const lane = (s: number) => (((quads[s] & M4) + off) & M4) | ((((quads[s + N4] & M4) + off) & M4) << 4);
  for (let w = 0; w < blockSize >> 3; w++) {
    const s0 = ((b * blockSize + w * 8) * N) >> 2;
    for (
      let s = s0 + (n0 >> 2), e = s0 + (n1 >> 2), d = n0 * row4 + (b * blockSize) / 8 + w;
      s < e;
      s++, d += row
    ) {
      const p0 = lane(s);
      const p1 = lane(s + 2 * N4);
      const p2 = lane(s + 4 * N4);
      const p3 = lane(s + 6 * N4);
      words[d] = (p0 & 0xff) | ((p1 & 0xff) << 8) | ((p2 & 0xff) << 16) | (p3 << 24);
      words[d + row4] = ((p0 >>> 8) & 0xff) | (p1 & 0xff00) | ((p2 & 0xff00) << 8) | ((p3 & 0xff00) << 16);
      words[d + 2 * row4] =
        ((p0 >>> 16) & 0xff) | ((p1 >>> 8) & 0xff00) | (p2 & 0xff0000) | ((p3 & 0xff0000) << 8);
      words[d + 3 * row4] =
        (p0 >>> 24) | ((p1 >>> 16) & 0xff00) | ((p2 >>> 8) & 0xff0000) | (p3 & 0xff000000);
    }
  }
}

/**
 * B as [N, kBlocks, blobSize]: each output byte (for 4 bits each 32-bit word: 8 levels) is made whole from its
 * levels (k, k+1, ... of column n) and written once. Columns go in tiles so the reads (rows of `levels`) and the
 * writes (blobs of the tile's columns) both stay in cache. Rows past K (a partial last block) hold the zero point,
 * so padding dequantizes to 0. `bytes` are levels mod 256, so (byte + offset) & mask is the stored field.
 */
function packBlobs(
  bytes: Uint8Array,
  K: number,
  N: number,
  blockSize: number,
  bits: NBits,
  offset: number,
  zeroPoints: QuantizedTensor['zeroPoints'],
): Uint8Array {
  const kBlocks = Math.ceil(K / blockSize);
  const blobSize = (blockSize * bits) / 8;
  const per = 8 / bits;
  const mask = (1 << bits) - 1;
  const B = new Uint8Array(N * kBlocks * blobSize);
  const row = kBlocks * blobSize; // bytes of one column n
  const words = bits === 4 && LITTLE_ENDIAN ? new Uint32Array(B.buffer) : null;
  // Four columns at once where rows are whole 32-bit words of levels (N a multiple of 4, aligned bytes).
  const quads =
    words && N % 4 === 0 && bytes.byteOffset % 4 === 0
      ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2)
      : null;
  for (let b = 0; b < kBlocks; b++) {
    const full = (b + 1) * blockSize <= K;
    for (let n0 = 0; n0 < N; n0 += TILE) {
      const n1 = Math.min(N, n0 + TILE);
      if (full && words && quads) {
        pack4Quads(quads, words, N, b, blockSize, row, n0, n1, offset);
        continue;
      }
      if (full && words) {
        // blobSize and row are multiples of 4 (block size ≥ 16): one word per 8 levels of a column.
        for (let w = 0; w < blobSize >> 2; w++) {
          const s0 = (b * blockSize + w * 8) * N;
          for (
            let s = s0 + n0, e = s0 + n1, d = (n0 * row + b * blobSize) / 4 + w;
            s < e;
            s++, d += row >> 2
          ) {
            words[d] =
              ((bytes[s] + offset) & 15) |
              (((bytes[s + N] + offset) & 15) << 4) |
              (((bytes[s + 2 * N] + offset) & 15) << 8) |
              (((bytes[s + 3 * N] + offset) & 15) << 12) |
              (((bytes[s + 4 * N] + offset) & 15) << 16) |
              (((bytes[s + 5 * N] + offset) & 15) << 20) |
              (((bytes[s + 6 * N] + offset) & 15) << 24) |
              (((bytes[s + 7 * N] + offset) & 15) << 28);
          }
        }
        continue;
      }
      for (let byte = 0; byte < blobSize; byte++) {
        const k0 = b * blockSize + byte * per;
        const out = b * blobSize + byte;
        if (full && bits === 8) {
          for (let n = n0, s = k0 * N + n0; n < n1; n++, s++) B[n * row + out] = bytes[s] + offset;
        } else {
          for (let n = n0; n < n1; n++) {
            const pad = zeroPoints ? zeroPoints[b * N + n] : offset;
            let v = 0;
            for (let f = 0; f < per; f++) {
              const k = k0 + f;
              v |= (k < K ? (bytes[k * N + n] + offset) & mask : pad) << (f * bits);
            }
            B[n * row + out] = v;
          }
        }
      }
    }
  }
  return B;
}

/**
 * Pack a [K, N] weight quantized blocked along K (axis 0). MatMulNBits computes (q − zp) * scale with unsigned q:
 * symmetric levels are stored as level + 2^(bits−1) with no zero_points input (that is the default zp);
 * asymmetric levels are stored as they are, with packed zero points. A partial last block is padded with q = zp,
 * so padding dequantizes to exactly 0.
 */
export function packMatMulNBits(
  q: Omit<QuantizedTensor, 'levels'> & { levels: NBitsLevels },
  bits: NBits = nbitsFor(q.bits),
): MatMulNBitsPacked {
  if (q.shape.length !== 2 || q.axis !== 0 || q.blockSize === null) {
    throw new StudioError(
      'UnsupportedModelError',
      `MatMulNBits needs a 2-D weight blocked along axis 0, got shape [${q.shape.join(', ')}], axis ${q.axis}, block size ${q.blockSize}`,
    );
  }
  const blockSize = q.blockSize as BlockSize;
  if (!BLOCK_SIZES.includes(blockSize)) {
    throw new StudioError(
      'UnsupportedModelError',
      `MatMulNBits block size must be one of ${BLOCK_SIZES.join(', ')}, got ${blockSize}`,
    );
  }
  if (![2, 4, 8].includes(bits) || bits < nbitsFor(q.bits)) {
    throw new StudioError(
      'QuantConfigError',
      `MatMulNBits bits must be 2, 4 or 8 and hold ${q.bits}-bit levels, got ${bits}`,
    );
  }
  const offset = q.zeroPoints ? 0 : 2 ** (bits - 1);
  if (q.qmin + offset < 0 || q.qmax + offset >= 2 ** bits) {
    throw new StudioError(
      'QuantConfigError',
      `levels ${q.qmin}..${q.qmax} do not fit unsigned ${bits}-bit MatMulNBits storage`,
    );
  }
  const [K, N] = q.shape;
  const kBlocks = Math.ceil(K / blockSize);
  const blobSize = (blockSize * bits) / 8;
  const B = packBlobs(levelBytes(q.levels), K, N, blockSize, bits, offset, q.zeroPoints);
  // Scales [kBlocks, N] → [N, kBlocks]; zero points likewise, then bit-packed per row.
  const scales = new Float32Array(N * kBlocks);
  const zpRow = Math.ceil((kBlocks * bits) / 8);
  const zeroPoints = q.zeroPoints ? new Uint8Array(N * zpRow) : null;
  for (let b = 0; b < kBlocks; b++) {
    for (let n = 0; n < N; n++) {
      scales[n * kBlocks + b] = q.scales[b * N + n];
      if (zeroPoints && q.zeroPoints) putField(zeroPoints, n * zpRow, b, bits, q.zeroPoints[b * N + n]);
    }
  }
  return {
    K,
    N,
    bits,
    blockSize,
    kBlocks,
    blobSize,
    B,
    bDims: [N, kBlocks, blobSize],
    scales,
    scaleDims: [N, kBlocks],
    zeroPoints,
    zeroPointDims: zeroPoints ? [N, zpRow] : null,
  };
}

/** Read the layout back: unsigned q as [N, kBlocks * blockSize] (padding included) and zp as [N, kBlocks]. */
export function unpackMatMulNBits(p: MatMulNBitsPacked): { q: Uint8Array; zeroPoints: Uint8Array } {
  const { N, kBlocks, blockSize, blobSize, bits } = p;
  const q = new Uint8Array(N * kBlocks * blockSize);
  for (let r = 0; r < N * kBlocks; r++) {
    for (let j = 0; j < blockSize; j++) q[r * blockSize + j] = getField(p.B, r * blobSize, j, bits);
  }
  const zeroPoints = new Uint8Array(N * kBlocks).fill(2 ** (bits - 1));
  if (p.zeroPoints) {
    const zpRow = Math.ceil((kBlocks * bits) / 8);
    for (let n = 0; n < N; n++) {
      for (let b = 0; b < kBlocks; b++)
        zeroPoints[n * kBlocks + b] = getField(p.zeroPoints, n * zpRow, b, bits);
    }
  }
  return { q, zeroPoints };
}

/** W[k, n] = fround((q − zp) * scale) as MatMulNBits computes it, row-major [K, N]. */
export function dequantizeMatMulNBits(p: MatMulNBitsPacked): Float32Array {
  const { K, N, kBlocks, blockSize } = p;
  const { q, zeroPoints } = unpackMatMulNBits(p);
  const out = new Float32Array(K * N);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      const b = Math.floor(k / blockSize);
      const r = n * kBlocks + b;
      out[k * N + n] = (q[n * kBlocks * blockSize + k] - zeroPoints[r]) * p.scales[r];
    }
  }
  return out;
}
