// Weight discovery: constant float inputs of Conv/ConvTranspose/Gemm/MatMul(/Gather), looked up through
// shape-only chains (Reshape, Transpose, Cast, Identity, Squeeze, Unsqueeze) back to an initializer or Constant.
import type { GraphProto, NodeProto, TensorProto } from 'onnx-buf';
import { StudioError } from '../errors';
import { isFloatDtype, tryDtypeFromOnnx } from './dtype';
import { isExternalTensor } from './external';
import { float32ToFloat16Bits, float16BitsToFloat32, roundToBfloat16 } from './float16';
import {
  buildConsumers,
  buildProducers,
  getAttribute,
  intAttribute,
  intsAttribute,
  isDefaultDomain,
  nodeLabel,
  type ValueUse,
} from './graph';
import {
  inlineTensorToInt64,
  readTensorAsFloat32,
  tensorDims,
  tensorElements,
  tensorStoredBytes,
} from './tensor';
import type { Dtype, OnnxModel, WeightInfo, WeightOp } from './types';

export interface FindWeightsOptions {
  /** Also list Gather data inputs (embedding tables). Default false. */
  includeGather?: boolean;
}

const LOOK_THROUGH = new Set(['Reshape', 'Transpose', 'Cast', 'Identity', 'Squeeze', 'Unsqueeze']);
const MAX_CHAIN = 32;

interface Step {
  op: string;
  /** Shape after this step. */
  shape: number[];
  perm?: number[];
  castTo?: number;
}

interface Trace {
  name: string;
  tensor: TensorProto;
  source: 'initializer' | 'constant';
  storedShape: number[];
  steps: Step[];
}

interface Ctx {
  graph: GraphProto;
  initializers: Map<string, TensorProto>;
  producers: Map<string, number>;
  /** Only findWeights needs uses (readWeight traces one input and skips building this). */
  consumers: Map<string, ValueUse[]>;
}

function makeCtx(graph: GraphProto, withConsumers: boolean): Ctx {
  return {
    graph,
    initializers: new Map(graph.initializer.map((t) => [t.name, t])),
    producers: buildProducers(graph),
    consumers: withConsumers ? buildConsumers(graph) : new Map(),
  };
}

/** A constant tensor by value name: an initializer or a Constant node's `value`. */
function constantTensor(
  ctx: Ctx,
  name: string,
): { tensor: TensorProto; source: 'initializer' | 'constant' } | undefined {
  const init = ctx.initializers.get(name);
  if (init) return { tensor: init, source: 'initializer' };
  const idx = ctx.producers.get(name);
  const node = idx === undefined ? undefined : ctx.graph.node[idx];
  if (!node || node.opType !== 'Constant' || !isDefaultDomain(node.domain)) return undefined;
  const value = getAttribute(node, 'value')?.t;
  return value ? { tensor: value, source: 'constant' } : undefined;
}

/** Small integer constant (shape, axes) or undefined when not a readable inline constant. */
function constInts(ctx: Ctx, name: string | undefined): number[] | undefined {
  if (!name) return undefined;
  const c = constantTensor(ctx, name);
  if (!c || isExternalTensor(c.tensor)) return undefined;
  return inlineTensorToInt64(c.tensor).map(Number);
}

const normAxis = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

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

/** Follows `value` back through look-through nodes to a float constant; undefined when it is not one. */
function trace(ctx: Ctx, value: string): Trace | undefined {
  const nodes: NodeProto[] = [];
  let name = value;
  for (let depth = 0; depth <= MAX_CHAIN; depth++) {
    const c = constantTensor(ctx, name);
    if (c) {
      const dtype = tryDtypeFromOnnx(c.tensor.dataType);
      if (!dtype || !isFloatDtype(dtype)) return undefined;
      const storedShape = tensorDims(c.tensor);
      const steps: Step[] = [];
      let shape = storedShape;
      for (const node of nodes.reverse()) {
        const s = stepShape(ctx, node, shape);
        if (!s) return undefined;
        steps.push({ op: node.opType, ...s });
        shape = s.shape;
      }
      return { name, tensor: c.tensor, source: c.source, storedShape, steps };
    }
    const idx = ctx.producers.get(name);
    const node = idx === undefined ? undefined : ctx.graph.node[idx];
    if (!node || !LOOK_THROUGH.has(node.opType) || !isDefaultDomain(node.domain) || !node.input[0])
      return undefined;
    nodes.push(node);
    name = node.input[0];
  }
  return undefined;
}

/** Node inputs that consume `value`, counting through look-through nodes. */
function countUses(ctx: Ctx, value: string, depth = 0): number {
  let n = 0;
  for (const use of ctx.consumers.get(value) ?? []) {
    const node = use.kind === 'node' ? ctx.graph.node[use.nodeIndex] : undefined;
    if (
      node &&
      use.inputIndex === 0 &&
      LOOK_THROUGH.has(node.opType) &&
      isDefaultDomain(node.domain) &&
      depth < MAX_CHAIN
    ) {
      n += countUses(ctx, node.output[0] ?? '', depth + 1);
    } else if (use.kind !== 'graphOutput') n += 1;
  }
  return n;
}

type Layout = { channelAxis: number; reductionAxis: number };

/** Which inputs of an op can be weights, and their layout given the consumed shape. */
function layoutFor(
  node: NodeProto,
  inputIndex: number,
  shape: number[],
  includeGather: boolean,
): Layout | undefined {
  const r = shape.length;
  switch (node.opType) {
    case 'Conv':
      return inputIndex === 1 && r >= 3 ? { channelAxis: 0, reductionAxis: 1 } : undefined;
    case 'ConvTranspose':
      return inputIndex === 1 && r >= 3 ? { channelAxis: 1, reductionAxis: 0 } : undefined;
    case 'Gemm': {
      if (r !== 2 || inputIndex > 1) return undefined;
      const trans = intAttribute(node, inputIndex === 0 ? 'transA' : 'transB', 0) === 1;
      // A [M,K] (transA: [K,M]) -> channel M; B [K,N] (transB: [N,K]) -> channel N.
      const channelAxis = (inputIndex === 0) !== trans ? 0 : 1;
      return { channelAxis, reductionAxis: 1 - channelAxis };
    }
    case 'MatMul':
      if (r < 2 || inputIndex > 1) return undefined;
      return inputIndex === 1
        ? { channelAxis: r - 1, reductionAxis: r - 2 }
        : { channelAxis: r - 2, reductionAxis: r - 1 };
    case 'Gather':
      if (!includeGather || inputIndex !== 0 || r < 2 || normAxis(intAttribute(node, 'axis', 0), r) !== 0)
        return undefined;
      return { channelAxis: 0, reductionAxis: 1 };
    default:
      return undefined;
  }
}

const WEIGHT_OPS = new Set<string>(['Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'Gather']);

/** Every quantizable weight of the main graph, one entry per consuming op input. */
export function findWeights(model: OnnxModel, options: FindWeightsOptions = {}): WeightInfo[] {
  const graph = model.proto.graph;
  if (!graph) return [];
  const ctx = makeCtx(graph, true);
  const found: WeightInfo[] = [];
  graph.node.forEach((node, nodeIndex) => {
    if (!WEIGHT_OPS.has(node.opType) || !isDefaultDomain(node.domain)) return;
    node.input.forEach((value, inputIndex) => {
      if (!value || inputIndex > 1) return;
      const t = trace(ctx, value);
      if (!t) return;
      const shape = t.steps.length ? t.steps[t.steps.length - 1].shape : t.storedShape;
      const layout = layoutFor(node, inputIndex, shape, options.includeGather ?? false);
      if (!layout) return;
      found.push({
        name: t.name,
        initializer: t.name,
        node: nodeLabel(node, nodeIndex),
        nodeIndex,
        inputIndex,
        op: node.opType as WeightOp,
        via: t.steps.map((s) => s.op),
        shape,
        storedShape: t.storedShape,
        ...layout,
        dtype: tryDtypeFromOnnx(t.tensor.dataType)!,
        opDtype: consumedDtype(t),
        elements: tensorElements(t.tensor),
        bytes: tensorStoredBytes(t.tensor),
        external: isExternalTensor(t.tensor),
        consumers: countUses(ctx, t.name),
        source: t.source,
      });
    });
  });
  // Tied weights: one entry per use, named after the consuming node.
  const perInit = new Map<string, number>();
  for (const w of found) perInit.set(w.initializer, (perInit.get(w.initializer) ?? 0) + 1);
  const used = new Set<string>();
  for (const w of found) {
    if (perInit.get(w.initializer)! > 1) w.name = `${w.initializer}@${w.node}`;
    if (used.has(w.name)) w.name = `${w.name}:${w.inputIndex}`;
    used.add(w.name);
  }
  return found;
}

/** The element type the op sees: the last Cast's target, else the stored type. */
function consumedDtype(t: { tensor: { dataType: number }; steps: { castTo?: number }[] }): Dtype {
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

/** Values of a weight in `w.shape` layout, with its `via` chain applied (transposes, casts). */
export async function readWeight(model: OnnxModel, w: WeightInfo): Promise<Float32Array> {
  const graph = model.proto.graph;
  const node = graph?.node[w.nodeIndex];
  const t =
    graph && node?.input[w.inputIndex] ? trace(makeCtx(graph, false), node.input[w.inputIndex]) : undefined;
  if (!t || t.name !== w.initializer) {
    throw new StudioError(
      'UnsupportedModelError',
      `weight '${w.name}': input ${w.inputIndex} of node '${w.node}' is no longer that constant`,
    );
  }
  let data = await readTensorAsFloat32(model, t.tensor);
  let shape = t.storedShape;
  for (const s of t.steps) {
    if (s.perm) data = transpose(data, shape, s.perm);
    if (s.castTo !== undefined) data = castValues(data, s.castTo);
    shape = s.shape;
  }
  if (shape.join(',') !== w.shape.join(',')) {
    throw new StudioError(
      'UnsupportedModelError',
      `weight '${w.name}': shape [${shape}] does not match [${w.shape}]`,
    );
  }
  return data;
}
