import type { GraphProto, NodeProto, TensorProto } from 'onnx-buf';
import { findInitializer, intAttribute, isDefaultDomain } from '../onnx/graph';
import { tensorDims, tensorDtype, tensorElements } from '../onnx/tensor';

/**
 * A Conv, Gemm or MatMul whose weight (and bias) are float32 initializers, with the two views equalization needs:
 * its output channels (rows it produces) and its input channels (what it reads from the previous layer).
 */
export interface Layer {
  nodeIndex: number;
  node: NodeProto;
  kind: 'conv' | 'dense';
  weight: TensorProto;
  dims: number[];
  values: Float32Array;
  /** Bias initializer and values (Conv B, Gemm C, or a MatMul's following Add constant). */
  bias: TensorProto | null;
  biasValues: Float32Array | null;
  /** Index of the Add node holding a MatMul's bias (its output then feeds the activation). */
  addIndex: number | null;
  outChannels: number;
  inChannels: number;
  /** Flat element indices of output channel c / input channel c. */
  outIndices(c: number): Iterable<number>;
  inIndices(c: number): Iterable<number>;
}

function* range(start: number, end: number, step = 1): Iterable<number> {
  for (let i = start; i < end; i += step) yield i;
}

/** Conv weight [O, I/g, ...k]: output channel o is one contiguous slab; input channel c spans its group's outputs. */
function convViews(dims: number[], group: number) {
  const [o, ig] = dims;
  const k = dims.slice(2).reduce((a, b) => a * b, 1);
  const og = o / group;
  return {
    outChannels: o,
    inChannels: ig * group,
    outIndices: (c: number) => range(c * ig * k, (c + 1) * ig * k),
    inIndices: function* (c: number) {
      const g = Math.floor(c / ig);
      const local = c % ig;
      for (let out = g * og; out < (g + 1) * og; out++)
        yield* range((out * ig + local) * k, (out * ig + local + 1) * k);
    },
  };
}

/** Dense weight [K, N] (MatMul, Gemm transB=0) or [N, K] (Gemm transB=1): output channel n, input channel k. */
function denseViews(dims: number[], transposed: boolean) {
  const [r, c] = dims;
  return transposed
    ? {
        outChannels: r,
        inChannels: c,
        outIndices: (n: number) => range(n * c, (n + 1) * c),
        inIndices: (k: number) => range(k, r * c, c),
      }
    : {
        outChannels: c,
        inChannels: r,
        outIndices: (n: number) => range(n, r * c, c),
        inIndices: (k: number) => range(k * c, (k + 1) * c),
      };
}

const isFloat32Init = (t: TensorProto | undefined): t is TensorProto => !!t && tensorDtype(t) === 'float32';

/** Why this node cannot take part, or its layer description (values still to be read). */
export function describeLayer(
  graph: GraphProto,
  nodeIndex: number,
): { layer: Omit<Layer, 'values' | 'biasValues'> } | { reason: string } | null {
  const node = graph.node[nodeIndex];
  if (!isDefaultDomain(node.domain) || !['Conv', 'Gemm', 'MatMul'].includes(node.opType)) return null;
  const weight = findInitializer(graph, node.input[1] ?? '');
  if (!isFloat32Init(weight)) return { reason: 'its weight is not a float32 initializer' };
  const dims = tensorDims(weight);
  let bias: TensorProto | null = null;
  if (node.input[2]) {
    const b = findInitializer(graph, node.input[2]);
    if (!isFloat32Init(b)) return { reason: 'its bias is not a float32 initializer' };
    bias = b;
  }
  if (node.opType === 'Conv') {
    if (dims.length < 3) return { reason: 'weight rank below 3' };
    const group = intAttribute(node, 'group', 1);
    return {
      layer: { nodeIndex, node, kind: 'conv', weight, dims, bias, addIndex: null, ...convViews(dims, group) },
    };
  }
  if (dims.length !== 2) return { reason: 'weight is not 2-D' };
  if (node.opType === 'Gemm') {
    if (intAttribute(node, 'transA', 0) !== 0) return { reason: 'Gemm with transA' };
    const views = denseViews(dims, intAttribute(node, 'transB', 0) === 1);
    if (bias && tensorElements(bias) !== views.outChannels) {
      return { reason: 'Gemm bias is not per output channel' };
    }
    return { layer: { nodeIndex, node, kind: 'dense', weight, dims, bias, addIndex: null, ...views } };
  }
  return {
    layer: {
      nodeIndex,
      node,
      kind: 'dense',
      weight,
      dims,
      bias: null,
      addIndex: null,
      ...denseViews(dims, false),
    },
  };
}
