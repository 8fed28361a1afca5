// The range pass of the RTN kernel (see kernel-code.ts) for the `runs` and `one pass` paths (plan.ts): max|v| or min
// and max per run. The `rows` path's (the group changes with every element) is in rows-range-code.ts.
import { F32, I32, V128, op, type Func, type Instr } from './wasm';
import { add, eachRun, get, HIGH_HALF, set, whileFits } from './loops';

/**
 * absmax(runs, nruns, inp): max|v| of each run (NaN skipped, as absMaxUnchecked) into the record's scale slot.
 * symscales(runs, nruns, inp, qmax, sout): the symmetric scale of that max instead (range.ts symmetricScale:
 * 1 for 0, else max(fround(max / qmax), 2^-126); f32.div of float32 operands is that fround), zero point 0, and the
 * scales one after the other at sout.
 */
export function absmax(scales: boolean): Func {
  const [runs, nruns, inp, qmax, sout] = [0, 1, 2, 3, 4];
  const P = scales ? 5 : 3;
  const [p, end, acc, m, a] = [P, P + 1, P + 2, P + 3, P + 4];
  /** m = a > m ? a : m (JS's `if (a > mx) mx = a`: NaN never wins). */
  const keep: Instr[] = [get(a), get(m), get(a), get(m), op.f32_gt, op.select, set(m)];
  /** acc = pmax(acc, acc's lanes moved down): after the high half then lane 1, lane 0 is the max of the four. */
  const fold = (lanes: number[]): Instr[] => [
    get(acc),
    get(acc),
    get(acc),
    op.i8x16_shuffle(lanes),
    op.f32x4_pmax,
    set(acc),
  ];
  const scale: Instr[] = [
    get(runs),
    op.f32_const(1),
    get(m),
    get(qmax),
    op.f32_div,
    op.f32_const(2 ** -126),
    op.f32_max,
    get(m),
    op.f32_const0,
    op.f32_eq,
    op.select,
    op.local_tee(a),
    op.f32_store(8),
    get(runs),
    op.f32_const0,
    op.f32_store(12),
    get(sout),
    get(a),
    op.f32_store(),
    ...add(sout, 4),
  ];
  return {
    name: scales ? 'symscales' : 'absmax',
    params: scales ? [I32, I32, I32, F32, I32] : [I32, I32, I32],
    locals: [I32, I32, V128, F32, F32],
    body: eachRun(runs, nruns, [
      [...get(inp), ...get(runs), ...op.i32_load(0), ...op.i32_const(2), ...op.i32_shl, ...op.i32_add],
      op.local_tee(p),
      get(runs),
      op.i32_load(4),
      op.i32_const(2),
      op.i32_shl,
      op.i32_add,
      set(end),
      op.f32_const0,
      op.f32x4_splat,
      set(acc),
      // pmax(acc, |v|) = acc < |v| ? |v| : acc, JS's `if (a > mx) mx = a` per lane
      ...whileFits(p, 16, end, [
        get(acc),
        get(p),
        op.v128_load(),
        op.f32x4_abs,
        op.f32x4_pmax,
        set(acc),
        ...add(p, 16),
      ]),
      // lanes hold +0 or more and never NaN: their max is exact in any order
      ...fold(HIGH_HALF),
      ...fold([4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7]),
      get(acc),
      op.f32x4_extract_lane(0),
      set(m),
      ...whileFits(p, 4, end, [get(p), op.f32_load(), op.f32_abs, set(a), ...keep, ...add(p, 4)]),
      ...(scales ? scale : [get(runs), get(m), op.f32_store(8)]),
    ]),
  };
}

/**
 * extremes(runs, nruns, inp, badp): min and max of each run into the record's +8 / +12 (NaN skipped, as
 * runExtremes' `v < mn` / `v > mx`; +Inf / −Inf for an empty run), and Σ(v − v) over all runs at badp: 0 exactly
 * when every value is finite. Lanes hold no NaN, so their min / max is exact in any order (the sign of a zero may
 * differ from the sequential loop's; asymmetricParams gives the same grid for either).
 */
export function extremes(): Func {
  const [runs, nruns, inp, badp, p, end, mn, mx, bad, v, a, b] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const fold = (acc: number, pick: Instr, lanes: number[]): Instr[] => [
    get(acc),
    get(acc),
    get(acc),
    op.i8x16_shuffle(lanes),
    pick,
    set(acc),
  ];
  const QUARTER = [4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7];
  return {
    name: 'extremes',
    params: [I32, I32, I32, I32],
    locals: [I32, I32, V128, V128, V128, V128, F32, F32],
    body: [
      op.f32_const0,
      op.f32x4_splat,
      set(bad),
      ...eachRun(runs, nruns, [
        [...get(inp), ...get(runs), ...op.i32_load(0), ...op.i32_const(2), ...op.i32_shl, ...op.i32_add],
        op.local_tee(p),
        get(runs),
        op.i32_load(4),
        op.i32_const(2),
        op.i32_shl,
        op.i32_add,
        set(end),
        op.f32_const(Infinity),
        op.f32x4_splat,
        set(mn),
        op.f32_const(-Infinity),
        op.f32x4_splat,
        set(mx),
        ...whileFits(p, 16, end, [
          get(p),
          op.v128_load(),
          op.local_tee(v),
          get(mn),
          get(v),
          op.f32x4_pmin, // v < mn ? v : mn
          set(mn),
          get(mx),
          get(v),
          op.f32x4_pmax, // mx < v ? v : mx
          set(mx),
          get(bad),
          get(v),
          get(v),
          op.f32x4_sub,
          op.f32x4_add,
          set(bad),
          ...add(p, 16),
        ]),
        ...fold(mn, op.f32x4_pmin, HIGH_HALF),
        ...fold(mn, op.f32x4_pmin, QUARTER),
        ...fold(mx, op.f32x4_pmax, HIGH_HALF),
        ...fold(mx, op.f32x4_pmax, QUARTER),
        get(mn),
        op.f32x4_extract_lane(0),
        set(b), // b: the run's min so far
        get(mx),
        op.f32x4_extract_lane(0),
        set(a),
        get(runs),
        get(a),
        op.f32_store(12), // max of the vector part; the tail below updates it in memory
        ...whileFits(p, 4, end, [
          get(p),
          op.f32_load(),
          set(a),
          get(a),
          get(b),
          get(a),
          get(b),
          op.f32_lt,
          op.select,
          set(b),
          get(runs),
          get(a),
          get(runs),
          op.f32_load(12),
          get(a),
          get(runs),
          op.f32_load(12),
          op.f32_gt,
          op.select,
          op.f32_store(12),
          get(bad),
          get(a),
          get(a),
          op.f32_sub,
          op.f32x4_splat,
          op.f32x4_add,
          set(bad),
          ...add(p, 4),
        ]),
        get(runs),
        get(b),
        op.f32_store(8),
      ]),
      ...fold(bad, op.f32x4_add, HIGH_HALF),
      ...fold(bad, op.f32x4_add, QUARTER),
      get(badp),
      get(bad),
      op.f32x4_extract_lane(0),
      op.f32_store(),
    ],
  };
}
