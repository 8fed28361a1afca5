// The export's MatMulNBits path (levels as one byte each from an 8-bit container) against the Int16 level path
// (quantizeFused without container, then packMatMulNBits): same blobs, grid and error sums, bit for bit. And QDQ
// packed levels written into a reused (dirty) output buffer: the same bytes as into a fresh one.
import { describe, expect, it } from 'vitest';
import { normalizeConfig, type IntBits, type WeightSpec } from '../quant/config';
import { quantizeFused } from '../quant/fused';
import { nbitsFor } from '../quant/matmulnbits';
import { PACK_CONTAINERS } from '../quant/pack';
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

// Sub-byte containers with an odd element count end in a partly used byte; float16 ops take the scalar path.
const packedCases = PACK_CONTAINERS.flatMap((container) =>
  (['float32', 'float16'] as const).flatMap((opDtype) =>
    (['channel', 'block'] as const).map((granularity) => ({ container, opDtype, granularity })),
  ),
);

describe('quantizeForExport to a QDQ container with an output buffer', () => {
  it.each(packedCases)(
    '$container $opDtype $granularity: a dirty reused buffer gives the fresh bytes',
    (c) => {
      const w: KernelWeight = {
        name: 'w',
        shape: [37, 9],
        channelAxis: 0,
        reductionAxis: 1,
        opDtype: c.opDtype,
      };
      const bits = c.container.endsWith('8') ? 8 : c.container.endsWith('4') ? 4 : 2;
      const spec = normalizeConfig({
        bits,
        scheme: c.container.startsWith('u') ? 'asymmetric' : 'symmetric',
        granularity: c.granularity,
        blockSize: 16,
      }) as WeightSpec;
      const v = values(37 * 9, bits);
      const fresh = quantizeForExport(v, w, spec, c.container);
      const asked: number[] = [];
      const dirty = new Uint8Array(Math.ceil((37 * 9 * bits) / 8)).fill(0xa5);
      const reused = quantizeForExport(v, w, spec, c.container, (bytes) => {
        asked.push(bytes);
        return dirty;
      });
      expect(asked).toEqual([dirty.length]);
      if (reused.kind !== 'packed') throw new Error(reused.kind);
      expect(reused.packed.buffer).toBe(dirty.buffer);
      expect(reused).toEqual(fresh);
    },
  );
});
