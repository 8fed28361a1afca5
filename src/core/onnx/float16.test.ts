import { describe, expect, it } from 'vitest';
import { bfloat16BitsToFloat32, float32ToBfloat16Bits, roundToBfloat16 } from './float16';

const fromBits = (x: number) => new Float32Array(new Uint32Array([x >>> 0]).buffer)[0];

describe('float32 -> bfloat16 (round half to even, as a Cast does)', () => {
  it.each([
    ['exact', fromBits(0x3f800000), 0x3f80],
    ['below half rounds down', fromBits(0x3f807fff), 0x3f80],
    ['tie to even (down)', fromBits(0x3f808000), 0x3f80],
    ['tie to even (up)', fromBits(0x3f818000), 0x3f82],
    ['above half rounds up', fromBits(0x3f808001), 0x3f81],
    ['negative tie to even', fromBits(0xbf818000), 0xbf82],
    ['largest float32 overflows to +Inf', fromBits(0x7f7fffff), 0x7f80],
    ['-largest overflows to -Inf', fromBits(0xff7fffff), 0xff80],
    ['+Inf', Infinity, 0x7f80],
    ['-Inf', -Infinity, 0xff80],
    ['+0', 0, 0x0000],
    ['-0', -0, 0x8000],
    ['smallest subnormal rounds to 0', fromBits(0x00000001), 0x0000],
  ])('%s', (_, value, bits) => expect(float32ToBfloat16Bits(value)).toBe(bits));

  it.each([
    ['quiet NaN', 0x7fc00000],
    ['NaN with payload only in the low half', 0x7f800001],
    ['negative NaN with all bits set', 0xffffffff],
  ])('%s stays NaN', (_, x) => {
    const b = float32ToBfloat16Bits(fromBits(x));
    expect(Number.isNaN(bfloat16BitsToFloat32(b))).toBe(true);
    expect(Number.isNaN(roundToBfloat16(fromBits(x)))).toBe(true);
  });

  it('roundToBfloat16 gives the float32 value of the rounded bits', () => {
    expect(roundToBfloat16(fromBits(0x3f818000))).toBe(fromBits(0x3f820000));
    expect(roundToBfloat16(1 + 2 ** -9)).toBe(1); // tie, 1.0 is even
  });
});
