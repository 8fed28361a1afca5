// The RTN kernel as WebAssembly SIMD128, written with wasm.ts: the range pass (range-code.ts, rows-range-code.ts),
// the levels pass with the error sums (levels-code.ts), sub-byte packing (here) and MatMulNBits blobs (blobs-code.ts).
import { I32, V128, op, type Func, type Instr } from './wasm';
import { add, get, set, whileFits } from './loops';
import { quant } from './levels-code';
import { absmax, extremes } from './range-code';
import { absmaxRow, extremesRow } from './rows-range-code';
import { blobs } from './blobs-code';

/** pack4(src, dst, dend): int8 levels → 4-bit pairs, low nibble first (packLevels), 32 levels per 16 bytes. */
function pack4(): Func {
  const [src, dst, dend, a, lowNibbles, lowBytes] = [0, 1, 2, 3, 4, 5];
  // An int16 lane holds levels 2k (low byte) and 2k+1: (lo & 15) | (hi & 15) << 4 in its low byte.
  const pairs = (offset: number): Instr[] => [
    get(src),
    op.v128_load(offset),
    get(lowNibbles),
    op.v128_and,
    op.local_tee(a),
    get(a),
    op.i32_const(4),
    op.i16x8_shr_u,
    op.v128_or,
    get(lowBytes),
    op.v128_and,
  ];
  return {
    name: 'pack4',
    params: [I32, I32, I32],
    locals: [V128, V128, V128],
    body: [
      op.i32_const(0x0f0f),
      op.i16x8_splat,
      set(lowNibbles),
      op.i32_const(0x00ff),
      op.i16x8_splat,
      set(lowBytes),
      ...whileFits(dst, 16, dend, [
        get(dst),
        ...pairs(0),
        ...pairs(16),
        op.i8x16_narrow_i16x8_u,
        op.v128_store(),
        ...add(src, 32),
        ...add(dst, 16),
      ]),
    ],
  };
}

/** pack2(src, dst, dend): int8 levels → 2-bit crumbs, lowest first, 4 levels (one int32) per byte. */
function pack2(): Func {
  const [src, dst, dend, x] = [0, 1, 2, 3];
  const crumb = (shift: number, mask: number): Instr[] => [
    get(x),
    op.i32_const(shift),
    op.i32_shr_u,
    op.i32_const(mask),
    op.i32_and,
  ];
  return {
    name: 'pack2',
    params: [I32, I32, I32],
    locals: [I32],
    body: whileFits(dst, 1, dend, [
      get(dst),
      get(src),
      op.i32_load(),
      set(x),
      ...crumb(0, 0x03),
      ...crumb(6, 0x0c),
      op.i32_or,
      ...crumb(12, 0x30),
      op.i32_or,
      ...crumb(18, 0xc0),
      op.i32_or,
      op.i32_store8(),
      ...add(src, 4),
      ...add(dst, 1),
    ]),
  };
}

export const kernelFuncs = (): Func[] => [
  absmax(false),
  absmax(true),
  absmaxRow(),
  extremes(),
  extremesRow(),
  quant(1),
  quant(2),
  quant(1, true),
  quant(2, true),
  quant(1, false, true),
  quant(2, false, true),
  quant(1, true, true),
  quant(2, true, true),
  pack4(),
  pack2(),
  blobs(8),
  blobs(4),
  blobs(2),
];
