// Weight discovery: constant float inputs of Conv/ConvTranspose/Gemm/MatMul/LSTM/GRU/RNN(/Gather), in the main
// graph and every If/Loop/Scan body, looked up through shape-only chains (Reshape, Transpose, Cast, Identity,
// Squeeze, Unsqueeze) and outer scopes back to an initializer or Constant.
import type { GraphProto, NodeProto, TensorProto } from 'onnx-buf';
import { StudioError } from '../errors';
import { isFloatDtype, tryDtypeFromOnnx } from './dtype';
import { isExternalTensor } from './external';
import { float32ToFloat16Bits, float16BitsToFloat32, roundToBfloat16 } from './float16';
import { intAttribute, intsAttribute, isDefaultDomain, nodeLabel } from './graph';
import {
  countReads,
  levelsAt,
  makeLevel,
  pathKey,
  resolve,
  resolveConstant,
  scopeLabel,
  type Level,
} from './scope';
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
  /** Index of the scope (in the chain) that holds the constant. */
  level: number;
}

/** A scope chain (see scope.ts): names resolve innermost first. */
type Ctx = Level[];

/** Small integer constant (shape, axes) or undefined when not a readable inline constant. */
function constInts(ctx: Ctx, name: string | undefined): number[] | undefined {
  if (!name) return undefined;
  const c = resolveConstant(ctx, name);
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

const isLookThrough = (node: NodeProto): boolean =>
  LOOK_THROUGH.has(node.opType) && isDefaultDomain(node.domain);

/**
 * Follows `value` back through look-through nodes (in this scope or outer ones) to a float constant; undefined when
 * it is not one. `level` is the scope that holds the constant.
 */
function trace(ctx: Ctx, value: string): Trace | undefined {
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
    case 'LSTM':
    case 'GRU':
    case 'RNN':
      // W [dirs, gates·hidden, input], R [dirs, gates·hidden, hidden]: channels along the gate axis.
      return (inputIndex === 1 || inputIndex === 2) && r === 3
        ? { channelAxis: 1, reductionAxis: 2 }
        : undefined;
    case 'Gather':
      if (!includeGather || inputIndex !== 0 || r < 2 || normAxis(intAttribute(node, 'axis', 0), r) !== 0)
        return undefined;
      return { channelAxis: 0, reductionAxis: 1 };
    default:
      return undefined;
  }
}

const WEIGHT_OPS = new Set<string>([
  'Conv',
  'ConvTranspose',
  'Gemm',
  'MatMul',
  'Gather',
  'LSTM',
  'GRU',
  'RNN',
]);
/** Highest input index that can be a weight, per op. */
const lastWeightInput = (op: string) => (op === 'LSTM' || op === 'GRU' || op === 'RNN' ? 2 : 1);

/** One op input reading a traced constant, before tied uses are merged. */
interface Found {
  info: WeightInfo;
  /** Same value as the op sees it: chain steps + layout. Tied uses with equal keys share one quantization. */
  key: string;
  home: GraphProto;
}

/** Calls fn on every node of the main graph and of every If/Loop/Scan body, with its scope chain. */
function walk(
  levels: Level[],
  fn: (node: NodeProto, nodeIndex: number, levels: Level[]) => void,
  depth = 0,
): void {
  const level = levels[levels.length - 1];
  level.graph.node.forEach((node, nodeIndex) => {
    fn(node, nodeIndex, levels);
    if (depth > 32) return;
    for (const a of node.attribute) {
      if (!a.g) continue;
      const path = [...level.path, { nodeIndex, attribute: a.name }];
      walk([...levels, makeLevel(a.g, path)], fn, depth + 1);
    }
  });
}

/**
 * Every quantizable weight of the model, subgraphs included. A constant read by several weight inputs in the
 * same layout (a tied weight) is one entry with several `uses`; read in different layouts, or also by other ops,
 * it is one entry per use, each with `consumers` > 1 (the caller leaves those float and says why).
 */
export function findWeights(model: OnnxModel, options: FindWeightsOptions = {}): WeightInfo[] {
  const main = model.proto.graph;
  if (!main) return [];
  const found: Found[] = [];
  walk([makeLevel(main, [])], (node, nodeIndex, levels) => {
    if (!WEIGHT_OPS.has(node.opType) || !isDefaultDomain(node.domain)) return;
    const graphPath = levels[levels.length - 1].path;
    node.input.forEach((value, inputIndex) => {
      if (!value || inputIndex > lastWeightInput(node.opType)) return;
      const t = trace(levels, value);
      if (!t) return;
      const shape = t.steps.length ? t.steps[t.steps.length - 1].shape : t.storedShape;
      const layout = layoutFor(node, inputIndex, shape, options.includeGather ?? false);
      if (!layout) return;
      const use = { graphPath, node: nodeLabel(node, nodeIndex), nodeIndex, inputIndex };
      const info: WeightInfo = {
        name: t.name,
        initializer: t.name,
        ...use,
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
        consumers: 1,
        source: t.source,
        graphPath,
        homePath: levels[t.level].path,
        scope: scopeLabel(main, graphPath),
        uses: [use],
      };
      const key = JSON.stringify([t.steps, layout, node.opType === 'MatMul' ? inputIndex : node.opType]);
      found.push({ info, key, home: levels[t.level].graph });
    });
  });
  return mergeTied(found);
}

/** Group uses of one constant: merge them when every read is a weight use in one layout, else name each use. */
function mergeTied(found: Found[]): WeightInfo[] {
  const groups = new Map<string, Found[]>();
  for (const f of found) {
    const k = `${pathKey(f.info.homePath)}|${f.info.initializer}`;
    const g = groups.get(k);
    if (g) g.push(f);
    else groups.set(k, [f]);
  }
  const out: WeightInfo[] = [];
  for (const group of groups.values()) {
    const first = group[0];
    const reads = countReads(first.home, first.info.initializer, isLookThrough);
    const consumers = Math.max(reads, group.length);
    if (group.every((f) => f.key === first.key) && reads === group.length) {
      out.push({ ...first.info, consumers, uses: group.map((f) => f.info.uses[0]) });
    } else {
      for (const f of group) {
        out.push({
          ...f.info,
          consumers,
          name: group.length > 1 ? `${f.info.initializer}@${f.info.node}` : f.info.name,
        });
      }
    }
  }
  // Names are ids: a name reused in sibling subgraphs, or a node using one constant twice, gets a suffix.
  const used = new Set<string>();
  for (const w of out) {
    let name = w.name;
    if (used.has(name)) name = `${w.initializer}@${w.scope ? `${w.scope}/` : ''}${w.node}`;
    for (let i = 1; used.has(name); i++) name = `${w.name}:${w.inputIndex}${i > 1 ? `_${i}` : ''}`;
    w.name = name;
    used.add(name);
  }
  return out;
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
  const main = model.proto.graph;
  const levels = main ? levelsAt(main, w.graphPath) : undefined;
  const node = levels?.[levels.length - 1].graph.node[w.nodeIndex];
  const t = levels && node?.input[w.inputIndex] ? trace(levels, node.input[w.inputIndex]) : undefined;
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
