import type { GraphProto, NodeProto, TensorProto } from 'onnx-buf';
import { makeNode } from '../export/nodes';
import {
  buildConsumers,
  findConstantTensor,
  getAttribute,
  nodeLabel,
  opsetVersion,
  uniqueNameGenerator,
} from '../onnx/graph';
import { shallowCopy } from '../onnx/proto';
import {
  inlineTensorToFloat32,
  makeFloat32Tensor,
  readTensorAsFloat32,
  tensorDims,
  tensorElements,
} from '../onnx/tensor';
import type { OnnxModel } from '../onnx/types';
import type { QuantConfig } from '../quant/config';
import { describeLayer, type Layer } from './layers';

/** An activation between the two layers: all positively homogeneous once the upper bound is scaled per channel. */
type Activation =
  { op: 'none' } | { op: 'Relu' | 'LeakyRelu'; index: number } | { op: 'Clip'; index: number; max: number };

export interface EqualizedPair {
  first: string;
  second: string;
  activation: string;
  channels: number;
  /** Range of the scale factors applied (first layer's channel c divided by s_c, second's multiplied). */
  minScale: number;
  maxScale: number;
}

export interface EqualizeReport {
  pairs: EqualizedPair[];
  skipped: { first: string; second: string; reason: string }[];
}

const ROUNDS = 8;

interface Pair {
  a: Layer;
  b: Layer;
  act: Activation;
  scale: Float64Array;
}

function absMax(values: Float32Array, idx: Iterable<number>): number {
  let m = 0;
  for (const i of idx) m = Math.max(m, Math.abs(values[i]));
  return m;
}

function scaleAt(values: Float32Array, idx: Iterable<number>, f: number): void {
  for (const i of idx) values[i] = Math.fround(values[i] * f);
}

/** Whether a bias of these dims adds one value per output channel (axis 1 of a Conv output, last axis of a dense one). */
function perChannel(
  dims: number[],
  l: { kind: 'conv' | 'dense'; outChannels: number; dims: number[] },
): boolean {
  const trailing = l.kind === 'conv' ? l.dims.length - 2 : 0;
  const at = dims.length - 1 - trailing;
  return at >= 0 && dims[at] === l.outChannels && dims.every((d, i) => i === at || d === 1);
}

/** The single node consuming `value` at input 0, or null (graph output, several consumers, subgraph use). */
function soleConsumer(uses: ReturnType<typeof buildConsumers>, value: string): number | null {
  const u = uses.get(value) ?? [];
  return u.length === 1 && u[0].kind === 'node' && u[0].inputIndex === 0 ? u[0].nodeIndex : null;
}

function clipBounds(graph: GraphProto, node: NodeProto): { min: number; max: number } | null {
  const attr = (n: string) => getAttribute(node, n)?.f;
  if (node.input.length <= 1 && getAttribute(node, 'max'))
    return { min: attr('min') ?? -Infinity, max: attr('max')! };
  const read = (i: number) => {
    if (!node.input[i]) return i === 1 ? -Infinity : Infinity;
    const t = findConstantTensor(graph, node.input[i]);
    return t && tensorElements(t) === 1 && !t.externalData.length ? inlineTensorToFloat32(t)[0] : NaN;
  };
  const b = { min: read(1), max: read(2) };
  return Number.isNaN(b.min) || Number.isNaN(b.max) ? null : b;
}

/**
 * Cross-layer equalization (Nagel et al. 2019): for each Conv→(Relu|LeakyRelu|Clip(0,m)|none)→Conv chain (any group
 * count, so depthwise too) and Gemm/MatMul(+Add bias)→…→Gemm/MatMul chain, divide output channel c of the first layer
 * (and its bias) by s_c = sqrt(r1_c / r2_c) and multiply input channel c of the second by it, so both ranges become
 * sqrt(r1_c · r2_c). Positive homogeneity keeps the float model equivalent; a Clip(0, m) becomes Relu → Min with the
 * per-channel bound m / s_c. Repeated a few rounds so chains of three or more layers settle.
 */
export async function equalizeModel(
  model: OnnxModel,
  config: Pick<QuantConfig, 'layers'>,
): Promise<{ model: OnnxModel; report: EqualizeReport }> {
  const graph = model.proto.graph!;
  const uses = buildConsumers(graph);
  const report: EqualizeReport = { pairs: [], skipped: [] };
  const opset = opsetVersion(model.proto) ?? 1;
  const layers = new Map<number, Layer>();
  const described = graph.node.map((_, i) => describeLayer(graph, i));
  const optedOut = (l: { weight: TensorProto }) => config.layers[l.weight.name]?.equalize === false;
  const usedOnce = (name: string) => (uses.get(name) ?? []).length === 1;

  // MaxPool commutes with a positive per-channel scale: a chain may pass through one.
  const overPool = (n: number | null): number | null => {
    const pool = n === null ? null : graph.node[n];
    if (!pool || pool.opType !== 'MaxPool' || pool.output.filter(Boolean).length !== 1) return n;
    return soleConsumer(uses, pool.output[0]);
  };
  const pairs: Pair[] = [];
  for (let i = 0; i < graph.node.length; i++) {
    const d = described[i];
    if (!d || !('layer' in d)) continue;
    let out = graph.node[i].output[0];
    let addIndex: number | null = null;
    let bias = d.layer.bias;
    let next = soleConsumer(uses, out);
    const first = nodeLabel(graph.node[i], i);
    const skip = (second: string, reason: string) => report.skipped.push({ first, second, reason });
    if (next === null) continue;
    // MatMul or bias-less Conv → Add(per-channel constant): the Add is the bias.
    if (!d.layer.bias && graph.node[next].opType === 'Add') {
      const add = graph.node[next];
      const c = findConstantTensor(graph, add.input[1]);
      if (!c || !graph.initializer.includes(c) || !perChannel(tensorDims(c), d.layer)) continue;
      addIndex = next;
      bias = c;
      out = add.output[0];
      next = soleConsumer(uses, out);
      if (next === null) continue;
    }
    let act: Activation = { op: 'none' };
    const mid = graph.node[next];
    if (
      mid.opType === 'Relu' ||
      mid.opType === 'LeakyRelu' ||
      mid.opType === 'Clip' ||
      mid.opType === 'BatchNormalization'
    ) {
      const after = overPool(soleConsumer(uses, mid.output[0]));
      const target = after === null ? null : described[after];
      if (!target || !('layer' in target)) continue;
      const second = nodeLabel(graph.node[after!], after!);
      if (mid.opType === 'BatchNormalization') {
        skip(second, 'BatchNormalization between them (fold it into the Conv first)');
        continue;
      }
      if (mid.opType === 'Clip') {
        const b = clipBounds(graph, mid);
        if (!b || b.min !== 0 || !(b.max > 0) || !Number.isFinite(b.max)) {
          skip(second, 'Clip whose lower bound is not 0 (not positively homogeneous)');
          continue;
        }
        if (opset < 8) {
          skip(second, 'Clip needs a broadcasting Min (opset ≥ 8) to keep its bound per channel');
          continue;
        }
        act = { op: 'Clip', index: next, max: b.max };
      } else act = { op: mid.opType as 'Relu' | 'LeakyRelu', index: next };
      next = after!;
    }
    const hop = overPool(next);
    if (hop === null) continue;
    next = hop;
    const d2 = described[next];
    if (!d2 || !('layer' in d2)) continue;
    const a = { ...d.layer, bias, addIndex };
    const b = d2.layer;
    const second = nodeLabel(graph.node[next], next);
    if (a.kind !== b.kind)
      skip(second, `${graph.node[i].opType} feeds ${graph.node[next].opType} (layouts differ)`);
    else if (a.outChannels !== b.inChannels) skip(second, 'channel counts differ');
    else if (optedOut(a) || optedOut(b)) skip(second, 'equalize: false for one of the weights');
    else if (![a.weight.name, b.weight.name, ...(bias ? [bias.name] : [])].every(usedOnce))
      skip(second, 'a weight or bias is shared with another op');
    else pairs.push({ a: a as Layer, b: b as Layer, act, scale: new Float64Array(a.outChannels).fill(1) });
  }

  // Read every involved tensor once; a layer in two pairs (middle of a chain) shares its arrays.
  const load = async (l: Layer) => {
    const have = layers.get(l.nodeIndex) ?? l;
    if (!layers.has(l.nodeIndex)) {
      have.values = new Float32Array(await readTensorAsFloat32(model, l.weight));
      have.biasValues = null;
      layers.set(l.nodeIndex, have);
    }
    // A MatMul's Add bias is only known when it is the first layer of a pair.
    if (!have.bias && l.bias) have.bias = l.bias;
    if (have.bias && !have.biasValues)
      have.biasValues = new Float32Array(await readTensorAsFloat32(model, have.bias));
    return have;
  };
  for (const p of pairs) {
    p.a = await load(p.a);
    p.b = await load(p.b);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const p of pairs) {
      for (let c = 0; c < p.a.outChannels; c++) {
        const r1 = absMax(p.a.values, p.a.outIndices(c));
        const r2 = absMax(p.b.values, p.b.inIndices(c));
        if (!(r1 > 0 && r2 > 0)) continue; // a dead channel: nothing to balance
        const s = Math.sqrt(r1 / r2);
        if (Math.abs(s - 1) < 1e-6) continue;
        scaleAt(p.a.values, p.a.outIndices(c), 1 / s);
        if (p.a.biasValues) p.a.biasValues[c] = Math.fround(p.a.biasValues[c] / s);
        scaleAt(p.b.values, p.b.inIndices(c), s);
        p.scale[c] *= s;
      }
    }
  }
  return {
    model: { ...model, proto: rewrite(model, pairs, layers) },
    report: { ...report, pairs: pairs.map((p) => summarize(graph, p)) },
  };
}

function summarize(graph: GraphProto, p: Pair): EqualizedPair {
  return {
    first: nodeLabel(p.a.node, p.a.nodeIndex),
    second: nodeLabel(p.b.node, p.b.nodeIndex),
    activation: p.act.op === 'Clip' ? `Clip(0, ${p.act.max}) → Relu + per-channel Min` : p.act.op,
    channels: p.scale.length,
    minScale: Math.min(...p.scale),
    maxScale: Math.max(...p.scale),
  };
}

/** A copy of the model with the rescaled weights and biases, and each equalized Clip(0, m) as Relu → Min(m / s). */
function rewrite(model: OnnxModel, pairs: Pair[], layers: Map<number, Layer>) {
  const src = model.proto.graph!;
  const replaced = new Map<string, TensorProto>();
  for (const l of layers.values()) {
    replaced.set(l.weight.name, makeFloat32Tensor(l.weight.name, l.dims, l.values));
    if (l.bias && l.biasValues)
      replaced.set(l.bias.name, makeFloat32Tensor(l.bias.name, l.bias.dims.map(Number), l.biasValues));
  }
  const fresh = uniqueNameGenerator(model.proto);
  const newInits: TensorProto[] = [];
  const clipNodes = new Map<number, NodeProto[]>();
  for (const p of pairs) {
    if (p.act.op !== 'Clip') continue;
    const clip = src.node[p.act.index];
    const bound = Float32Array.from(p.scale, (s) => (p.act as { max: number }).max / s);
    const rank = p.a.kind === 'conv' ? p.a.dims.length : 1; // NC + spatial dims for Conv, last axis for dense
    const dims = [bound.length, ...Array<number>(Math.max(0, rank - 2)).fill(1)];
    const boundName = fresh(`${clip.name || 'clip'}_cle_bound`);
    newInits.push(makeFloat32Tensor(boundName, dims, bound));
    const relu = fresh(`${clip.name || 'clip'}_cle_relu`);
    clipNodes.set(p.act.index, [
      makeNode('Relu', [clip.input[0]], [relu], { name: relu }),
      makeNode('Min', [relu, boundName], [clip.output[0]], { name: fresh(`${clip.name || 'clip'}_cle_min`) }),
    ]);
  }
  const graph = shallowCopy(src, {
    node: src.node.flatMap((n, i) => clipNodes.get(i) ?? [n]),
    initializer: [...src.initializer.map((t) => replaced.get(t.name) ?? t), ...newInits],
  });
  return shallowCopy(model.proto, { graph });
}

/** Human-readable notes for a run summary. */
export function equalizeNotes(r: EqualizeReport): string[] {
  const fmt = (x: number) => x.toPrecision(3);
  return [
    r.pairs.length
      ? `equalized ${r.pairs.length} layer pair(s): ${r.pairs.map((p) => `${p.first}→${p.second} (${p.activation}, ${p.channels} ch, scales ${fmt(p.minScale)}…${fmt(p.maxScale)})`).join('; ')}`
      : 'equalize: no Conv→Conv or Gemm/MatMul→Gemm/MatMul chain found',
    ...r.skipped.map((s) => `not equalized ${s.first}→${s.second}: ${s.reason}`),
  ];
}
