// Little-endian storage bytes of a tensor to float32 values, for every numeric dtype (sub-byte ones unpacked).
import { StudioError } from '../errors';
import { bfloat16BitsToFloat32, float16BitsToFloat32 } from './float16';
import type { Dtype } from './types';

/** A typed view needs its byte offset aligned to the element size; copy when it is not. */
function aligned(bytes: Uint8Array, align: number): Uint8Array {
  return bytes.byteOffset % align === 0 ? bytes : bytes.slice();
}

function unpack(bytes: Uint8Array, n: number, bits: number, signed: boolean): Float32Array {
  const out = new Float32Array(n);
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  const half = 1 << (bits - 1);
  for (let i = 0; i < n; i++) {
    const v = (bytes[Math.floor(i / perByte)] >>> ((i % perByte) * bits)) & mask;
    out[i] = signed && v >= half ? v - (1 << bits) : v;
  }
  return out;
}

/** Decodes little-endian storage bytes to float32 (a new array). Assumes a little-endian host, as every browser is. */
export function decodeToFloat32(
  bytes: Uint8Array,
  dtype: Dtype,
  elements: number,
  name = '',
  /** `bytes` is a fresh copy nobody else holds: float32 is then viewed in place (one copy less per tensor). */
  owned = false,
): Float32Array {
  const at = (align: number) => {
    const b = aligned(bytes, align);
    return [b.buffer, b.byteOffset] as const;
  };
  switch (dtype) {
    case 'float32': {
      const [buf, off] = at(4);
      const view = new Float32Array(buf, off, elements);
      return owned && buf === bytes.buffer ? view : view.slice();
    }
    case 'float16':
    case 'bfloat16': {
      const [buf, off] = at(2);
      const bits = new Uint16Array(buf, off, elements);
      const conv = dtype === 'float16' ? float16BitsToFloat32 : bfloat16BitsToFloat32;
      const out = new Float32Array(elements);
      for (let i = 0; i < elements; i++) out[i] = conv(bits[i]);
      return out;
    }
    case 'float64':
      return Float32Array.from(new Float64Array(...at(8), elements));
    case 'int8':
      return Float32Array.from(new Int8Array(bytes.buffer, bytes.byteOffset, elements));
    case 'uint8':
    case 'bool':
      return Float32Array.from(bytes.subarray(0, elements));
    case 'int16':
      return Float32Array.from(new Int16Array(...at(2), elements));
    case 'uint16':
      return Float32Array.from(new Uint16Array(...at(2), elements));
    case 'int32':
      return Float32Array.from(new Int32Array(...at(4), elements));
    case 'uint32':
      return Float32Array.from(new Uint32Array(...at(4), elements));
    case 'int64':
      return Float32Array.from(new BigInt64Array(...at(8), elements), Number);
    case 'uint64':
      return Float32Array.from(new BigUint64Array(...at(8), elements), Number);
    case 'int4':
    case 'uint4':
      return unpack(bytes, elements, 4, dtype === 'int4');
    case 'int2':
    case 'uint2':
      return unpack(bytes, elements, 2, dtype === 'int2');
    default:
      throw new StudioError(
        'UnsupportedDtypeError',
        `tensor '${name}': cannot read ${dtype} values as float32`,
      );
  }
}
