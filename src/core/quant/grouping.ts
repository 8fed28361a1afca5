// Scale groups: how a tensor's flat element indices map to the groups that share a scale (per-tensor, per-axis,
// blocked along an axis), and the contiguous runs the hot loops walk instead of computing a group per element.
import { StudioError } from '../errors';

/**
 * How flat element indices map to scale groups. The tensor is viewed as [outer, dim, inner] around `axis`; element
 * (o, d, i) belongs to group `o*sO + floor(d/span)*sD + i*sI`. Per-tensor views the whole tensor as one inner run.
 */
export interface Grouping {
  axis: number | null;
  blockSize: number | null;
  outer: number;
  dim: number;
  inner: number;
  span: number;
  sO: number;
  sD: number;
  sI: number;
  groups: number;
  scaleShape: number[];
}

export const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

export function grouping(shape: readonly number[], axis: number | null, blockSize: number | null): Grouping {
  const n = product(shape);
  if (axis === null) {
    return {
      axis: null,
      blockSize: null,
      outer: 1,
      dim: 1,
      inner: n,
      span: 1,
      sO: 0,
      sD: 0,
      sI: 0,
      groups: 1,
      scaleShape: [],
    };
  }
  const outer = product(shape.slice(0, axis));
  const dim = shape[axis];
  const inner = product(shape.slice(axis + 1));
  if (blockSize === null) {
    return {
      axis,
      blockSize: null,
      outer,
      dim,
      inner,
      span: 1,
      sO: 0,
      sD: 1,
      sI: 0,
      groups: dim,
      scaleShape: [dim],
    };
  }
  if (!Number.isInteger(blockSize) || blockSize < 1) {
    throw new StudioError('QuantConfigError', `block size must be a positive integer, got ${blockSize}`);
  }
  const blocks = Math.ceil(dim / blockSize);
  const scaleShape = shape.slice();
  scaleShape[axis] = blocks;
  return {
    axis,
    blockSize,
    outer,
    dim,
    inner,
    span: blockSize,
    sO: blocks * inner,
    sD: inner,
    sI: 1,
    groups: outer * blocks * inner,
    scaleShape,
  };
}

/**
 * forEachRun's runs as (start, len, k0, step) quadruples in one typed array, sized up front: the hot loops read them
 * back without a callback, and a block-wise tensor (one run per block: millions) costs no growing JS array.
 */
export function runList(g: Grouping): Int32Array {
  const blocks = Math.ceil(g.dim / g.span);
  const count = g.span === 1 && g.inner === 1 ? g.outer : g.inner === 1 ? g.outer * blocks : g.outer * g.dim;
  const runs = new Int32Array(count * 4); // a typed array holds at most 2^32 bytes: element indexes fit
  let at = 0;
  forEachRun(g, (start, len, k0, step) => {
    runs[at] = start;
    runs[at + 1] = len;
    runs[at + 2] = k0;
    runs[at + 3] = step;
    at += 4;
  });
  if (at !== runs.length) throw new Error(`runList: ${at / 4} runs, expected ${count}`);
  return runs;
}

/**
 * Visit the tensor in contiguous runs: elements start..start+len−1 belong to groups k0, k0+step, ... (step 0: one
 * group for the whole run). Runs are a block, a channel or the tensor (step 0), a row of per-axis groups on the last
 * axis (step 1), or for blocked axes that are not last one row of `inner` consecutive groups. Keeps hot loops flat.
 */
export function forEachRun(
  g: Grouping,
  visit: (start: number, len: number, k0: number, step: number) => void,
): void {
  const { outer, dim, inner, span, sO, sD, sI } = g;
  const step = inner === 1 ? 0 : sI;
  const blocks = Math.ceil(dim / span);
  if (span === 1 && inner === 1) {
    // Per-axis on the last axis (e.g. MatMul [K, N] per output column): a row walks the groups one by one.
    for (let o = 0; o < outer; o++) visit(o * dim, dim, o * sO, sD);
    return;
  }
  for (let o = 0; o < outer; o++) {
    for (let b = 0; b < blocks; b++) {
      const row = o * sO + b * sD;
      const d0 = b * span;
      const d1 = Math.min(dim, d0 + span);
      if (step === 0) visit((o * dim + d0) * inner, (d1 - d0) * inner, row, 0);
      else for (let d = d0; d < d1; d++) visit((o * dim + d) * inner, inner, row, step);
    }
  }
}
