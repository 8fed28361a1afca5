// Conv input activations as im2col patches: the vectors a Conv weight row is dotted with, per group.
import { StudioError } from '../errors';
import { HessianAccumulator } from './hessian';

/** A Conv's attributes, resolved to explicit per-axis numbers (see `convGeometry`). */
export interface ConvGeometry {
  inChannels: number;
  group: number;
  /** Spatial input size, e.g. [H, W]. */
  input: number[];
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** Padding at the start of each spatial axis, then at the end (ONNX `pads` order). */
  pads: number[];
  output: number[];
}

export interface ConvAttributes {
  kernelShape: number[];
  strides?: number[];
  dilations?: number[];
  pads?: number[];
  autoPad?: 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';
  group?: number;
}

const bad = (msg: string) => new StudioError('QuantConfigError', msg);

/** Resolves ONNX Conv attributes for an input [N, C, ...spatial] into explicit geometry (auto_pad included). */
export function convGeometry(inputDims: readonly number[], attrs: ConvAttributes): ConvGeometry {
  const spatial = inputDims.slice(2);
  const r = spatial.length;
  const { kernelShape: kernel } = attrs;
  if (inputDims.length < 3 || kernel.length !== r) {
    throw bad(`conv input [${inputDims.join(', ')}] does not match kernel [${kernel.join(', ')}]`);
  }
  const strides = attrs.strides ?? kernel.map(() => 1);
  const dilations = attrs.dilations ?? kernel.map(() => 1);
  const group = attrs.group ?? 1;
  const inChannels = inputDims[1];
  if (!Number.isInteger(group) || group < 1 || inChannels % group !== 0) {
    throw bad(`conv group ${group} does not divide ${inChannels} input channels`);
  }
  if (strides.length !== r || dilations.length !== r || [...strides, ...dilations].some((v) => v < 1)) {
    throw bad(`conv strides [${strides.join(', ')}] / dilations [${dilations.join(', ')}] are invalid`);
  }
  const extent = kernel.map((k, i) => (k - 1) * dilations[i] + 1);
  let pads: number[];
  const auto = attrs.autoPad ?? 'NOTSET';
  if (auto === 'NOTSET') {
    pads = attrs.pads ?? new Array(2 * r).fill(0);
    if (pads.length !== 2 * r || pads.some((p) => p < 0))
      throw bad(`conv pads [${pads.join(', ')}] are invalid`);
  } else if (auto === 'VALID') {
    pads = new Array(2 * r).fill(0);
  } else {
    pads = new Array(2 * r).fill(0);
    spatial.forEach((n, i) => {
      const out = Math.ceil(n / strides[i]);
      const total = Math.max(0, (out - 1) * strides[i] + extent[i] - n);
      const small = Math.floor(total / 2);
      pads[i] = auto === 'SAME_UPPER' ? small : total - small;
      pads[i + r] = total - pads[i];
    });
  }
  const output = spatial.map((n, i) => Math.floor((n + pads[i] + pads[i + r] - extent[i]) / strides[i]) + 1);
  if (output.some((o) => o < 1)) throw bad(`conv output would be empty for input [${inputDims.join(', ')}]`);
  return { inChannels, group, input: spatial, kernel, strides, dilations, pads, output };
}

/** Length of one patch of one group: (C / group) × ∏ kernel, the order of a weight row [C/g, ...kernel]. */
export const patchLength = (g: ConvGeometry): number =>
  (g.inChannels / g.group) * g.kernel.reduce((a, b) => a * b, 1);

export const outputPositions = (g: ConvGeometry): number => g.output.reduce((a, b) => a * b, 1);

/**
 * The patches of group `grp` for one sample `x` ([C, ...spatial], row-major): `out` row p (output position p in
 * row-major order) holds x at (channel, input position) for every (channel of the group, kernel offset), zeros
 * where the kernel reaches into padding. Returns `out` (positions × patchLength).
 */
export function im2col(
  x: ArrayLike<number>,
  geom: ConvGeometry,
  grp: number,
  out: Float64Array = new Float64Array(outputPositions(geom) * patchLength(geom)),
): Float64Array {
  const { input, kernel, strides, dilations, pads, output } = geom;
  const r = input.length;
  const cg = geom.inChannels / geom.group;
  const plane = input.reduce((a, b) => a * b, 1);
  const kernelSize = kernel.reduce((a, b) => a * b, 1);
  const len = cg * kernelSize;
  const positions = outputPositions(geom);
  const outIdx = new Array<number>(r).fill(0);
  const kIdx = new Array<number>(r).fill(0);
  for (let p = 0; p < positions; p++) {
    // Decode p into output coordinates (row-major).
    for (let a = r - 1, rest = p; a >= 0; a--) {
      outIdx[a] = rest % output[a];
      rest = Math.floor(rest / output[a]);
    }
    for (let k = 0; k < kernelSize; k++) {
      for (let a = r - 1, rest = k; a >= 0; a--) {
        kIdx[a] = rest % kernel[a];
        rest = Math.floor(rest / kernel[a]);
      }
      let offset = 0;
      let inside = true;
      for (let a = 0; a < r; a++) {
        const pos = outIdx[a] * strides[a] - pads[a] + kIdx[a] * dilations[a];
        if (pos < 0 || pos >= input[a]) {
          inside = false;
          break;
        }
        offset = offset * input[a] + pos;
      }
      for (let c = 0; c < cg; c++) {
        out[p * len + c * kernelSize + k] = inside ? x[(grp * cg + c) * plane + offset] : 0;
      }
    }
  }
  return out;
}

/**
 * One Hessian per group for a Conv weight [O, C/g, ...kernel] (output channels o of group o·g/O share it).
 * `add` takes an activation [N, C, ...spatial] and streams it sample by sample.
 */
export class ConvHessian {
  readonly groups: HessianAccumulator[];
  private readonly patches: Float64Array;

  constructor(
    readonly geometry: ConvGeometry,
    readonly name = 'conv',
  ) {
    this.groups = Array.from(
      { length: geometry.group },
      (_, g) => new HessianAccumulator(patchLength(geometry), `${name} group ${g}`),
    );
    this.patches = new Float64Array(outputPositions(geometry) * patchLength(geometry));
  }

  add(x: ArrayLike<number>, dims: readonly number[]): void {
    const g = this.geometry;
    const sample = g.inChannels * g.input.reduce((a, b) => a * b, 1);
    if (
      dims.length !== g.input.length + 2 ||
      dims[1] !== g.inChannels ||
      dims.slice(2).some((d, i) => d !== g.input[i]) ||
      x.length !== dims[0] * sample
    ) {
      throw bad(
        `${this.name}: activation [${dims.join(', ')}] does not match the captured geometry [N, ${g.inChannels}, ${g.input.join(', ')}]`,
      );
    }
    const view = (n: number) =>
      x instanceof Float32Array || x instanceof Float64Array
        ? x.subarray(n * sample, (n + 1) * sample)
        : Array.prototype.slice.call(x, n * sample, (n + 1) * sample);
    for (let n = 0; n < dims[0]; n++) {
      const xs = view(n);
      for (let grp = 0; grp < g.group; grp++) {
        im2col(xs, g, grp, this.patches);
        this.groups[grp].add(this.patches, outputPositions(g));
      }
    }
  }

  get bytes(): number {
    return this.groups.reduce((s, a) => s + a.bytes, 0) + this.patches.length * 8;
  }
}
