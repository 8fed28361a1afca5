// The RTN kernel as WebAssembly SIMD128, written with wasm.ts. Same arithmetic as fused.ts's symmetricRun /
// uniformRun, element by element, so levels, packed bytes and error sums are bit-identical:
//   q  = min(max(nearest(v / s) + zp, qmin), qmax)  f32x4.div is fround(v / s) (a correctly rounded division, as
//        QuantizeLinear), f32x4.nearest rounds half to even; NaN stays NaN and truncates to level 0 (as `lv[j] = NaN`)
//   dq = (q − zp) · s                               one float32 multiply of an exact integer: Math.fround((q − zp)·s)
//   e  = v − dq, Σv², Σe², Σ|v| in float64          four lane sums each (laneSums in metrics/error.ts): element j
//                                                   of the tensor goes to lane j mod 4, in element order per lane
//   max|e|                                          lane-wise (max is exact in any order), folded at the end
// A run record (16 bytes): start (i32, element index in the chunk), length (i32), scale (f32), zero point (f32).
import { F32, F64, I32, V128, op, type Func, type Instr } from './wasm';
import {
  add,
  eachRun,
  get,
  HIGH_HALF,
  keepMax,
  LOW_BYTES,
  LOW_SHORTS,
  NEXT_PAIR,
  set,
  times,
  whileFits,
} from './loops';
import { absmax, absmaxRow, extremes, extremesRow } from './range-code';

/**
 * quant8 / quant16(runs, nruns, inp, out, qmin, qmax, acc, base): levels of each run as int8 / int16 at out + start,
 * error sums carried in acc (13 float64: lanes 0–3 of Σv², of Σe², of Σ|v|, then max|e|) from call to call. The
 * records are contiguous, the first element's tensor index is base + the first start (mod 4): 4 elements of a
 * vector go to 4 consecutive lanes, so the sums are kept turned (lane 0 = the next element's) and turned back at
 * the end.
 * quantrow8 / quantrow16: the same where the group changes with every element (per-axis on the last axis, blocks on
 * an inner axis): the record holds addresses of float32 scales and zero points, one per element of the run.
 */
function quant(width: 1 | 2, row = false, sym = false): Func {
  const [runs, nruns, inp, out, qmin, qmax, accp, base] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [p, end, o, vs, vz, vlo, vhi, v, q, x, e, t, vmax, d] = [
    8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
  ];
  const [s, zp, sv, sq, sx, se, magic, sp, zpp] = [22, 23, 24, 25, 26, 27, 28, 29, 30];
  // Lane sums: lanes 0, 1 (…A) and 2, 3 (…B) of Σv², Σe², Σ|v|, turned so that lane 0 is the next element's
  const [gA, gB, nA, nB, aA, aB, ph, cnt] = [31, 32, 33, 34, 35, 36, 37, 38];
  /** Rows: this element's (or 4 elements') scale and zero point, then the addresses move on. */
  const rowParams = (bytes: number, load: Instr, toS: number, toZ: number): Instr[] =>
    row ? [get(sp), load, set(toS), get(zpp), load, set(toZ), ...add(sp, bytes), ...add(zpp, bytes)] : [];
  const shift = width === 1 ? 0 : 1;
  const addTo = (acc: number, vec: Instr[]): Instr[] => [get(acc), ...vec, op.f64x2_add, set(acc)];
  /** Sums of elements x (float64 pair) with errors e (float64 pair) into lanes 0, 1 (A) or 2, 3 (B). */
  const accumulate = (high: boolean): Instr[] => [
    ...addTo(high ? gB : gA, [get(x), get(x), op.f64x2_mul]),
    ...addTo(high ? nB : nA, [get(e), get(e), op.f64x2_mul]),
    ...addTo(high ? aB : aA, [get(x), op.f64x2_abs]),
    get(vmax),
    get(e),
    op.f64x2_abs,
    op.f64x2_pmax,
    set(vmax),
  ];
  /** Lane 0 of a pair += a float64 (the scalar element's term). */
  const addLane0 = (acc: number, term: Instr[]): Instr[] => [
    get(acc),
    get(acc),
    op.f64x2_extract_lane(0),
    ...term,
    op.f64_add,
    op.f64x2_replace_lane(0),
    set(acc),
  ];
  /** Turn the lanes by one: lane i takes lane i + 1's sum (lane 0's goes to lane 3). */
  const turnPair = (a: number, b: number): Instr[] => [
    get(a),
    get(b),
    op.i8x16_shuffle(NEXT_PAIR),
    get(b),
    get(a),
    op.i8x16_shuffle(NEXT_PAIR),
    set(b),
    set(a),
  ];
  /** Turn by one until local cnt is a multiple of 4 (cnt counts up). */
  const turnUntil4: Instr[] = [
    op.block,
    op.loop,
    get(cnt),
    op.i32_const(3),
    op.i32_and,
    op.i32_eqz,
    op.br_if(1),
    ...turnPair(gA, gB),
    ...turnPair(nA, nB),
    ...turnPair(aA, aB),
    ...add(cnt, 1),
    op.br(0),
    op.end,
    op.end,
  ];
  /** x, e of one float64 pair: lanes 0, 1 of v and dq, or (high) lanes 2, 3 moved down first. */
  const pair = (high: boolean): Instr[] => {
    const half = (vec: number) => (high ? [get(vec), get(vec), op.i8x16_shuffle(HIGH_HALF)] : [get(vec)]);
    return [
      ...half(v),
      op.f64x2_promote_low_f32x4,
      op.local_tee(x),
      ...half(d),
      op.f64x2_promote_low_f32x4,
      op.f64x2_sub,
      set(e),
      ...accumulate(high),
    ];
  };
  const vector: Instr[] = [
    ...rowParams(16, op.v128_load(), vs, vz),
    get(p),
    op.v128_load(),
    op.local_tee(v),
    get(vs),
    op.f32x4_div,
    op.f32x4_nearest,
    ...(sym ? [] : [get(vz), op.f32x4_add, get(vlo), op.f32x4_pmax, get(vhi), op.f32x4_pmin]),
    op.local_tee(q),
    // levels: q + 1.5·2^23 holds the integer q in its low mantissa bits (exact for |q| < 2^22; q is clamped), so the
    // low byte (int8 / uint8 two's complement) or two bytes of each lane are the level; stored as 4 or 8 bytes
    get(magic),
    op.f32x4_add,
    op.local_tee(t),
    get(t),
    op.i8x16_shuffle(width === 1 ? LOW_BYTES : LOW_SHORTS),
    set(t),
    get(o),
    get(t),
    width === 1 ? op.v128_store32_lane(0) : op.v128_store64_lane(0),
    get(q),
    ...(sym ? [] : [get(vz), op.f32x4_sub]),
    get(vs),
    op.f32x4_mul,
    set(d),
    ...pair(false),
    ...pair(true),
  ];
  const scalar: Instr[] = [
    ...rowParams(4, op.f32_load(), s, zp),
    get(p),
    op.f32_load(),
    op.local_tee(sv),
    get(s),
    op.f32_div,
    op.f32_nearest,
    ...(sym ? [] : [get(zp), op.f32_add, get(qmin), op.f32_max, get(qmax), op.f32_min]),
    set(sq),
    get(o),
    get(sq),
    op.i32_trunc_sat_f32_s,
    width === 1 ? op.i32_store8() : op.i32_store16(),
    get(sv),
    op.f64_promote_f32,
    op.local_tee(sx),
    get(sq),
    ...(sym ? [] : [get(zp), op.f32_sub]),
    get(s),
    op.f32_mul,
    op.f64_promote_f32,
    op.f64_sub,
    set(se),
    ...addLane0(gA, [get(sx), get(sx), op.f64_mul]),
    ...addLane0(nA, [get(se), get(se), op.f64_mul]),
    ...addLane0(aA, [get(sx), op.f64_abs]),
    ...turnPair(gA, gB),
    ...turnPair(nA, nB),
    ...turnPair(aA, aB),
    ...add(ph, 1),
    get(vmax),
    get(se),
    op.f64_abs,
    op.f64x2_splat,
    op.f64x2_pmax,
    set(vmax),
    ...add(p, 4),
    ...add(o, width),
  ];
  const splat = (from: Instr[], to: number): Instr[] => [...from, op.f32x4_splat, set(to)];
  return {
    name: `quant${row ? 'row' : ''}${sym ? 'sym' : ''}${width * 8}`,
    params: [I32, I32, I32, I32, F32, F32, I32, I32],
    // p end o | vs vz vlo vhi v q x e t vmax d | s zp sv sq | sx se | magic | sp zpp | gA gB nA nB aA aB | ph cnt
    locals: [
      I32,
      I32,
      I32,
      ...times(11, V128),
      F32,
      F32,
      F32,
      F32,
      F64,
      F64,
      V128,
      I32,
      I32,
      ...times(6, V128),
      I32,
      I32,
    ],
    body: [
      ...[gA, gB, nA, nB, aA, aB].flatMap((l, i) => [[...get(accp), ...op.v128_load(16 * i)], set(l)]),
      [...get(accp), ...op.f64_load(96), ...op.f64x2_splat],
      set(vmax),
      // the first element's lane: base (the chunk's first element index, mod 4) + the first record's start
      get(base),
      [...get(runs), ...op.i32_load(0)],
      op.i32_add,
      op.i32_const(3),
      op.i32_and,
      set(ph),
      op.i32_const(0),
      get(ph),
      op.i32_sub,
      set(cnt),
      ...turnUntil4,
      ...splat([get(qmin)], vlo),
      ...splat([get(qmax)], vhi),
      ...splat([op.f32_const(1.5 * 2 ** 23)], magic),
      ...eachRun(runs, nruns, [
        ...(row
          ? [[...get(runs), ...op.i32_load(8)], set(sp), [...get(runs), ...op.i32_load(12)], set(zpp)]
          : [
              [...get(runs), ...op.f32_load(8)],
              op.local_tee(s),
              op.f32x4_splat,
              set(vs),
              [...get(runs), ...op.f32_load(12)],
              op.local_tee(zp),
              op.f32x4_splat,
              set(vz),
            ]),
        [...get(runs), ...op.i32_load(0)],
        op.local_tee(o),
        op.i32_const(2),
        op.i32_shl,
        get(inp),
        op.i32_add,
        op.local_tee(p),
        get(runs),
        op.i32_load(4),
        op.i32_const(2),
        op.i32_shl,
        op.i32_add,
        set(end),
        get(o),
        op.i32_const(shift),
        op.i32_shl,
        get(out),
        op.i32_add,
        set(o),
        ...whileFits(p, 16, end, [...vector, ...add(p, 16), ...add(o, 4 * width)]),
        ...whileFits(p, 4, end, scalar),
      ]),
      // back to lane i = element index mod 4 (runs are contiguous: ph is the next element's lane)
      get(ph),
      set(cnt),
      ...turnUntil4,
      ...[gA, gB, nA, nB, aA, aB].flatMap((l, i) => [get(accp), get(l), op.v128_store(16 * i)]),
      get(vmax),
      op.f64x2_extract_lane(0),
      set(sx),
      get(accp),
      ...keepMax(sx, [get(vmax), op.f64x2_extract_lane(1)]),
      get(sx),
      op.f64_store(96),
    ],
  };
}

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
];
