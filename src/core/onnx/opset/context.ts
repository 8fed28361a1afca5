import { create } from '@bufbuild/protobuf';
import {
  AttributeProtoSchema,
  AttributeProto_AttributeType as AT,
  NodeProtoSchema,
  TensorProtoSchema,
  TensorProto_DataType as DT,
  type AttributeProto,
  type GraphProto,
  type NodeProto,
  type TensorProto,
} from 'onnx-buf';
import { lazyRaw } from '../lazy';
import { float32ToFloat16Bits } from '../float16';

/** What a converter may learn about the model while rewriting one node. */
export interface ConvertContext {
  /** Target ai.onnx opset of the whole upgrade. */
  readonly target: number;
  /** Static shape of a value (null = unknown dim); undefined when even the rank is unknown. */
  shapeOf(name: string): (number | null)[] | undefined;
  /** Element type (TensorProto.DataType) of a value, when declared or inferable. */
  elemTypeOf(name: string): number | undefined;
  /** Constant value of a name (initializer or Constant node output). */
  constantOf(name: string): TensorProto | undefined;
  /** True when some node (in any graph) or a graph output reads this value. */
  isUsed(name: string): boolean;
  /** A value/node name not used anywhere in the model. */
  freshName(base: string): string;
  /** Adds an initializer to the graph being rewritten; returns its name. */
  addInitializer(base: string, tensor: TensorProto): string;
}

/** A converter lifts one node across one breaking version `v` (from semantics v-1 to v). */
export interface Converter {
  /** Why the node cannot be converted, or null. Must not change anything. */
  check(node: NodeProto, ctx: ConvertContext): string | null;
  /** Replacement nodes valid at version `v` (they keep the node's output names). */
  apply(node: NodeProto, ctx: ConvertContext): NodeProto[];
  /** Human-readable reason, e.g. "axes attribute became an input". */
  why: string;
  /** Reason shown instead of `why` when the node was kept as one node of the same op. */
  whyInPlace?: string;
}

export { shallowCopy } from '../proto';

// ---- attribute helpers -------------------------------------------------------------------

export const getAttr = (node: NodeProto, name: string): AttributeProto | undefined =>
  node.attribute.find((a) => a.name === name);

export const attrInt = (node: NodeProto, name: string, dflt: number): number => {
  const a = getAttr(node, name);
  return a ? Number(a.i) : dflt;
};

export const attrFloat = (node: NodeProto, name: string): number | undefined => getAttr(node, name)?.f;

export const attrInts = (node: NodeProto, name: string): bigint[] | undefined => getAttr(node, name)?.ints;

export const attrFloats = (node: NodeProto, name: string): number[] | undefined =>
  getAttr(node, name)?.floats;

export const attrString = (node: NodeProto, name: string, dflt: string): string => {
  const a = getAttr(node, name);
  return a ? new TextDecoder().decode(a.s) : dflt;
};

export const intAttr = (name: string, i: number): AttributeProto =>
  create(AttributeProtoSchema, { name, type: AT.INT, i: BigInt(i) });

export const stringAttr = (name: string, s: string): AttributeProto =>
  create(AttributeProtoSchema, { name, type: AT.STRING, s: new TextEncoder().encode(s) });

/** A copy of `node` with the named attributes dropped and others appended (attributes are shallow-shared). */
export function rebuild(
  node: NodeProto,
  change: { opType?: string; input?: string[]; output?: string[]; drop?: string[]; add?: AttributeProto[] },
): NodeProto {
  const drop = new Set([...(change.drop ?? []), ...(change.add ?? []).map((a) => a.name)]);
  return create(NodeProtoSchema, {
    name: node.name,
    opType: change.opType ?? node.opType,
    domain: node.domain,
    docString: node.docString,
    input: change.input ?? [...node.input],
    output: change.output ?? [...node.output],
    attribute: [...node.attribute.filter((a) => !drop.has(a.name)), ...(change.add ?? [])],
    metadataProps: node.metadataProps,
  });
}

export const makeNode = (
  opType: string,
  name: string,
  input: string[],
  output: string[],
  attribute: AttributeProto[] = [],
): NodeProto => create(NodeProtoSchema, { opType, name, input, output, attribute });

// ---- tensor helpers ----------------------------------------------------------------------

export const int64Tensor = (values: readonly bigint[], dims: number[] = [values.length]): TensorProto =>
  create(TensorProtoSchema, { dataType: DT.INT64, dims: dims.map(BigInt), int64Data: [...values] });

export const float32Tensor = (values: readonly number[], dims: number[] = [values.length]): TensorProto =>
  create(TensorProtoSchema, { dataType: DT.FLOAT, dims: dims.map(BigInt), floatData: [...values] });

/** Float element types whose scalars we can write directly. */
export const FLOAT_TYPES: ReadonlySet<number> = new Set([DT.FLOAT, DT.FLOAT16, DT.DOUBLE]);

/** A scalar of a float element type (float / float16 / double). */
export function floatScalar(dataType: number, value: number): TensorProto {
  if (dataType === DT.FLOAT) return float32Tensor([value], []);
  if (dataType === DT.DOUBLE) return create(TensorProtoSchema, { dataType, dims: [], doubleData: [value] });
  if (dataType === DT.FLOAT16) {
    // float16 values live in int32_data as raw bits (TensorProto storage rule).
    return create(TensorProtoSchema, { dataType, dims: [], int32Data: [float32ToFloat16Bits(value)] });
  }
  throw new Error(`floatScalar: unsupported data type ${dataType}`);
}

/** Reads a small int64/int32 tensor (raw or typed storage) as bigints. */
export function readInts(t: TensorProto): bigint[] | undefined {
  if (lazyRaw(t)) return undefined; // ≥ 64 KiB, still in the file: not a shape or an axis list
  if (t.dataType === DT.INT64) {
    if (t.int64Data.length) return [...t.int64Data];
    const v = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    return Array.from({ length: t.rawData.byteLength / 8 }, (_, i) => v.getBigInt64(i * 8, true));
  }
  if (t.dataType === DT.INT32) {
    if (t.int32Data.length) return t.int32Data.map(BigInt);
    const v = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    return Array.from({ length: t.rawData.byteLength / 4 }, (_, i) => BigInt(v.getInt32(i * 4, true)));
  }
  return undefined;
}

/** Reads a small float / double tensor as numbers (float16 is not needed for scales). */
export function readFloats(t: TensorProto): number[] | undefined {
  if (lazyRaw(t)) return undefined; // ≥ 64 KiB, still in the file: not a scale vector
  if (t.dataType === DT.FLOAT) {
    if (t.floatData.length) return [...t.floatData];
    const v = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    return Array.from({ length: t.rawData.byteLength / 4 }, (_, i) => v.getFloat32(i * 4, true));
  }
  if (t.dataType === DT.DOUBLE) {
    if (t.doubleData.length) return [...t.doubleData];
    const v = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    return Array.from({ length: t.rawData.byteLength / 8 }, (_, i) => v.getFloat64(i * 8, true));
  }
  return undefined;
}

/** Every subgraph held in a node's attributes (If/Loop/Scan bodies). */
export const subgraphsOf = (node: NodeProto): GraphProto[] =>
  node.attribute.flatMap((a) => (a.g ? [a.g] : []).concat(a.graphs));
