// A tiny WebAssembly binary writer: just what the RTN kernel (kernel-code.ts) needs. Function bodies are written as
// arrays of instructions named like the text format (`op.f32x4_div`, `[op.local_get, x]`); this file turns them into
// the bytes of one module with one memory. No build step and no compiler dependency: the module is built from this
// readable source when it is first needed (a few hundred bytes, microseconds), in Node, workers and the CLI bundle.
// Opcodes: https://webassembly.github.io/spec/core/binary/instructions.html (SIMD: the 0xfd prefix).

export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

const simd = (code: number) => [0xfd, ...uleb(code)];
/** memarg: alignment exponent 0 (any address) and offset. */
const mem = (offset = 0) => [0, ...uleb(offset)];

/** Instructions; those taking an immediate are functions. */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  else: [0x05],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  br_if: (depth: number) => [0x0d, ...uleb(depth)],
  select: [0x1b],
  local_get: (i: number) => [0x20, ...uleb(i)],
  local_set: (i: number) => [0x21, ...uleb(i)],
  local_tee: (i: number) => [0x22, ...uleb(i)],
  i32_load: (o = 0) => [0x28, ...mem(o)],
  f32_load: (o = 0) => [0x2a, ...mem(o)],
  f64_load: (o = 0) => [0x2b, ...mem(o)],
  i32_store: (o = 0) => [0x36, ...mem(o)],
  f32_store: (o = 0) => [0x38, ...mem(o)],
  f64_store: (o = 0) => [0x39, ...mem(o)],
  i32_store8: (o = 0) => [0x3a, ...mem(o)],
  i32_store16: (o = 0) => [0x3b, ...mem(o)],
  i32_load8_u: (o = 0) => [0x2d, ...mem(o)],
  i32_load16_u: (o = 0) => [0x2f, ...mem(o)],
  i32_const: (n: number) => [0x41, ...sleb(n)],
  f32_const0: [0x43, 0, 0, 0, 0],
  f32_const: (x: number) => [0x43, ...new Uint8Array(new Float32Array([x]).buffer)],
  i32_eqz: [0x45],
  i32_lt_u: [0x49],
  i32_gt_u: [0x4b],
  i32_le_u: [0x4d],
  i32_add: [0x6a],
  i32_sub: [0x6b],
  i32_and: [0x71],
  i32_or: [0x72],
  i32_shl: [0x74],
  i32_shr_u: [0x76],
  f32_eq: [0x5b],
  f32_lt: [0x5d],
  f32_gt: [0x5e],
  f64_gt: [0x64],
  f32_abs: [0x8b],
  f32_nearest: [0x90],
  f32_add: [0x92],
  f32_sub: [0x93],
  f32_mul: [0x94],
  f32_div: [0x95],
  f32_min: [0x96],
  f32_max: [0x97],
  f64_abs: [0x99],
  f64_add: [0xa0],
  f64_sub: [0xa1],
  f64_mul: [0xa2],
  f32_demote_f64: [0xb6],
  f64_promote_f32: [0xbb],
  i32_trunc_sat_f32_s: [0xfc, 0x00],
  // SIMD
  v128_load: (o = 0) => [...simd(0x00), ...mem(o)],
  v128_load32_splat: (o = 0) => [...simd(0x09), ...mem(o)],
  v128_load64_splat: (o = 0) => [...simd(0x0a), ...mem(o)],
  v128_store: (o = 0) => [...simd(0x0b), ...mem(o)],
  i8x16_shuffle: (lanes: number[]) => [...simd(0x0d), ...lanes],
  i8x16_splat: simd(0x0f),
  i16x8_splat: simd(0x10),
  f32x4_splat: simd(0x13),
  f64x2_splat: simd(0x14),
  f32x4_extract_lane: (l: number) => [...simd(0x1f), l],
  f32x4_replace_lane: (l: number) => [...simd(0x20), l],
  f64x2_extract_lane: (l: number) => [...simd(0x21), l],
  f64x2_replace_lane: (l: number) => [...simd(0x22), l],
  v128_and: simd(0x4e),
  v128_or: simd(0x50),
  v128_xor: simd(0x51),
  v128_store32_lane: (l: number, o = 0) => [...simd(0x5a), ...mem(o), l],
  v128_store64_lane: (l: number, o = 0) => [...simd(0x5b), ...mem(o), l],
  f32x4_demote_f64x2_zero: simd(0x5e),
  f64x2_promote_low_f32x4: simd(0x5f),
  i8x16_narrow_i16x8_s: simd(0x65),
  i8x16_narrow_i16x8_u: simd(0x66),
  f32x4_nearest: simd(0x6a),
  i8x16_shl: simd(0x6b),
  i16x8_narrow_i32x4_s: simd(0x85),
  i16x8_shr_u: simd(0x8d),
  i32x4_sub: simd(0xb1),
  f32x4_abs: simd(0xe0),
  f32x4_add: simd(0xe4),
  f32x4_sub: simd(0xe5),
  f32x4_mul: simd(0xe6),
  f32x4_div: simd(0xe7),
  f32x4_min: simd(0xe8),
  f32x4_max: simd(0xe9),
  f32x4_pmin: simd(0xea),
  f32x4_pmax: simd(0xeb),
  f64x2_abs: simd(0xec),
  f64x2_add: simd(0xf0),
  f64x2_sub: simd(0xf1),
  f64x2_mul: simd(0xf2),
  f64x2_pmax: simd(0xf7),
  i32x4_trunc_sat_f32x4_s: simd(0xf8),
} as const;

export type Instr = readonly number[];

export interface Func {
  name: string;
  params: ValType[];
  /** Local declarations after the params, in index order. */
  locals: ValType[];
  body: Instr[];
}

const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
const name = (s: string) => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
const subsection = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];

/** A module exporting `memory` (`pages` of 64 KiB, growable) and the functions (no results). */
export function moduleBytes(funcs: Func[], pages: number): Uint8Array {
  const types = funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), 0]);
  const code = funcs.map((f) => {
    const locals = vec(f.locals.map((t) => [1, t]));
    const body = [...locals, ...f.body.flat(), ...op.end];
    return [...uleb(body.length), ...body];
  });
  const exports = [[...name('memory'), 0x02, 0], ...funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(5, vec([[0x00, ...uleb(pages)]])),
    ...section(7, vec(exports)),
    ...section(10, vec(code)),
    // The name section: CPU profiles (node --cpu-prof, DevTools) show `quantrowsym8`, not `wasm-function[11]`.
    ...section(0, [
      ...name('name'),
      ...subsection(1, vec(funcs.map((f, i) => [...uleb(i), ...name(f.name)]))),
    ]),
  ]);
}
