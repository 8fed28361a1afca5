// The range pass of the RTN kernel (see kernel-code.ts) for the `rows` path (plan.ts): the group changes with every
// element, so max|v|, or min and max, is kept per element in arrays whose addresses each run's record holds.
import { F32, I32, V128, op, type Func, type Instr } from './wasm';
import { add, eachRun, get, HIGH_HALF, set, whileFits } from './loops';

/** absmaxrow(runs, nruns, inp): m[j] = max(m[j], |v[j]|) (NaN skipped) where the record's +8 holds m's address. */
export function absmaxRow(): Func {
  const [runs, nruns, inp, p, end, mp, a, m] = [0, 1, 2, 3, 4, 5, 6, 7];
  return {
    name: 'absmaxrow',
    params: [I32, I32, I32],
    locals: [I32, I32, I32, F32, F32],
    body: eachRun(runs, nruns, [
      [...get(inp), ...get(runs), ...op.i32_load(0), ...op.i32_const(2), ...op.i32_shl, ...op.i32_add],
      op.local_tee(p),
      get(runs),
      op.i32_load(4),
      op.i32_const(2),
      op.i32_shl,
      op.i32_add,
      set(end),
      [...get(runs), ...op.i32_load(8)],
      set(mp),
      ...whileFits(p, 16, end, [
        get(mp),
        get(mp),
        op.v128_load(),
        get(p),
        op.v128_load(),
        op.f32x4_abs,
        op.f32x4_pmax,
        op.v128_store(),
        ...add(p, 16),
        ...add(mp, 16),
      ]),
      ...whileFits(p, 4, end, [
        get(p),
        op.f32_load(),
        op.f32_abs,
        set(a),
        get(mp),
        op.f32_load(),
        set(m),
        get(mp),
        get(a),
        get(m),
        get(a),
        get(m),
        op.f32_gt,
        op.select,
        op.f32_store(),
        ...add(p, 4),
        ...add(mp, 4),
      ]),
    ]),
  };
}

/**
 * extremesrow(runs, nruns, inp, badp): per element, mn[j] = min(mn[j], v[j]) and mx[j] = max(mx[j], v[j]) (NaN
 * skipped, as stridedExtremes' comparisons) where the record's +8 / +12 hold mn's / mx's addresses; Σ(v − v) over
 * all elements at badp.
 */
export function extremesRow(): Func {
  const [runs, nruns, inp, badp, p, end, mnp, mxp, bad, v, a] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const update = (ptr: number, load: Instr, pick: Instr[], value: Instr[]): Instr[] => [
    get(ptr),
    get(ptr),
    load,
    ...value,
    ...pick,
  ];
  return {
    name: 'extremesrow',
    params: [I32, I32, I32, I32],
    locals: [I32, I32, I32, I32, V128, V128, F32],
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
        [...get(runs), ...op.i32_load(8)],
        set(mnp),
        [...get(runs), ...op.i32_load(12)],
        set(mxp),
        ...whileFits(p, 16, end, [
          get(p),
          op.v128_load(),
          set(v),
          // pmin(mn, v) = v < mn ? v : mn; pmax(mx, v) = mx < v ? v : mx
          ...update(mnp, op.v128_load(), [op.f32x4_pmin, op.v128_store()], [get(v)]),
          ...update(mxp, op.v128_load(), [op.f32x4_pmax, op.v128_store()], [get(v)]),
          get(bad),
          get(v),
          get(v),
          op.f32x4_sub,
          op.f32x4_add,
          set(bad),
          ...add(p, 16),
          ...add(mnp, 16),
          ...add(mxp, 16),
        ]),
        ...whileFits(p, 4, end, [
          get(p),
          op.f32_load(),
          set(a),
          // mn = a < mn ? a : mn; mx = a > mx ? a : mx
          get(mnp),
          get(a),
          get(mnp),
          op.f32_load(),
          get(a),
          get(mnp),
          op.f32_load(),
          op.f32_lt,
          op.select,
          op.f32_store(),
          get(mxp),
          get(a),
          get(mxp),
          op.f32_load(),
          get(a),
          get(mxp),
          op.f32_load(),
          op.f32_gt,
          op.select,
          op.f32_store(),
          get(bad),
          get(a),
          get(a),
          op.f32_sub,
          op.f32x4_splat,
          op.f32x4_add,
          set(bad),
          ...add(p, 4),
          ...add(mnp, 4),
          ...add(mxp, 4),
        ]),
      ]),
      get(badp),
      get(bad),
      get(bad),
      get(bad),
      op.i8x16_shuffle(HIGH_HALF),
      op.f32x4_add,
      op.local_tee(bad),
      op.f32x4_extract_lane(0),
      get(bad),
      op.f32x4_extract_lane(1),
      op.f32_add,
      op.f32_store(),
    ],
  };
}
