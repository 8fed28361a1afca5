import { describe, expect, it } from 'vitest';
import type { Bits } from '../../core/quant/config';
import { bitsColor } from './plot-theme';
import { assignVariantColors } from './variant-colors';

const v = (id: string, bits: Bits) => ({ id, bits });

describe('assignVariantColors', () => {
  it.each([
    {
      name: 'one per bit width: the bit-width colours',
      variants: [v('w8', 8), v('w4', 4)],
      expected: { w8: bitsColor(8), w4: bitsColor(4) },
    },
    {
      name: 'same bits, other granularity: its own colour',
      variants: [v('w4-ch', 4), v('w4-t', 4)],
      expected: { 'w4-ch': bitsColor(4), 'w4-t': '#db2777' },
    },
  ])('$name', ({ variants, expected }) => {
    expect(assignVariantColors(variants)).toEqual(expected);
  });

  it('gives every one of many variants a distinct colour, and earlier ones keep theirs', () => {
    const many = Array.from({ length: 30 }, (_, i) => v(`v${i}`, ([8, 4, 2] as const)[i % 3]));
    const all = assignVariantColors(many);
    expect(new Set(Object.values(all)).size).toBe(30);
    const first10 = assignVariantColors(many.slice(0, 10));
    for (const [id, c] of Object.entries(first10)) expect(all[id]).toBe(c);
  });
});
