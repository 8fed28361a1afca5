// nbitsDirect against the export's other path (quantizeFused into bytes, then packMatMulNBits): blobs, scales in
// both layouts and error sums equal bit for bit, over widths, containers, partial blocks and column counts.
import { afterEach, describe, expect, it } from 'vitest';
import type { BlockSize, IntBits } from './config';
import { quantizeFused } from './fused';
import { packMatMulNBits, type NBits } from './matmulnbits';
import { nbitsDirect } from './nbits-fused';
import type { QuantizeOptions } from './quantize';
import { setSimdKernel } from './simd/kernel';

const weights = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => (i % 13 === 0 ? 0 : Math.sin(i * 0.37 + seed) * (1 + (i % 7))));

const options = (bits: IntBits, blockSize: BlockSize, scheme: 'symmetric' | 'asymmetric' = 'symmetric') =>
  ({
    bits,
    scheme,
    granularity: 'block',
    blockSize,
    channelAxis: 1,
    reductionAxis: 0,
    name: 'w',
  }) satisfies QuantizeOptions;

function reference(w: Float32Array, shape: number[], opts: QuantizeOptions, nbits: NBits) {
  const r = quantizeFused(w, shape, opts, 'int8', 'float32');
  const levels = new Int8Array(r.packed.buffer, r.packed.byteOffset, r.packed.length);
  return { q: r.params, nbits: packMatMulNBits({ ...r.params, levels }, nbits), sums: r.sums };
}

afterEach(() => setSimdKernel(true));

describe('nbitsDirect: the same blobs, scales and sums as quantizeFused + packMatMulNBits', () => {
  const CASES: [string, number, number, IntBits, NBits, BlockSize][] = [
    ['4-bit, whole blocks', 256, 64, 4, 4, 32],
    ['4-bit, one step of blocks and a partial one', 300, 16, 4, 4, 32],
    ['4-bit, columns not a multiple of 4', 128, 10, 4, 4, 32],
    ['4-bit, block 16 (4 blocks a step)', 160, 12, 4, 4, 16],
    ['4-bit, block 128, partial', 200, 8, 4, 4, 128],
    ['3-bit levels in 4-bit blobs', 96, 8, 3, 4, 32],
    ['2-bit', 100, 12, 2, 2, 16],
    ['8-bit', 130, 20, 8, 8, 32],
    ['4-bit levels in 8-bit blobs', 64, 8, 4, 8, 64],
    ['one partial block', 20, 8, 4, 4, 32],
    // 16 columns at a time in the kernel (blobs-code.ts), partial last steps in JS
    ['4-bit, 16·k columns, block 16', 200, 48, 4, 4, 16],
    ['4-bit, 16·k columns, block 64, partial', 200, 32, 4, 4, 64],
    ['4-bit, 16·k columns, block 256', 512, 16, 4, 4, 256],
    ['3-bit levels in 4-bit blobs, 16 columns', 96, 16, 3, 4, 32],
    ['2-bit, 16·k columns, block 16', 150, 32, 2, 2, 16],
    ['2-bit, 16·k columns, block 128', 256, 16, 2, 2, 128],
    ['8-bit, 16·k columns, block 32, partial', 130, 64, 8, 8, 32],
    ['8-bit, 16·k columns, block 16', 64, 16, 8, 8, 16],
    ['4-bit levels in 8-bit blobs, 16 columns', 128, 16, 4, 8, 64],
  ];
  it.each(CASES)('%s', (_, K, N, bits, nbits, bs) => {
    const w = weights(K * N, K + N);
    const opts = options(bits, bs);
    const got = nbitsDirect(w.slice(), [K, N], opts, nbits, true);
    expect(got).not.toBeNull();
    expect(got).toEqual(reference(w, [K, N], opts, nbits));
  });

  it.each([12, 32])(
    'blobs written into a given buffer (a recycled one, not zeroed) are the same, %i columns',
    (N) => {
      const w = weights(100 * N, 5);
      const opts = options(4, 32);
      const dirty = (n: number) => new Uint8Array(n).fill(0xab);
      const got = nbitsDirect(w, [100, N], opts, 4, true, dirty)!;
      expect(got.nbits.B).toEqual(reference(w, [100, N], opts, 4).nbits.B);
    },
  );

  it('blobs of a larger tensor after a smaller one (the kernel memory grown, not zeroed) are the same', () => {
    for (const [K, N] of [
      [64, 16],
      [256, 160],
    ]) {
      const w = weights(K * N, K);
      expect(nbitsDirect(w, [K, N], options(4, 32), 4, true)).toEqual(
        reference(w, [K, N], options(4, 32), 4),
      );
    }
  });

  it('a NaN is a WeightValueError naming the first bad element', () => {
    const w = weights(64 * 8, 1);
    w[77] = NaN;
    expect(() => nbitsDirect(w, [64, 8], options(4, 32), 4, true)).toThrow(/w.*77|77.*w/);
  });

  const NOT: [string, () => ReturnType<typeof nbitsDirect>][] = [
    ['asymmetric', () => nbitsDirect(weights(256, 1), [32, 8], options(4, 32, 'asymmetric'), 4, true)],
    ['float16 output', () => nbitsDirect(weights(256, 1), [32, 8], options(4, 32), 4, false)],
    ['levels wider than the blobs', () => nbitsDirect(weights(256, 1), [32, 8], options(8, 32), 4, true)],
    [
      'blocks along the other axis',
      () => nbitsDirect(weights(256, 1), [32, 8], { ...options(4, 32), reductionAxis: 1 }, 4, true),
    ],
    [
      'no WebAssembly SIMD',
      () => (setSimdKernel(false), nbitsDirect(weights(256, 1), [32, 8], options(4, 32), 4, true)),
    ],
  ];
  it.each(NOT)('%s: not taken (null)', (_, run) => expect(run()).toBeNull());
});
