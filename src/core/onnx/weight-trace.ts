// Look-through chains: a weight input is followed back through shape-only nodes (Reshape, Transpose, Cast, Identity,
// Squeeze, Unsqueeze), in its scope and outer ones, to an initializer or Constant; the chain's steps are replayed on
// the stored values so a weight reads as the op consumes it.
import type { NodeProto, TensorProto } from 'onnx-buf';
import { isFloatDtype, tryDtypeFromOnnx } from './dtype';
import { isExternalTensor } from './external';
import { float32ToFloat16Bits, float16BitsToFloat32, roundToBfloat16 } from './float16';
import { intAttribute, intsAttribute, isDefaultDomain } from './graph';
import { resolve, resolveConstant, type Level } from './scope';
import { inlineTensorToInt64, tensorDims } from './tensor';
import type { Dtype } from './types';

const LOOK_THROUGH = new Set(['Reshape', 'Transpose', 'Cast', 'Identity', 'Squeeze', 'Unsqueeze']);
const MAX_CHAIN = 32;

export interface Step {
  op: string;
  /** Shape after this step. */
  shape: number[];
  perm?: number[];
  castTo?: number;
}

export interface Trace {
  name: string;
  tensor: TensorProto;
  source: 'initializer' | 'constant';
  storedShape: number[];
  steps: Step[];
  /** Index of the scope (in the chain) that holds the constant. */
  level: number;
}

/** A scope chain (see scope.ts): names resolve innermost first. */
export type Ctx = Level[];

/** Small integer constant (shape, axes) or undefined when not a readable inline constant. */
function constInts(ctx: Ctx, name: string | undefined): number[] | undefined {
  if (!name) return undefined;
  const c = resolveConstant(ctx, name);
  if (!c || isExternalTensor(c.tensor)) return undefined;
  return inlineTensorToInt64(c.tensor).map(Number);
}

export const normAxis = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

/** Output shape of one look-through node, or undefined when it cannot be determined statically. */
function stepShape(ctx: Ctx, node: NodeProto, input: number[]): Omit<Step, 'op'> | undefined {
  const elements = input.reduce((a, b) => a * b, 1);
  switch (node.opType) {
    case 'Identity':
      return { shape: input };
    case 'Cast': {
      const to = intAttribute(node, 'to', 0);
      const dtype = tryDtypeFromOnnx(to);
      return dtype && isFloatDtype(dtype) ? { shape: input, castTo: to } : undefined;
    }
    case 'Transpose': {
      const perm = intsAttribute(node, 'perm') ?? input.map((_, i) => input.length - 1 - i);
      const ok = perm.length === input.length && [...perm].sort((a, b) => a - b).every((p, i) => p === i);
      return ok ? { shape: perm.map((p) => input[p]), perm } : undefined;
    }
    case 'Reshape': {
      const target = constInts(ctx, node.input[1]);
      if (!target) return undefined;
      const allowZero = intAttribute(node, 'allowzero', 0) === 1;
      const shape = target.map((d, i) => (d === 0 && !allowZero ? input[i] : d));
      const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
      const inferred = shape.map((d) => (d === -1 ? elements / known : d));
      const valid =
        shape.filter((d) => d === -1).length <= 1 && inferred.every((d) => Number.isInteger(d) && d >= 0);
      return valid && inferred.reduce((a, b) => a * b, 1) === elements ? { shape: inferred } : undefined;
    }
    case 'Unsqueeze': {
      const axes = intsAttribute(node, 'axes') ?? constInts(ctx, node.input[1]);
      if (!axes) return undefined;
      const rank = input.length + axes.length;
      const set = new Set(axes.map((a) => normAxis(a, rank)));
      if (set.size !== axes.length || [...set].some((a) => a < 0 || a >= rank)) return undefined;
      const shape: number[] = [];
      for (let i = 0, j = 0; i < rank; i++) shape.push(set.has(i) ? 1 : input[j++]);
      return { shape };
    }
    case 'Squeeze': {
      const axes = intsAttribute(node, 'axes') ?? constInts(ctx, node.input[1]);
      const set = new Set(
        (axes ?? input.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => normAxis(a, input.length)),
      );
      if ([...set].some((a) => input[a] !== 1)) return undefined;
      return { shape: input.filter((_, i) => !set.has(i)) };
    }
    default:
      return undefined;
  }
}

export const isLookThrough = (node: NodeProto): boolean =>
  LOOK_THROUGH.has(node.opType) && isDefaultDomain(node.domain);

/**
 * Follows `value` back through look-through nodes (in this scope or outer ones) to a float constant; undefined when
 * it is not one. `level` is the scope that holds the constant.
 */
export function trace(ctx: Ctx, value: string): Trace | undefined {
  const nodes: { node: NodeProto; ctx: Ctx }[] = [];
  let name = value;
  let scope = ctx;
  for (let depth = 0; depth <= MAX_CHAIN; depth++) {
    const c = resolveConstant(scope, name);
    if (c) {
      const dtype = tryDtypeFromOnnx(c.tensor.dataType);
      if (!dtype || !isFloatDtype(dtype)) return undefined;
      const storedShape = tensorDims(c.tensor);
      const steps: Step[] = [];
      let shape = storedShape;
      for (const { node, ctx: at } of nodes.reverse()) {
        const s = stepShape(at, node, shape);
        if (!s) return undefined;
        steps.push({ op: node.opType, ...s });
        shape = s.shape;
      }
      return { name, tensor: c.tensor, source: c.source, storedShape, steps, level: c.level };
    }
    const r = resolve(scope, name);
    if (!r || r.kind !== 'node' || !isLookThrough(r.node) || !r.node.input[0]) return undefined;
    scope = scope.slice(0, r.level + 1);
    nodes.push({ node: r.node, ctx: scope });
    name = r.node.input[0];
  }
  return undefined;
}

/** The element type the op sees: the last Cast's target, else the stored type. */
export function consumedDtype(t: { tensor: { dataType: number }; steps: { castTo?: number }[] }): Dtype {
  const cast = [...t.steps].reverse().find((s) => s.castTo !== undefined);
  return tryDtypeFromOnnx(cast?.castTo ?? t.tensor.dataType)!;
}

function transpose(data: Float32Array, shape: number[], perm: number[]): Float32Array {
  const rank = shape.length;
  const inStrides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const outShape = perm.map((p) => shape[p]);
  const strides = perm.map((p) => inStrides[p]); // input stride of each output axis
  const out = new Float32Array(data.length);
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = data[src];
    for (let a = rank - 1; a >= 0; a--) {
      idx[a]++;
      src += strides[a];
      if (idx[a] < outShape[a]) break;
      src -= strides[a] * outShape[a];
      idx[a] = 0;
    }
  }
  return out;
}

/** A Cast to float16/bfloat16 rounds: apply it so the values are what the op actually consumes. */
function castValues(data: Float32Array, to: number): Float32Array {
  const dtype = tryDtypeFromOnnx(to);
  if (dtype === 'float16') return data.map((v) => float16BitsToFloat32(float32ToFloat16Bits(v)));
  if (dtype === 'bfloat16') return data.map((v) => roundToBfloat16(v));
  return data;
}

/** Replays the chain's transposes and casts on the stored values; returns them with the consumed shape. */
export function applySteps(
  stored: Float32Array,
  storedShape: number[],
  steps: Step[],
): { data: Float32Array; shape: number[] } {
  let data = stored;
  let shape = storedShape;
  for (const s of steps) {
    if (s.perm) data = transpose(data, shape, s.perm);
    if (s.castTo !== undefined) data = castValues(data, s.castTo);
    shape = s.shape;
  }
  return { data, shape };
}
