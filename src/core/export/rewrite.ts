import type { GraphProto, ModelProto, NodeProto, TensorProto } from 'onnx-buf';
import { create } from '@bufbuild/protobuf';
import { TensorProto_DataType, TensorProtoSchema } from 'onnx-buf';
import { uniqueNameGenerator } from '../onnx/graph';
import { EditableModel } from '../onnx/edit';
import { shallowCopy } from '../onnx/proto';
import { makeFloat32Tensor, makeRawTensor } from '../onnx/tensor';
import { markLazy, type LazyRaw } from '../onnx/lazy';
import { dtypeByteSize, onnxDataType } from '../onnx/dtype';
import type { Dtype } from '../onnx/types';
import type { WeightInfo } from '../onnx/types';
import { packLevels, type PackContainer } from '../quant/pack';
import type { MatMulNBitsPacked } from '../quant/matmulnbits';
import type { QuantizedTensor } from '../quant/types';
import { COM_MICROSOFT, type Encoding } from './encoding';
import { intAttr, makeNode } from './nodes';
import type { StoredBytes } from '../pipeline/types';

/** One weight, quantized, ready to be written. */
export type EncodedWeight =
  | {
      kind: 'dq';
      weight: WeightInfo;
      encoding: Extract<Encoding, { kind: 'dq' }>;
      /** The grid; the levels come already packed into the encoding's container (quantizeFused). */
      q: Omit<QuantizedTensor, 'levels'>;
      packed: Payload;
    }
  | {
      kind: 'matmulnbits';
      weight: WeightInfo;
      encoding: Extract<Encoding, { kind: 'matmulnbits' }>;
      q: Omit<QuantizedTensor, 'levels'>;
      /** The node's initializers, packed where the levels were made (B possibly spilled to a file already). */
      nbits: NBitsPayload;
    }
  | { kind: 'cast'; weight: WeightInfo; fp16: Uint16Array | LazyRaw };

/** A tensor's bytes: in memory, or already written to a file (RunHooks.spill) and read back when the model is. */
export type Payload = Uint8Array | LazyRaw;

export type NBitsPayload = Omit<MatMulNBitsPacked, 'B'> & { B: Payload };

export const payloadLength = (p: Payload | Uint16Array): number =>
  ArrayBuffer.isView(p) ? p.byteLength : p.end - p.start;

/** An initializer holding `p`: raw_data, or a lazy one whose bytes stay in the spill file until written. */
function payloadTensor(name: string, dtype: Dtype, dims: number[], p: Payload): TensorProto {
  if (ArrayBuffer.isView(p)) return makeRawTensor(name, dtype, dims, p);
  const expected = dtypeByteSize(
    dtype,
    dims.reduce((a, b) => a * b, 1),
  );
  if (p.end - p.start !== expected)
    throw new Error(`payloadTensor: ${name} has ${p.end - p.start} bytes, expected ${expected}`);
  const t = create(TensorProtoSchema, { name, dataType: onnxDataType(dtype), dims: dims.map(BigInt) });
  markLazy(t, p);
  return t;
}

const FLOAT_TYPE: Record<string, number> = {
  float32: TensorProto_DataType.FLOAT,
  float16: TensorProto_DataType.FLOAT16,
  float64: TensorProto_DataType.DOUBLE,
  bfloat16: TensorProto_DataType.BFLOAT16,
};

/** The bytes a weight occupies after encoding, by part. */
export function encodedParts(e: EncodedWeight): StoredBytes {
  if (e.kind === 'cast') return { levels: payloadLength(e.fp16), scales: 0, zeroPoints: 0 };
  const { q } = e;
  if (e.kind === 'matmulnbits') return matmulNBitsParts(q, e.encoding.bits);
  const bitsPer = e.encoding.container.endsWith('int2') ? 2 : e.encoding.container.endsWith('int4') ? 4 : 8;
  const packed = (n: number) => Math.ceil((n * bitsPer) / 8);
  return {
    levels: payloadLength(e.packed),
    scales: q.scales.length * 4,
    zeroPoints: q.zeroPoints ? packed(q.zeroPoints.length) : 0,
  };
}

/** All the bytes of a weight's stored parts. */
export const storedTotal = (b: StoredBytes): number => b.levels + b.scales + b.zeroPoints;

/** The bytes a weight occupies after encoding (levels + scales + zero points, or fp16 values). */
export const encodedBytes = (e: EncodedWeight): number => storedTotal(encodedParts(e));

/** MatMulNBits' B, scales and zero points for a grid `q` stored in `bits`-bit blobs. */
export function matmulNBitsParts(q: Omit<QuantizedTensor, 'levels'>, bits: 2 | 4 | 8): StoredBytes {
  const [k, n] = q.shape;
  const kBlocks = Math.ceil(k / q.blockSize!);
  return {
    levels: n * kBlocks * ((q.blockSize! * bits) / 8),
    scales: q.scales.length * 4,
    zeroPoints: q.zeroPoints ? n * Math.ceil((kBlocks * bits) / 8) : 0,
  };
}

/** The bytes of MatMulNBits' B, scales and zero points for a grid `q` stored in `bits`-bit blobs. */
export const matmulNBitsBytes = (q: Omit<QuantizedTensor, 'levels'>, bits: 2 | 4 | 8): number =>
  storedTotal(matmulNBitsParts(q, bits));

/**
 * Write every encoded weight into a copy of `proto`: new initializers + a DequantizeLinear (or Cast) node feeding the
 * op directly (the Reshape/Transpose/... chain it used to go through is folded into the stored tensor), or the MatMul
 * replaced by MatMulNBits. Initializers and chain nodes nothing else uses any more are dropped.
 */
export function applyEncodings(
  proto: ModelProto,
  encoded: EncodedWeight[],
  opts: { stripDocStrings: boolean } = { stripDocStrings: false },
): ModelProto {
  const edit = new EditableModel(proto);
  const { model } = edit;
  const main = edit.graph([]);
  if (opts.stripDocStrings)
    main.node = main.node.map((n) => (n.docString ? shallowCopy(n, { docString: '' }) : n));
  const fresh = uniqueNameGenerator(model);
  // New nodes go first in the graph that holds the weight's constant: every use sees it there (same graph or by
  // outer-scope reference from a subgraph), and a Loop body does not dequantize again on every iteration.
  const front = new Map<GraphProto, NodeProto[]>();
  const pushFront = (g: GraphProto, n: NodeProto) => front.set(g, [...(front.get(g) ?? []), n]);
  let usesMicrosoft = false;

  for (const e of encoded) {
    const w = e.weight;
    const base = w.name.replace(/[^A-Za-z0-9_.:/-]/g, '_');
    const home = edit.graph(w.homePath);
    const inits: TensorProto[] = [];
    if (e.kind === 'matmulnbits') {
      const { bits } = e.encoding;
      const [k, n] = e.q.shape;
      const packed = e.nbits;
      const bName = fresh(`${base}_nbits`);
      const sName = fresh(`${base}_scales`);
      inits.push(payloadTensor(bName, 'uint8', packed.bDims, packed.B));
      inits.push(makeFloat32Tensor(sName, packed.scaleDims, packed.scales));
      const extra = [bName, sName];
      if (packed.zeroPoints) {
        const zName = fresh(`${base}_zero_points`);
        inits.push(makeRawTensor(zName, 'uint8', packed.zeroPointDims!, packed.zeroPoints));
        extra.push(zName);
      }
      for (const use of w.uses) {
        const g = edit.graph(use.graphPath);
        const consumer = g.node[use.nodeIndex];
        g.node[use.nodeIndex] = makeNode('MatMulNBits', [consumer.input[0], ...extra], [...consumer.output], {
          name: consumer.name || fresh(`${base}_MatMulNBits`),
          domain: COM_MICROSOFT,
          attributes: [
            intAttr('K', k),
            intAttr('N', n),
            intAttr('bits', bits),
            intAttr('block_size', e.q.blockSize!),
          ],
        });
      }
      usesMicrosoft = true;
    } else {
      let out: string;
      if (e.kind === 'cast') {
        const hName = fresh(`${base}_fp16`);
        const bytes = ArrayBuffer.isView(e.fp16)
          ? new Uint8Array(e.fp16.buffer, e.fp16.byteOffset, e.fp16.byteLength)
          : e.fp16;
        inits.push(payloadTensor(hName, 'float16', w.shape, bytes));
        out = fresh(`${base}_float`);
        pushFront(
          home,
          makeNode('Cast', [hName], [out], {
            name: fresh(`${base}_Cast`),
            attributes: [intAttr('to', FLOAT_TYPE[w.opDtype])],
          }),
        );
      } else {
        const { q, encoding } = e;
        const container = encoding.container as PackContainer;
        const qName = fresh(`${base}_quantized`);
        const sName = fresh(`${base}_scale`);
        inits.push(payloadTensor(qName, container, q.shape, e.packed));
        inits.push(makeFloat32Tensor(sName, q.axis === null ? [] : q.scaleShape, q.scales));
        const inputs = [qName, sName];
        if (q.zeroPoints) {
          const zName = fresh(`${base}_zero_point`);
          inits.push(
            makeRawTensor(
              zName,
              container,
              q.axis === null ? [] : q.scaleShape,
              packLevels(q.zeroPoints, container),
            ),
          );
          inputs.push(zName);
        }
        const attributes = [];
        if (q.axis !== null) attributes.push(intAttr('axis', q.axis));
        if (q.blockSize !== null) attributes.push(intAttr('block_size', q.blockSize));
        out = fresh(`${base}_dequantized`);
        pushFront(
          home,
          makeNode('DequantizeLinear', inputs, [out], {
            name: fresh(`${base}_DequantizeLinear`),
            domain: encoding.domain,
            attributes,
          }),
        );
        if (encoding.domain === COM_MICROSOFT) usesMicrosoft = true;
        if (w.opDtype !== 'float32') {
          const cast = fresh(`${base}_${w.opDtype}`);
          pushFront(
            home,
            makeNode('Cast', [out], [cast], {
              name: fresh(`${base}_Cast`),
              attributes: [intAttr('to', FLOAT_TYPE[w.opDtype])],
            }),
          );
          out = cast;
        }
      }
      for (const use of w.uses) {
        const g = edit.graph(use.graphPath);
        const consumer = g.node[use.nodeIndex];
        const input = [...consumer.input];
        input[use.inputIndex] = out;
        g.node[use.nodeIndex] = shallowCopy(consumer, { input });
      }
    }
    home.initializer.push(...inits);
  }

  for (const [g, nodes] of front) g.node = [...nodes, ...g.node];
  model.irVersion = BigInt(Math.max(Number(model.irVersion), ...encoded.map(minIrVersion)));
  const candidates = new Set(encoded.map((e) => e.weight.initializer));
  removeDeadConstants(main, edit.all(), candidates);
  if (usesMicrosoft && !model.opsetImport.some((o) => o.domain === COM_MICROSOFT)) {
    model.opsetImport.push(shallowCopy(model.opsetImport[0], { domain: COM_MICROSOFT, version: 1n }));
  }
  return model;
}

/**
 * IR 10 introduced int4/uint4 and IR 13 int2/uint2; IR < 4 models must list every initializer as a graph input,
 * which our new initializers are not, so 4 is the floor once we add any.
 */
function minIrVersion(e: EncodedWeight): number {
  if (e.kind !== 'dq') return 4;
  if (e.encoding.container.endsWith('int2')) return 13;
  return e.encoding.container.endsWith('int4') ? 10 : 4;
}

/**
 * Drop the weights' old initializers, Constant nodes and folded chain nodes once nothing reads them, in every graph
 * we edited. "Reads" spans the whole model: a subgraph may read a value of an outer graph by name.
 */
function removeDeadConstants(main: GraphProto, graphs: GraphProto[], weights: Set<string>): void {
  const candidates = new Set(weights);
  for (;;) {
    const used = usedValues(main);
    let removed = 0;
    for (const graph of graphs) {
      const initializers = new Set(graph.initializer.map((t) => t.name));
      const before = graph.node.length;
      graph.node = graph.node.filter((n) => {
        const unused = n.output.length > 0 && n.output.every((o) => !used.has(o));
        const constantInputs = n.input.every((i) => i === '' || candidates.has(i) || initializers.has(i));
        const touchesWeight =
          n.output.some((o) => candidates.has(o)) || n.input.some((i) => candidates.has(i));
        if (unused && constantInputs && touchesWeight) {
          for (const i of n.input) candidates.add(i);
          for (const o of n.output) candidates.add(o);
          return false;
        }
        return true;
      });
      removed += before - graph.node.length;
    }
    if (removed === 0) break;
  }
  const used = usedValues(main);
  const dead = (name: string) => candidates.has(name) && !used.has(name);
  for (const graph of graphs) {
    graph.initializer = graph.initializer.filter((t) => !dead(t.name));
    graph.input = graph.input.filter((v) => !dead(v.name));
    graph.valueInfo = graph.valueInfo.filter((v) => !dead(v.name));
  }
}

/**
 * Every name read anywhere: by a node of this graph or of any nested body, or by a graph output. Unlike graph.ts's
 * consumer index (one graph and its bodies' free names), the sweep also removes dead nodes inside bodies.
 */
function usedValues(graph: GraphProto): Set<string> {
  const used = new Set<string>();
  const visit = (g: GraphProto) => {
    for (const n of g.node) {
      for (const i of n.input) used.add(i);
      for (const a of n.attribute) {
        if (a.g) visit(a.g);
        for (const sg of a.graphs) visit(sg);
      }
    }
    for (const o of g.output) used.add(o.name);
  };
  visit(graph);
  return used;
}
