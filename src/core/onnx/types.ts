import type { ModelProto } from 'onnx-buf';

/**
 * Anything with Blob's `slice().arrayBuffer()`: a browser File/Blob, or Node's Blob (`fs.openAsBlob`).
 * Tensors are read lazily through this, so a model larger than memory never sits in one buffer.
 */
export interface BlobLike {
  readonly size: number;
  slice(start?: number, end?: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

export interface NamedBlob {
  /** File name as the user supplied it (no directories). External data `location`s resolve against it. */
  name: string;
  blob: BlobLike;
}

/** ONNX element types, spelled as onnxruntime spells them. */
export type Dtype =
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'float64'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'int4'
  | 'uint4'
  | 'int2'
  | 'uint2'
  | 'bool'
  | 'string'
  | 'float8e4m3fn'
  | 'float8e4m3fnuz'
  | 'float8e5m2'
  | 'float8e5m2fnuz'
  | 'float8e8m0'
  | 'float4e2m1'
  | 'complex64'
  | 'complex128';

/** A parsed model: the graph, plus where to read tensors that are not inline. */
export interface OnnxModel {
  proto: ModelProto;
  /** The model file's name, e.g. `model.onnx`. */
  fileName: string;
  /** The model file's size in bytes. */
  fileBytes: number;
  /** External data files by the `location` string the tensors use. */
  externalFiles: ReadonlyMap<string, BlobLike>;
}

export type WeightOp = 'Conv' | 'ConvTranspose' | 'Gemm' | 'MatMul' | 'Gather' | 'LSTM' | 'GRU' | 'RNN';

/** One step from a graph into a subgraph: the node holding it and the graph attribute (e.g. `then_branch`). */
export interface GraphStep {
  nodeIndex: number;
  attribute: string;
}
/** Where a graph sits: [] is the main graph, each step goes one subgraph deeper. */
export type GraphPath = GraphStep[];

/** One op input that reads a weight. */
export interface WeightUse {
  graphPath: GraphPath;
  node: string;
  nodeIndex: number;
  inputIndex: number;
}

/** A constant weight that can be quantized, described in the layout its op consumes it. */
export interface WeightInfo {
  /** Unique id: the initializer's name, or `${initializer}@${node}` if one initializer feeds several ops. */
  name: string;
  initializer: string;
  /** The consuming node's name (`#<index>` when it has none) and position (in the graph at `graphPath`). */
  node: string;
  nodeIndex: number;
  inputIndex: number;
  op: WeightOp;
  /** Ops between the initializer and the consuming op that were looked through, e.g. ['Reshape']. */
  via: string[];
  /** Shape as the op consumes it (after `via`). */
  shape: number[];
  /** Shape of the stored initializer. */
  storedShape: number[];
  /** Output-channel axis of `shape` (per-channel scales run along it). */
  channelAxis: number;
  /** Reduction axis of `shape` (blocks run along it). */
  reductionAxis: number;
  /** Stored element type of the initializer. */
  dtype: Dtype;
  /** Element type the op consumes (differs from `dtype` behind a Cast). */
  opDtype: Dtype;
  elements: number;
  /** Bytes the initializer occupies in the file (or external data file). */
  bytes: number;
  external: boolean;
  /** How many node inputs consume the initializer (or the `via` chain). > 1: tied weight. */
  consumers: number;
  /** Where the constant comes from: a graph initializer or a Constant node's value. */
  source: 'initializer' | 'constant';
  /** Graph of the consuming node ([] = main graph; deeper for If/Loop/Scan bodies). */
  graphPath: GraphPath;
  /** Graph that defines the constant: the consumer's graph or an outer one (outer-scope reference). */
  homePath: GraphPath;
  /** Readable location of the consumer's graph, e.g. `If_0/then_branch` ('' for the main graph). */
  scope: string;
  /** Every op input that reads this weight (more than one: a tied weight, quantized once and shared). */
  uses: WeightUse[];
}
