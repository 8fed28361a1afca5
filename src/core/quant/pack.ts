import { StudioError } from '../errors';

/** Integer containers DequantizeLinear reads levels from, spelled as ONNX/ORT spell them. */
export type PackContainer = 'int8' | 'uint8' | 'int4' | 'uint4' | 'int2' | 'uint2';

export const PACK_CONTAINERS: readonly PackContainer[] = ['int8', 'uint8', 'int4', 'uint4', 'int2', 'uint2'];

interface ContainerInfo {
  bits: 2 | 4 | 8;
  min: number;
  max: number;
}

export function containerInfo(container: PackContainer): ContainerInfo {
  switch (container) {
    case 'int8':
      return { bits: 8, min: -128, max: 127 };
    case 'uint8':
      return { bits: 8, min: 0, max: 255 };
    case 'int4':
      return { bits: 4, min: -8, max: 7 };
    case 'uint4':
      return { bits: 4, min: 0, max: 15 };
    case 'int2':
      return { bits: 2, min: -2, max: 1 };
    case 'uint2':
      return { bits: 2, min: 0, max: 3 };
    default:
      throw new StudioError(
        'UnsupportedDtypeError',
        `container must be one of ${PACK_CONTAINERS.join(', ')}, got ${String(container)}`,
      );
  }
}

/** Bytes `count` elements occupy in `container`. */
export const packedBytes = (count: number, container: PackContainer): number =>
  Math.ceil((count * containerInfo(container).bits) / 8);

/**
 * ONNX raw_data packing: 8-bit containers one per byte; int4/uint4 two per byte with element 2i in the low nibble;
 * int2/uint2 four per byte with element 4i in the lowest two bits. Signed values are two's complement within their
 * field; unused fields of the last byte are 0. Throws when a level does not fit the container.
 */
export function packLevels(levels: Int16Array, container: PackContainer): Uint8Array {
  const { bits, min, max } = containerInfo(container);
  const out = new Uint8Array(Math.ceil((levels.length * bits) / 8));
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  for (let i = 0; i < levels.length; i++) {
    const v = levels[i];
    if (v < min || v > max) {
      throw new StudioError(
        'QuantConfigError',
        `level ${v} at index ${i} does not fit ${container} (${min}..${max})`,
      );
    }
    out[(i / perByte) | 0] |= (v & mask) << ((i % perByte) * bits);
  }
  return out;
}

/** Inverse of packLevels for the first `count` elements. */
export function unpackLevels(bytes: Uint8Array, container: PackContainer, count: number): Int16Array {
  const { bits, min } = containerInfo(container);
  const need = Math.ceil((count * bits) / 8);
  if (bytes.length < need) {
    throw new StudioError(
      'UnsupportedDtypeError',
      `${count} ${container} values need ${need} bytes, got ${bytes.length}`,
    );
  }
  const out = new Int16Array(count);
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  const signBit = min < 0 ? 1 << (bits - 1) : 0;
  for (let i = 0; i < count; i++) {
    const f = (bytes[(i / perByte) | 0] >> ((i % perByte) * bits)) & mask;
    out[i] = f & signBit ? f - (1 << bits) : f;
  }
  return out;
}
