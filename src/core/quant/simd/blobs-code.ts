// MatMulNBits blobs from a step of rows' int8 levels in the kernel's memory (nbits-fused.ts): B is [N][K · bits / 8]
// — each column's levels down K, `8 / bits` rows a byte, lowest row in the lowest bits, stored as level + 2^(bits−1)
// (matmulnbits.ts packMatMulNBits). Levels lie [rows][N], so a column's bytes are a strided gather; 16 columns at a
// time it is a 16×16 byte transpose instead: 16 vectors, each one byte of the 16 columns' blobs (the rows of that byte
// combined lane-wise), then 4 rounds of interleaving vector i with vector i + 8 leave vector i = column i's 16 bytes.
import { I32, V128, op, type Func, type Instr } from './wasm';
import { add, get, set, times, whileFits } from './loops';

const LOW = [0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23];
const HIGH = LOW.map((i) => i + 8);

/**
 * blobs8 / blobs4 / blobs2(src, n, units, dst, row): levels [units · 16 · 8/bits rows][n] int8 at src (n a multiple
 * of 16) → for each column c, 16 bytes per unit at dst + c · row + 16 · unit. The offset 2^(bits−1) is added to every
 * field at once: (level + 2^(bits−1)) mod 2^bits is level's low bits with the top one flipped.
 */
export function blobs(bits: 8 | 4 | 2): Func {
  const [src, n, units, dst, row] = [0, 1, 2, 3, 4];
  const [c, u, a, q, qc] = [5, 6, 7, 8, 9];
  const x = Array.from({ length: 16 }, (_, i) => 10 + i);
  const t = Array.from({ length: 16 }, (_, i) => 26 + i);
  const [fieldMask, flip] = [42, 43];
  const per = 8 / bits; // rows per byte
  /** The level row at local a, then a moves to the next row. */
  const nextRow: Instr[] = [get(a), op.v128_load(), get(a), get(n), op.i32_add, set(a)];
  /** One byte of 16 columns: `per` rows, row f's low bits shifted to f · bits. */
  const byte = (to: number): Instr[] => {
    const body: Instr[] = [];
    for (let f = 0; f < per; f++) {
      body.push(...nextRow);
      if (f < per - 1 && per > 1) body.push(get(fieldMask), op.v128_and); // the last field's high bits shift out
      if (f > 0) body.push(op.i32_const(f * bits), op.i8x16_shl, op.v128_or);
    }
    return [...body, set(to)];
  };
  const round = (from: number[], to: number[]): Instr[] =>
    Array.from({ length: 8 }, (_, i) => [
      get(from[i]),
      get(from[i + 8]),
      op.i8x16_shuffle(LOW),
      set(to[2 * i]),
      get(from[i]),
      get(from[i + 8]),
      op.i8x16_shuffle(HIGH),
      set(to[2 * i + 1]),
    ]).flat();
  const unit: Instr[] = [
    ...x.map(byte).flat(),
    ...round(x, t),
    ...round(t, x),
    ...round(x, t),
    ...round(t, x),
    // column c + i's 16 bytes at q, then q moves to the next column
    ...x
      .map((v): Instr[] => [
        get(q),
        get(v),
        get(flip),
        op.v128_xor,
        op.v128_store(),
        get(q),
        get(row),
        op.i32_add,
        set(q),
      ])
      .flat(),
  ];
  return {
    name: `blobs${bits}`,
    params: times(5, I32),
    locals: [...times(5, I32), ...times(34, V128)],
    body: [
      op.i32_const((1 << bits) - 1),
      op.i8x16_splat,
      set(fieldMask),
      op.i32_const(bits === 8 ? 0x80 : bits === 4 ? 0x88 : 0xaa),
      op.i8x16_splat,
      set(flip),
      op.i32_const(0),
      set(c),
      get(dst),
      set(qc),
      ...whileFits(c, 16, n, [
        get(src),
        get(c),
        op.i32_add,
        set(a),
        op.i32_const(0),
        set(u),
        ...whileFits(u, 1, units, [
          get(qc),
          get(u),
          op.i32_const(4),
          op.i32_shl,
          op.i32_add,
          set(q),
          ...unit,
          ...add(u, 1),
        ]),
        ...add(c, 16),
        get(qc),
        get(row),
        op.i32_const(4),
        op.i32_shl,
        op.i32_add,
        set(qc),
      ]),
    ],
  };
}
