// Loop shapes shared by the kernel's functions (kernel-code.ts, range-code.ts, rows-range-code.ts), over wasm.ts's
// instructions.
import { op, type Instr, type ValType } from './wasm';

export const { local_get: get, local_set: set } = op;

/** `while (local[a] + bytes <= local[b]) { body }`: the body advances local[a]. */
export const whileFits = (a: number, bytes: number, b: number, body: Instr[]): Instr[] => [
  op.block,
  op.loop,
  get(a),
  op.i32_const(bytes),
  op.i32_add,
  get(b),
  op.i32_gt_u,
  op.br_if(1),
  ...body,
  op.br(0),
  op.end,
  op.end,
];

/** for each of `nruns` records from `rec` on: body, then the next record. */
export const eachRun = (rec: number, nruns: number, body: Instr[]): Instr[] => [
  op.block,
  op.loop,
  get(nruns),
  op.i32_eqz,
  op.br_if(1),
  ...body,
  get(rec),
  op.i32_const(16),
  op.i32_add,
  set(rec),
  get(nruns),
  op.i32_const(1),
  op.i32_sub,
  set(nruns),
  op.br(0),
  op.end,
  op.end,
];

export const times = (n: number, t: ValType): ValType[] => Array<ValType>(n).fill(t);
export const add = (i: number, by: number): Instr[] => [get(i), op.i32_const(by), op.i32_add, set(i)];
/** local[x] = (local[y] > local[x]) ? local[y] : local[x]  — JS's `if (y > x) x = y` (NaN never wins). */
export const keepMax = (x: number, y: Instr[]): Instr[] => [
  ...y,
  get(x),
  ...y,
  get(x),
  op.f64_gt,
  op.select,
  set(x),
];
export const LOW_BYTES = [0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12];
export const LOW_SHORTS = [0, 1, 4, 5, 8, 9, 12, 13, 0, 1, 4, 5, 8, 9, 12, 13];
export const HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
/** Of two float64 pairs (a, b): a's high lane, then b's low lane. */
export const NEXT_PAIR = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23];
