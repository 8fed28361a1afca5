import { describe, expect, it } from 'vitest';
import {
  containerInfo,
  packLevels,
  packedBytes,
  unpackLevels,
  PACK_CONTAINERS,
  type PackContainer,
} from './pack';

const allLevels = (c: PackContainer, count: number): Int16Array => {
  const { min, max } = containerInfo(c);
  return Int16Array.from({ length: count }, (_, i) => min + ((i * 7) % (max - min + 1)));
};

describe.each(PACK_CONTAINERS)('[%s]', (container) => {
  it.each([0, 1, 2, 3, 4, 5, 7, 8, 9, 257])('round trip of %i levels', (count) => {
    const levels = allLevels(container, count);
    const bytes = packLevels(levels, container);
    expect(bytes.length).toBe(packedBytes(count, container));
    expect(unpackLevels(bytes, container, count)).toEqual(levels);
  });

  it('every value of the container survives', () => {
    const { min, max } = containerInfo(container);
    const levels = Int16Array.from({ length: max - min + 1 }, (_, i) => min + i);
    expect(unpackLevels(packLevels(levels, container), container, levels.length)).toEqual(levels);
  });

  it.each(['below', 'above'] as const)('a level %s the range throws with value and index', (side) => {
    const { min, max } = containerInfo(container);
    const levels = new Int16Array(5);
    levels[3] = side === 'below' ? min - 1 : max + 1;
    expect(() => packLevels(levels, container)).toThrow(
      expect.objectContaining({
        name: 'QuantConfigError',
        message: expect.stringContaining(`level ${levels[3]} at index 3`),
      }),
    );
  });

  it('short input for unpack throws', () => {
    expect(() => unpackLevels(new Uint8Array(1), container, 9)).toThrow(
      expect.objectContaining({ name: 'UnsupportedDtypeError' }),
    );
  });
});

// Byte layouts from the ONNX spec: element 2i in the low nibble, 4i in the lowest two bits, two's complement.
describe('exact bytes', () => {
  it.each([
    ['int8', [-1, -128, 127, 0], [0xff, 0x80, 0x7f, 0x00]],
    ['uint8', [255, 0, 1], [0xff, 0x00, 0x01]],
    ['int4', [1, -1, -8, 7, 3], [0xf1, 0x78, 0x03]],
    ['uint4', [0xa, 0x5, 0xf], [0x5a, 0x0f]],
    ['int2', [1, -1, -2, 0, -1], [0b00101101, 0b00000011]],
    ['uint2', [3, 0, 1, 2, 2, 1], [0b10010011, 0b00000110]],
  ] as const)('%s %j', (container, levels, bytes) => {
    expect(Array.from(packLevels(Int16Array.from(levels), container))).toEqual(bytes);
  });
});
