// The levels pass of the RTN kernel (see kernel-code.ts): same arithmetic as fused.ts's symmetricRun / uniformRun,
// element by element, so levels, packed bytes and error sums are bit-identical:
//   q  = min(max(nearest(v / s) + zp, qmin), qmax)  f32x4.div is fround(v / s) (a correctly rounded division, as
//        QuantizeLinear), f32x4.nearest rounds half to even; NaN stays NaN (the caller rejects the tensor)
//   dq = (q − zp) · s                               one float32 multiply of an exact integer: Math.fround((q − zp)·s)
//   e  = v − dq (float32), Σv², Σe², Σ|v|           the block rule of metrics/error.ts: element j of the tensor in
//                                                   lane j mod 4, float32 sums within a block of SUM_BLOCK elements,
//                                                   added to the float64 lane sums in acc at the block's end
//   max|e|                                          lane-wise (max is exact in any order), folded at the end
// The main loop takes 16 elements (4 vectors) a turn and narrows their levels to bytes / shorts at once; constants
// are loaded from memory once (a constant operand would be re-materialised inside the loop by V8).
// A run record (16 bytes): start (i32, element index in the chunk), length (i32), scale (f32), zero point (f32).
import { SUM_BLOCK } from '../../metrics/error';
import { F32, I32, V128, op, type Func, type Instr } from './wasm';
import { add, eachRun, get, HIGH_HALF, LOW_BYTES, LOW_SHORTS, set, times, whileFits } from './loops';

/** acc + OPEN_AT: the open block's float32 lane sums, as 12 float64 (metrics/error.ts OPEN). */
const OPEN_AT = 104;
/** acc + CONSTS: scratch for the float32 abs mask and 1.5·2^23 (kernel.ts leaves these 8 bytes free). */
const CONSTS = 208;
/** Even bytes of two vectors (the low byte of each int16 lane): one pack instruction on x64. */
const EVEN_BYTES = Array.from({ length: 16 }, (_, i) => 2 * i);
/** Lane i takes lane i + 1 (lane 0 goes to lane 3). */
const TURN = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3];
const QUARTER = [4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7];
const LOW_PAIRS = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

/**
 * quant8 / quant16(runs, nruns, inp, out, qmin, qmax, acc, base): levels of each run as int8 / int16 at out + start,
 * error sums carried in acc (metrics/error.ts LANES_LENGTH float64) from call to call. The records are contiguous;
 * the first element's index in the tensor is base + the first start (mod SUM_BLOCK). 4 elements of a vector go to 4
 * consecutive lanes, so the open block's sums are kept turned (lane 0 = the next element's); at a block's end the
 * next element's lane is 0, so they are in order there.
 * quantrow8 / quantrow16: the same where the group changes with every element (per-axis on the last axis, blocks on
 * an inner axis): the record holds addresses of float32 scales and zero points, one per element of the run.
 */
export function quant(width: 1 | 2, row = false, sym = false): Func {
  const [runs, nruns, inp, out, qmin, qmax, accp, base] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [p, end, o, seg, ph, cnt, sp, zpp] = [8, 9, 10, 11, 12, 13, 14, 15];
  const [s, zp, sv, sq, se, sm] = [16, 17, 18, 19, 20, 21];
  const [vs, vz, vlo, vhi, magic, mask, vmax, v, q, e] = [22, 23, 24, 25, 26, 27, 28, 29, 30, 31];
  const lv = [32, 33, 34, 35]; // integer levels of the 4 vectors of a turn
  const sums = [36, 37, 38]; // the open block's Σv², Σe², Σ|v| (float32 lanes, turned)
  const [pg, pn, pa] = sums;
  /** Rows: this element's (or 4 elements') scale and zero point, then the addresses move on. */
  const rowParams = (bytes: number, load: Instr, toS: number, toZ: number): Instr[] =>
    row ? [get(sp), load, set(toS), get(zpp), load, set(toZ), ...add(sp, bytes), ...add(zpp, bytes)] : [];
  const shift = width === 1 ? 0 : 1;
  const addTo = (acc: number, term: Instr[]): Instr[] => [get(acc), ...term, op.f32x4_add, set(acc)];
  /**
   * One vector at p + 16·k: its integer levels into local `level` (q + 1.5·2^23 holds the integer q in its low
   * mantissa bits, exact for |q| < 2^22; minus the same bits as an integer gives q), sums and max|e| updated.
   */
  const vector = (k: number, level: number): Instr[] => [
    ...rowParams(16, op.v128_load(), vs, vz),
    get(p),
    op.v128_load(16 * k),
    op.local_tee(v),
    get(vs),
    op.f32x4_div,
    op.f32x4_nearest,
    ...(sym ? [] : [get(vz), op.f32x4_add, get(vlo), op.f32x4_pmax, get(vhi), op.f32x4_pmin]),
    op.local_tee(q),
    get(magic),
    op.f32x4_add,
    get(magic),
    op.i32x4_sub,
    set(level),
    get(v),
    get(q),
    ...(sym ? [] : [get(vz), op.f32x4_sub]),
    get(vs),
    op.f32x4_mul,
    op.f32x4_sub,
    set(e),
    ...addTo(pg, [get(v), get(v), op.f32x4_mul]),
    ...addTo(pn, [get(e), get(e), op.f32x4_mul]),
    ...addTo(pa, [get(v), get(mask), op.v128_and]),
    // pmax(a, b) = a < b ? b : a, JS's `if (ae > max) max = ae`
    get(vmax),
    get(e),
    get(mask),
    op.v128_and,
    op.f32x4_pmax,
    set(vmax),
  ];
  /** 16 levels of a turn to out: int32 → int16 (exact: |q| < 2^15), then the low bytes for 8-bit containers. */
  const store16: Instr[] =
    width === 1
      ? [
          get(o),
          ...[get(lv[0]), get(lv[1]), op.i16x8_narrow_i32x4_s],
          ...[get(lv[2]), get(lv[3]), op.i16x8_narrow_i32x4_s],
          op.i8x16_shuffle(EVEN_BYTES),
          op.v128_store(),
        ]
      : [
          ...[get(o), get(lv[0]), get(lv[1]), op.i16x8_narrow_i32x4_s, op.v128_store()],
          ...[get(o), get(lv[2]), get(lv[3]), op.i16x8_narrow_i32x4_s, op.v128_store(16)],
        ];
  /** 4 levels of one vector: the low byte / two bytes of each int32 lane, two's complement. */
  const store4: Instr[] = [
    get(o),
    get(lv[0]),
    get(lv[0]),
    op.i8x16_shuffle(width === 1 ? LOW_BYTES : LOW_SHORTS),
    width === 1 ? op.v128_store32_lane(0) : op.v128_store64_lane(0),
  ];
  /** Lane 0 of a sum += a float32 (the scalar element's term). */
  const addLane0 = (acc: number, term: Instr[]): Instr[] => [
    get(acc),
    get(acc),
    op.f32x4_extract_lane(0),
    ...term,
    op.f32_add,
    op.f32x4_replace_lane(0),
    set(acc),
  ];
  const turn = sums.flatMap((l) => [get(l), get(l), op.i8x16_shuffle(TURN), set(l)]);
  /** Turn by one until local cnt is a multiple of 4 (cnt counts up). */
  const turnUntil4: Instr[] = [
    op.block,
    op.loop,
    get(cnt),
    op.i32_const(3),
    op.i32_and,
    op.i32_eqz,
    op.br_if(1),
    ...turn,
    ...add(cnt, 1),
    op.br(0),
    op.end,
    op.end,
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
    get(sq),
    ...(sym ? [] : [get(zp), op.f32_sub]),
    get(s),
    op.f32_mul,
    op.f32_sub,
    set(se),
    ...addLane0(pg, [get(sv), get(sv), op.f32_mul]),
    ...addLane0(pn, [get(se), get(se), op.f32_mul]),
    ...addLane0(pa, [get(sv), op.f32_abs]),
    ...turn,
    ...add(ph, 1),
    get(vmax),
    get(se),
    op.f32_abs,
    op.f32x4_splat,
    op.f32x4_pmax,
    set(vmax),
    ...add(p, 4),
    ...add(o, width),
  ];
  /** The element at p's index in its block: (base + (p − inp) / 4) mod SUM_BLOCK. */
  const inBlock: Instr[] = [
    get(p),
    get(inp),
    op.i32_sub,
    op.i32_const(2),
    op.i32_shr_u,
    get(base),
    op.i32_add,
    op.i32_const(SUM_BLOCK - 1),
    op.i32_and,
  ];
  /** The block ends (lanes in order): its float32 sums are added to the float64 lane sums at acc and restart. */
  const closeBlock: Instr[] = sums.flatMap((l, i) => [
    [...get(accp), ...get(accp), ...op.v128_load(32 * i), ...get(l), ...op.f64x2_promote_low_f32x4],
    [...op.f64x2_add, ...op.v128_store(32 * i)],
    [...get(accp), ...get(accp), ...op.v128_load(32 * i + 16), ...get(l), ...get(l)],
    [
      ...op.i8x16_shuffle(HIGH_HALF),
      ...op.f64x2_promote_low_f32x4,
      ...op.f64x2_add,
      ...op.v128_store(32 * i + 16),
    ],
    [...op.f32_const0, ...op.f32x4_splat, ...set(l)],
  ]);
  /** The run from p to end, segment by segment: up to the next block's start, or the run's end. */
  const segments: Instr[] = [
    op.block,
    op.loop,
    ...[get(p), op.i32_const(4), op.i32_add, get(end), op.i32_gt_u, op.br_if(1)],
    ...[op.i32_const(SUM_BLOCK), ...inBlock, op.i32_sub, op.i32_const(2), op.i32_shl, get(p), op.i32_add],
    ...[op.local_tee(seg), get(end), get(seg), get(end), op.i32_lt_u, op.select, set(seg)],
    ...whileFits(p, 64, seg, [
      ...[0, 1, 2, 3].flatMap((k) => vector(k, lv[k])),
      ...store16,
      ...add(p, 64),
      ...add(o, 16 * width),
    ]),
    ...whileFits(p, 16, seg, [...vector(0, lv[0]), ...store4, ...add(p, 16), ...add(o, 4 * width)]),
    ...whileFits(p, 4, seg, scalar),
    ...inBlock,
    op.i32_eqz,
    op.if,
    ...closeBlock,
    op.end,
    op.br(0),
    op.end,
    op.end,
  ];
  const splat = (from: Instr[], to: number): Instr[] => [...from, op.f32x4_splat, set(to)];
  /** The open sums from acc (float64 → float32, exact: they hold float32 values), and back. */
  const loadOpen = sums.flatMap((l, i) => [
    [...get(accp), ...op.v128_load(OPEN_AT + 32 * i), ...op.f32x4_demote_f64x2_zero],
    [...get(accp), ...op.v128_load(OPEN_AT + 32 * i + 16), ...op.f32x4_demote_f64x2_zero],
    op.i8x16_shuffle(LOW_PAIRS),
    set(l),
  ]);
  const storeOpen = sums.flatMap((l, i) => [
    [...get(accp), ...get(l), ...op.f64x2_promote_low_f32x4, ...op.v128_store(OPEN_AT + 32 * i)],
    [...get(accp), ...get(l), ...get(l), ...op.i8x16_shuffle(HIGH_HALF), ...op.f64x2_promote_low_f32x4],
    op.v128_store(OPEN_AT + 32 * i + 16),
  ]);
  const fold = (lanes: number[]): Instr[] => [get(vmax), get(vmax), get(vmax), op.i8x16_shuffle(lanes)];
  return {
    name: `quant${row ? 'row' : ''}${sym ? 'sym' : ''}${width * 8}`,
    params: [I32, I32, I32, I32, F32, F32, I32, I32],
    // p end o seg ph cnt sp zpp | s zp sv sq se sm | vs … e | lv0–3 | pg pn pa
    locals: [...times(8, I32), ...times(6, F32), ...times(10, V128), ...times(4, V128), ...times(3, V128)],
    body: [
      ...loadOpen,
      [...get(accp), ...op.f64_load(96), ...op.f32_demote_f64, ...op.f32x4_splat],
      set(vmax),
      // constants through memory: a load is not re-materialised in the loop, as a constant would be
      [...get(accp), ...op.i32_const(0x7fffffff), ...op.i32_store(CONSTS)],
      [...get(accp), ...op.f32_const(1.5 * 2 ** 23), ...op.f32_store(CONSTS + 4)],
      [...get(accp), ...op.v128_load32_splat(CONSTS)],
      set(mask),
      [...get(accp), ...op.v128_load32_splat(CONSTS + 4)],
      set(magic),
      // the first element's lane: base + the first record's start (mod 4)
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
        ...segments,
      ]),
      // back to lane i = element index mod 4 (runs are contiguous: ph is the next element's lane)
      get(ph),
      set(cnt),
      ...turnUntil4,
      ...storeOpen,
      // max|e|: lanes hold +0 or more and never NaN, their max is exact in any order
      ...fold(HIGH_HALF),
      op.f32x4_pmax,
      set(vmax),
      ...fold(QUARTER),
      op.f32x4_pmax,
      op.f32x4_extract_lane(0),
      set(sm),
      get(accp),
      get(sm),
      op.f64_promote_f32,
      op.f64_store(96),
    ],
  };
}
