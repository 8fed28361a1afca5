// Rows: runs whose group changes with every element (step 1 in runList: per-axis on the last axis, e.g. MatMul
// [K, N] per output column, and blocks on an inner axis, e.g. MatMul [K, N] in blocks of 32 along K — the int4
// block-32 layout of transformer weights). Element j of a run starting at `start` with group k0 belongs to group
// k0 + (j − start), so the per-group arrays (float32 scales, zero points, maxima) live in the kernel's memory from
// GROUPS on (the memory grows to 12 bytes per group once and stays) and each record points into them.
import { symmetricScale } from '../range';
import { SUM_BLOCK } from '../../metrics/error';
import {
  ACC,
  BAD,
  emit,
  quantFn,
  GROUPS,
  IN,
  OUT,
  reserve,
  RUNS,
  walk,
  type Kernel,
  type LevelsOut,
} from './kernel';

/**
 * Every run is a row (step 1), and the per-group arrays (12 bytes a group) stay within half the tensor's bytes or
 * 16 MiB: block 32 needs 3/8 of a byte per element; tiny blocks keep the JS loops rather than grow the memory.
 */
export function rowsFit(runs: Int32Array, groups: number): boolean {
  if (runs.length === 0) return false;
  const elements = runs[runs.length - 4] + runs[runs.length - 3];
  if (groups * 12 > Math.max(2 ** 24, elements * 2)) return false;
  for (let r4 = 3; r4 < runs.length; r4 += 4) if (runs[r4] !== 1) return false;
  return true;
}

/** Records of the rows in each chunk: +8 and +12 point at element j's entry of two per-group arrays (bytes). */
function walkRows(
  k: Kernel,
  w: Float32Array,
  runs: Int32Array,
  bases: [number, number],
  batch: (count: number, c0: number) => void,
  chunkDone: (c0: number, n: number) => void,
): void {
  walk(
    k,
    w,
    runs,
    (at, r, offset) => {
      const g = 4 * (runs[4 * r + 2] + offset);
      k.runI[4 * at + 2] = bases[0] + g;
      k.runI[4 * at + 3] = bases[1] + g;
    },
    (count, _, c0) => batch(count, c0),
    chunkDone,
  );
}

/**
 * Symmetric scales of row-laid groups from max|w| (NaN skipped: quantizeFused rejects NaN / ±Inf from Σw² later),
 * as quantParams computes them (symmetricScale of max(−min, max), which is max|w|).
 */
export function rowScales(
  kernel: Kernel,
  w: Float32Array,
  runs: Int32Array,
  scales: Float32Array,
  qmax: number,
): void {
  const groups = scales.length;
  const k = reserve(kernel, 4 * groups);
  const m = k.all.subarray(GROUPS / 4, GROUPS / 4 + groups);
  m.fill(0);
  walkRows(
    k,
    w,
    runs,
    [GROUPS, GROUPS],
    (count) => k.x.absmaxrow(RUNS, count, IN),
    () => {},
  );
  for (let g = 0; g < groups; g++) scales[g] = symmetricScale(m[g], qmax);
}

/**
 * min and max of row-laid groups into mins / maxs (as stridedExtremes: NaN skipped; the sign of a zero may differ,
 * which gives the same asymmetric grid); false when a value is NaN or ±Inf (the caller names the first one).
 */
export function rowExtremes(
  kernel: Kernel,
  w: Float32Array,
  runs: Int32Array,
  mins: Float64Array,
  maxs: Float64Array,
): boolean {
  const groups = mins.length;
  const k = reserve(kernel, 8 * groups);
  const g0 = GROUPS / 4;
  k.all.fill(Infinity, g0, g0 + groups);
  k.all.fill(-Infinity, g0 + groups, g0 + 2 * groups);
  let bad = 0;
  walkRows(
    k,
    w,
    runs,
    [GROUPS, GROUPS + 4 * groups],
    (count) => {
      k.x.extremesrow(RUNS, count, IN, BAD);
      bad += k.all[BAD / 4];
    },
    () => {},
  );
  for (let g = 0; g < groups; g++) {
    const mn = k.all[g0 + g];
    const mx = k.all[g0 + groups + g];
    if (mn < mins[g]) mins[g] = mn;
    if (mx > maxs[g]) maxs[g] = mx;
  }
  return bad === 0;
}

/** Levels and error sums of row-laid runs, exactly as fused.ts's stridedRun with float32 output. */
export function quantizeRows(
  kernel: Kernel,
  w: Float32Array,
  runs: Int32Array,
  scales: Float32Array,
  zeroPoints: Int16Array | null,
  qmin: number,
  qmax: number,
  out: LevelsOut,
  acc: Float64Array,
  sym: boolean,
): void {
  const groups = scales.length;
  const k = reserve(kernel, 8 * groups);
  k.all.set(scales, GROUPS / 4);
  const z = k.all.subarray(GROUPS / 4 + groups, GROUPS / 4 + 2 * groups);
  if (zeroPoints) z.set(zeroPoints);
  else z.fill(0);
  k.f64.set(acc);
  const quant = quantFn(k, out, true, sym);
  walkRows(
    k,
    w,
    runs,
    [GROUPS, GROUPS + 4 * groups],
    (count, c0) => quant(RUNS, count, IN, OUT, qmin, qmax, ACC, c0 % SUM_BLOCK),
    (c0, n) => emit(k, out, c0, n),
  );
  acc.set(k.f64);
}
