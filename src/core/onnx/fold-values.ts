// The values constant folding computes (fold.ts): float32 data with its dims, and the data-moving ops on them
// (Transpose, Concat, Slice); shape-only ops (Unsqueeze, Squeeze, Reshape, Identity) keep the data as it is.

export interface Value {
  dims: number[];
  data: Float32Array;
  /** Innermost scope the data comes from: the folded tensor can live there, shared by every body below it. */
  level: number;
}

const strides = (dims: number[]) => dims.map((_, i) => dims.slice(i + 1).reduce((a, b) => a * b, 1));
export const count = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

export function transposeValue(x: Value, perm: number[]): Value {
  const inS = strides(x.dims);
  const dims = perm.map((p) => x.dims[p]);
  const outS = strides(dims);
  const data = new Float32Array(x.data.length);
  for (let o = 0; o < data.length; o++) {
    let src = 0;
    for (let a = 0; a < dims.length; a++) src += (Math.floor(o / outS[a]) % dims[a]) * inS[perm[a]];
    data[o] = x.data[src];
  }
  return { dims, data, level: x.level };
}

export function concat(parts: Value[], axis: number): Value | undefined {
  const rank = parts[0].dims.length;
  const a = axis < 0 ? axis + rank : axis;
  if (parts.some((p) => p.dims.length !== rank || p.dims.some((d, i) => i !== a && d !== parts[0].dims[i])))
    return undefined;
  const outer = count(parts[0].dims.slice(0, a));
  const dims = parts[0].dims.slice();
  dims[a] = parts.reduce((s, p) => s + p.dims[a], 0);
  const data = new Float32Array(count(dims));
  let off = 0;
  for (let o = 0; o < outer; o++) {
    for (const p of parts) {
      const run = p.data.length / outer;
      data.set(p.data.subarray(o * run, (o + 1) * run), off);
      off += run;
    }
  }
  return { dims, data, level: Math.max(...parts.map((p) => p.level)) };
}

export function slice(
  x: Value,
  starts: number[],
  ends: number[],
  axes: number[],
  steps: number[],
): Value | undefined {
  const rank = x.dims.length;
  const begin = x.dims.map(() => 0);
  const step = x.dims.map(() => 1);
  const dims = x.dims.slice();
  for (let i = 0; i < axes.length; i++) {
    const a = axes[i] < 0 ? axes[i] + rank : axes[i];
    const d = x.dims[a];
    const s = steps[i] ?? 1;
    if (s <= 0) return undefined; // reverse slices: not seen on weights, not folded
    const clamp = (v: number) => Math.min(d, Math.max(0, v < 0 ? v + d : v));
    const b = clamp(starts[i]);
    const e = clamp(ends[i]);
    begin[a] = b;
    step[a] = s;
    dims[a] = Math.max(0, Math.ceil((e - b) / s));
  }
  const inS = strides(x.dims);
  const outS = strides(dims);
  const data = new Float32Array(count(dims));
  for (let o = 0; o < data.length; o++) {
    let src = 0;
    for (let a = 0; a < rank; a++) src += (begin[a] + (Math.floor(o / outS[a]) % dims[a]) * step[a]) * inS[a];
    data[o] = x.data[src];
  }
  return { dims, data, level: x.level };
}
