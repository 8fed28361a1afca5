// Which WebAssembly SIMD path a quantizeFused call takes (null: the JS loops), and running it. All paths give the
// levels, bytes and error sums of fused.ts's JS loops exactly (pinned by kernel.test.ts).
import {
  allContiguous,
  onePassFits,
  quantizeOnePass,
  quantizeRuns,
  simdKernel,
  type LevelsOut,
} from './kernel';
import { quantizeRows, rowScales, rowsFit } from './rows';

/**
 * 'one pass': symmetric scales from the extremes, each group one run (range and levels from one copy of each chunk).
 * 'runs': contiguous runs, scales from quantParams. 'rows': the group changes with every element (step 1);
 * `scalesHere` when the symmetric scales are left to the kernel (quantParams deferred them).
 */
export type SimdPlan = { kind: 'one pass' } | { kind: 'runs' } | { kind: 'rows'; scalesHere: boolean };

/** The plan for these runs with float32 output, or null (no SIMD, or a layout the kernel does not take). */
export function simdPlan(
  runs: Int32Array,
  groups: number,
  cbits: number,
  scalesLater: boolean,
): SimdPlan | null {
  if (!simdKernel()) return null;
  if (scalesLater && onePassFits(runs, cbits)) return { kind: 'one pass' };
  if (allContiguous(runs)) return { kind: 'runs' };
  if (rowsFit(runs, groups)) return { kind: 'rows', scalesHere: scalesLater };
  return null;
}

/**
 * Levels into `out` and error sums into `acc` (lane sums, max|e|) along the plan; fills `scales` if deferred.
 * `unclamped`: symmetric grids from the extremes (fused.ts), which skip zero point and clamp.
 */
export function runSimd(
  plan: SimdPlan,
  w: Float32Array,
  runs: Int32Array,
  p: { scales: Float32Array; zeroPoints: Int16Array | null; qmin: number; qmax: number },
  out: LevelsOut,
  acc: Float64Array,
  unclamped: boolean,
): void {
  const k = simdKernel()!;
  const { scales, zeroPoints, qmin, qmax } = p;
  if (plan.kind === 'one pass') quantizeOnePass(k, w, runs, scales, qmin, qmax, out, acc);
  else if (plan.kind === 'runs')
    quantizeRuns(k, w, runs, scales, zeroPoints, qmin, qmax, out, acc, unclamped);
  else {
    if (plan.scalesHere) rowScales(k, w, runs, scales, qmax);
    quantizeRows(simdKernel()!, w, runs, scales, zeroPoints, qmin, qmax, out, acc, unclamped);
  }
}
