// Weight discovery: constant float inputs of Conv/ConvTranspose/Gemm/MatMul/LSTM/GRU/RNN(/Gather), in the main
// graph and every If/Loop/Scan body, looked up through shape-only chains and outer scopes back to an initializer or
// Constant (weight-trace.ts).
import type { GraphProto, NodeProto } from 'onnx-buf';
import { StudioError } from '../errors';
import { tryDtypeFromOnnx } from './dtype';
import { isExternalTensor } from './external';
import { intAttribute, isDefaultDomain, nodeLabel } from './graph';
import { countReads, levelsAt, makeLevel, pathKey, scopeLabel, type Level } from './scope';
import { readTensorAsFloat32, tensorElements, tensorStoredBytes } from './tensor';
import type { OnnxModel, WeightInfo, WeightOp } from './types';
import { applySteps, consumedDtype, isLookThrough, normAxis, trace, type Trace } from './weight-trace';

export interface FindWeightsOptions {
  /** Also list Gather data inputs (embedding tables). Default false. */
  includeGather?: boolean;
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

/** The constant a weight reads and the chain (transposes, casts) from it to the op; throws when it changed. */
export function traceWeight(model: OnnxModel, w: WeightInfo): Trace {
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
  return t;
}

/** Values of a weight in `w.shape` layout, with its `via` chain applied (transposes, casts). */
export async function readWeight(model: OnnxModel, w: WeightInfo): Promise<Float32Array> {
  const t = traceWeight(model, w);
  const { data, shape } = applySteps(await readTensorAsFloat32(model, t.tensor), t.storedShape, t.steps);
  if (shape.join(',') !== w.shape.join(',')) {
    throw new StudioError(
      'UnsupportedModelError',
      `weight '${w.name}': shape [${shape}] does not match [${w.shape}]`,
    );
  }
  return data;
}
