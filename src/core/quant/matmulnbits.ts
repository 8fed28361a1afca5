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

/**
 * Pack a [K, N] weight quantized blocked along K (axis 0). MatMulNBits computes (q − zp) * scale with unsigned q:
 * symmetric levels are stored as level + 2^(bits−1) with no zero_points input (that is the default zp);
 * asymmetric levels are stored as they are, with packed zero points. A partial last block is padded with q = zp,
 * so padding dequantizes to exactly 0.
 */
export function packMatMulNBits(q: QuantizedTensor, bits: NBits = nbitsFor(q.bits)): MatMulNBitsPacked {
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
  const B = new Uint8Array(N * kBlocks * blobSize);
  const { levels } = q;
  for (let k = 0; k < K; k++) {
    const b = Math.floor(k / blockSize);
    const j = k - b * blockSize;
    for (let n = 0, src = k * N; n < N; n++, src++) {
      putField(B, (n * kBlocks + b) * blobSize, j, bits, levels[src] + offset);
    }
  }
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
  const pad = K % blockSize;
  if (pad !== 0) {
    const b = kBlocks - 1;
    for (let n = 0; n < N; n++) {
      const zp = q.zeroPoints ? q.zeroPoints[b * N + n] : offset;
      for (let j = pad; j < blockSize; j++) putField(B, (n * kBlocks + b) * blobSize, j, bits, zp);
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
