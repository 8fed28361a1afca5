import { describe, expect, it } from 'vitest';
import type { IntBits, BlockSize, Scheme } from './config';
import { dequantize } from './dequantize';
import { dequantizeMatMulNBits, nbitsFor, packMatMulNBits, unpackMatMulNBits } from './matmulnbits';
import { quantizeTensor } from './quantize';

const weights = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => (i % 11 === 0 ? 0 : Math.sin(i * 0.37 + seed) * (1 + (i % 5))));

const quant = (K: number, N: number, bits: IntBits, scheme: Scheme, blockSize: BlockSize) =>
  quantizeTensor(weights(K * N, bits), [K, N], {
    bits,
    scheme,
    granularity: 'block',
    blockSize,
    channelAxis: 1,
    reductionAxis: 0,
  });

const BITS: IntBits[] = [2, 3, 4, 5, 6, 7, 8];
const shapes = [
  [256, 32, 32],
  [100, 7, 16], // partial last block
  [40, 5, 64], // one partial block
  [200, 3, 128],
  [300, 2, 256],
  [64, 300, 32], // more columns than one tile of the packing loop
] as const;

/** B written field by field (LSB first, padding = zero point): what the tiled packing must equal byte for byte. */
function referenceB(q: ReturnType<typeof quant>, bits: 2 | 4 | 8): Uint8Array {
  const [K, N] = q.shape;
  const bs = q.blockSize!;
  const kBlocks = Math.ceil(K / bs);
  const blob = (bs * bits) / 8;
  const offset = q.zeroPoints ? 0 : 2 ** (bits - 1);
  const B = new Uint8Array(N * kBlocks * blob);
  for (let n = 0; n < N; n++)
    for (let k = 0; k < kBlocks * bs; k++) {
      const b = Math.floor(k / bs);
      const v = k < K ? q.levels[k * N + n] + offset : q.zeroPoints ? q.zeroPoints[b * N + n] : offset;
      const bit = (k - b * bs) * bits;
      B[(n * kBlocks + b) * blob + (bit >> 3)] |= v << (bit & 7);
    }
  return B;
}

describe.each(
  BITS.flatMap((b) => (['symmetric', 'asymmetric'] as const).map((s) => [`${b}-bit ${s}`, b, s] as const)),
)('[%s]', (_l, bits, scheme) => {
  it.each(shapes)('K=%i N=%i block %i: pack -> unpack -> dequant equals dequantize', (K, N, bs) => {
    const q = quant(K, N, bits, scheme, bs);
    const p = packMatMulNBits(q);
    const nb = nbitsFor(bits);
    const kBlocks = Math.ceil(K / bs);
    expect({ bits: p.bits, bDims: p.bDims, scaleDims: p.scaleDims, zp: p.zeroPointDims }).toEqual({
      bits: nb,
      bDims: [N, kBlocks, (bs * nb) / 8],
      scaleDims: [N, kBlocks],
      zp: scheme === 'asymmetric' ? [N, Math.ceil((kBlocks * nb) / 8)] : null,
    });
    expect(p.B.length).toBe(N * kBlocks * ((bs * nb) / 8));
    expect(p.B).toEqual(referenceB(q, nb));
    expect(dequantizeMatMulNBits(p)).toEqual(dequantize(q));
    // The export's one-byte levels (int8 / uint8 containers) pack to the same bytes.
    const bytes = scheme === 'symmetric' ? Int8Array.from(q.levels) : Uint8Array.from(q.levels);
    expect(packMatMulNBits({ ...q, levels: bytes }, nb)).toEqual(p);
  });

  it('padding of a partial block dequantizes to exactly 0', () => {
    const q = quant(100, 3, bits, scheme, 32);
    const p = packMatMulNBits(q);
    const { q: stored, zeroPoints } = unpackMatMulNBits(p);
    const bad: number[] = [];
    for (let n = 0; n < 3; n++) {
      for (let k = 100; k < 128; k++)
        if (stored[n * 128 + k] !== zeroPoints[n * 4 + 3]) bad.push(n * 128 + k);
    }
    expect(bad).toEqual([]);
  });
});

describe('exact layout', () => {
  // W [K=3, N=2], 4-bit symmetric, block 16: column n becomes row n, level + 8, low nibble first.
  const q = quantizeTensor(Float32Array.from([7, -7, -1, 3, 0, 1]), [3, 2], {
    bits: 4,
    scheme: 'symmetric',
    granularity: 'block',
    blockSize: 16,
    channelAxis: 1,
    reductionAxis: 0,
  });
  const p = packMatMulNBits(q);
  it('B bytes', () => {
    // col 0 levels [7, -1, 0] -> stored [15, 7, 8], pad 8: bytes 0x7f, 0x88, 0x88...; col 1 levels [-7, 3, 1] * (7/7)
    const row0 = [0x7f, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88];
    expect(Array.from(p.B.subarray(0, 8))).toEqual(row0);
    expect(p.B[8]).toBe(((3 + 8) << 4) | (-7 + 8));
    expect(p.zeroPoints).toBeNull();
  });

  it('asymmetric zero points: per-row padded, LSB first', () => {
    // K=40, block 16 -> 3 blocks; 4-bit zp row = 2 bytes: [zp0 | zp1 << 4, zp2].
    const qa = quant(40, 2, 4, 'asymmetric', 16);
    const pa = packMatMulNBits(qa);
    const z = qa.zeroPoints!; // [kBlocks=3, N=2]
    expect(Array.from(pa.zeroPoints!)).toEqual([z[0] | (z[2] << 4), z[4], z[1] | (z[3] << 4), z[5]]);
    expect(Array.from(pa.scales)).toEqual([
      qa.scales[0],
      qa.scales[2],
      qa.scales[4],
      qa.scales[1],
      qa.scales[3],
      qa.scales[5],
    ]);
  });
});

describe('rejects what MatMulNBits cannot hold', () => {
  it.each([
    [
      'per-channel',
      quantizeTensor(weights(8, 0), [4, 2], {
        bits: 4,
        scheme: 'symmetric',
        granularity: 'channel',
        blockSize: 16,
        channelAxis: 1,
        reductionAxis: 0,
      }),
      'UnsupportedModelError',
    ],
    [
      'blocked along N',
      quantizeTensor(weights(64, 0), [2, 32], {
        bits: 4,
        scheme: 'symmetric',
        granularity: 'block',
        blockSize: 16,
        channelAxis: 0,
        reductionAxis: 1,
      }),
      'UnsupportedModelError',
    ],
    [
      'block size 8',
      quantizeTensor(weights(16, 0), [8, 2], {
        bits: 4,
        scheme: 'symmetric',
        granularity: 'block',
        blockSize: 8 as BlockSize,
        channelAxis: 1,
        reductionAxis: 0,
      }),
      'UnsupportedModelError',
    ],
  ])('%s', (_l, q, name) => {
    expect(() => packMatMulNBits(q)).toThrow(expect.objectContaining({ name }));
  });
  it('a container too narrow for the levels', () => {
    expect(() => packMatMulNBits(quant(32, 2, 5, 'symmetric', 16), 4)).toThrow(
      expect.objectContaining({ name: 'QuantConfigError' }),
    );
  });
});
