// The export's MatMulNBits path (levels as one byte each from an 8-bit container) against the Int16 level path
// (quantizeFused without container, then packMatMulNBits): same blobs, grid and error sums, bit for bit.
import { describe, expect, it } from 'vitest';
import { normalizeConfig, type IntBits, type WeightSpec } from '../quant/config';
import { quantizeFused } from '../quant/fused';
import { nbitsFor } from '../quant/matmulnbits';
import type { KernelWeight } from './schedule';
import { kernelOptions, nbitsExport, quantizeForExport } from './weight';

const values = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => (i % 13 === 0 ? 0 : Math.sin(i * 0.37 + seed) * (1 + (i % 7))));

const cases = ([2, 3, 4, 8] as IntBits[]).flatMap((bits) =>
  (['symmetric', 'asymmetric'] as const).flatMap((scheme) =>
    (['float32', 'float16'] as const).flatMap((opDtype) =>
      (
        [
          [256, 96, 32],
          [100, 7, 16],
        ] as const
      ).map(([K, N, blockSize]) => ({ bits, scheme, opDtype, K, N, blockSize })),
    ),
  ),
);

describe('quantizeForExport to MatMulNBits', () => {
  it.each(cases)('$bits-bit $scheme $opDtype [$K, $N] block $blockSize equals the Int16 level path', (c) => {
    const w: KernelWeight = {
      name: 'w',
      shape: [c.K, c.N],
      channelAxis: 1,
      reductionAxis: 0,
      opDtype: c.opDtype,
    };
    const spec = normalizeConfig({
      bits: c.bits,
      scheme: c.scheme,
      granularity: 'block',
      blockSize: c.blockSize,
    }) as WeightSpec;
    const v = values(c.K * c.N, c.bits);
    const nbits = nbitsFor(c.bits);
    const r = quantizeFused(v, w.shape, kernelOptions(v, w, c.bits, spec), null, c.opDtype);
    expect(quantizeForExport(v, w, spec, { nbits })).toEqual(nbitsExport(r.q, nbits, r.sums));
  });
});
