// An independent reading of an exported model: every DequantizeLinear / Cast-from-float16 / MatMulNBits on constant
// inputs is evaluated here, in plain float64 JS from the stored bytes (no code shared with src/core/quant), and the
// node is replaced by a float32 initializer. Running this float model gives the reference outputs.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  ModelProtoSchema,
  NodeProtoSchema,
  TensorProto_DataType as DT,
  TensorProtoSchema,
  type GraphProto,
  type TensorProto,
} from 'onnx-buf';

const attr = (n: { attribute: { name: string; i: bigint }[] }, name: string, dflt: number) => {
  const a = n.attribute.find((x) => x.name === name);
  return a ? Number(a.i) : dflt;
};

/** Integer values of a tensor stored in raw_data (int8/uint8/int4/uint4/int2/uint2). */
function ints(t: TensorProto): number[] {
  const count = t.dims.reduce((a, d) => a * Number(d), 1);
  const raw = t.rawData;
  const out: number[] = [];
  const bits = { [DT.INT8]: 8, [DT.UINT8]: 8, [DT.INT4]: 4, [DT.UINT4]: 4, [DT.INT2]: 2, [DT.UINT2]: 2 }[
    t.dataType
  ];
  if (!bits) throw new Error(`reference: unsupported quantized type ${t.dataType} in ${t.name}`);
  const signed = t.dataType === DT.INT8 || t.dataType === DT.INT4 || t.dataType === DT.INT2;
  for (let i = 0; i < count; i++) {
    const bitPos = i * bits;
    const v = (raw[bitPos >> 3] >> (bitPos & 7)) & ((1 << bits) - 1);
    out.push(signed && v >= 1 << (bits - 1) ? v - (1 << bits) : v);
  }
  return out;
}

function floats(t: TensorProto): number[] {
  const count = t.dims.reduce((a, d) => a * Number(d), 1);
  if (t.dataType === DT.FLOAT && t.rawData.length) {
    const dv = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    return Array.from({ length: count }, (_, i) => dv.getFloat32(i * 4, true));
  }
  if (t.dataType === DT.FLOAT) return [...t.floatData];
  if (t.dataType === DT.FLOAT16) {
    const dv = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    return Array.from({ length: count }, (_, i) => half(dv.getUint16(i * 2, true)));
  }
  throw new Error(`reference: unsupported float type ${t.dataType} in ${t.name}`);
}

function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 31;
  const m = h & 1023;
  return e === 0 ? s * m * 2 ** -24 : s * (1 + m / 1024) * 2 ** (e - 15);
}

const f32 = (name: string, dims: number[], values: number[]) =>
  create(TensorProtoSchema, {
    name,
    dims: dims.map(BigInt),
    dataType: DT.FLOAT,
    rawData: new Uint8Array(Float32Array.from(values).buffer),
  });

/** ONNX DequantizeLinear semantics, straight from the spec: per-tensor, per-axis, blocked. */
function dequantizeLinear(
  x: TensorProto,
  scale: TensorProto,
  zp: TensorProto | undefined,
  axisAttr: number,
  blockSize: number,
) {
  const dims = x.dims.map(Number);
  const q = ints(x);
  const s = floats(scale);
  const z = zp ? ints(zp) : s.map(() => 0);
  const rank = dims.length;
  const axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
  const perTensor = s.length === 1 && scale.dims.length <= 1 && !blockSize;
  const strides = dims.map((_, i) => dims.slice(i + 1).reduce((a, d) => a * d, 1));
  const sDims = dims.map((d, i) => (i === axis && blockSize ? Math.ceil(d / blockSize) : d));
  const sStrides = sDims.map((_, i) => sDims.slice(i + 1).reduce((a, d) => a * d, 1));
  return q.map((level, i) => {
    let g = 0;
    if (!perTensor) {
      if (blockSize) {
        for (let a = 0; a < rank; a++) {
          const idx = Math.floor(i / strides[a]) % dims[a];
          g += (a === axis ? Math.floor(idx / blockSize) : idx) * sStrides[a];
        }
      } else g = Math.floor(i / strides[axis]) % dims[axis];
    }
    return Math.fround((level - z[g]) * s[g]);
  });
}

/** MatMulNBits B [N, kBlocks, blob] + scales [N·kBlocks] (+ packed zero points) → W [K, N] (row-major). */
function matMulNBitsWeight(
  n: { attribute: { name: string; i: bigint }[] },
  b: TensorProto,
  sc: TensorProto,
  zp?: TensorProto,
) {
  const K = attr(n, 'K', 0);
  const N = attr(n, 'N', 0);
  const bits = attr(n, 'bits', 4);
  const bs = attr(n, 'block_size', 32);
  const kBlocks = Math.ceil(K / bs);
  const s = floats(sc);
  const zpRow = Math.ceil((kBlocks * bits) / 8);
  const mask = (1 << bits) - 1;
  const w = new Array<number>(K * N);
  for (let col = 0; col < N; col++) {
    for (let k = 0; k < K; k++) {
      const blk = Math.floor(k / bs);
      const bitPos = (col * kBlocks * bs + k) * bits;
      const q = (b.rawData[bitPos >> 3] >> (bitPos & 7)) & mask;
      const zBit = blk * bits;
      const z = zp ? (zp.rawData[col * zpRow + (zBit >> 3)] >> (zBit & 7)) & mask : 1 << (bits - 1);
      w[k * N + col] = Math.fround((q - z) * s[col * kBlocks + blk]);
    }
  }
  return { K, N, w };
}

/** Replace every constant-input dequantization in `bytes` by float32 initializers; returns a new model. */
export function referenceFloatModel(bytes: Uint8Array): Uint8Array {
  const model = fromBinary(ModelProtoSchema, bytes);
  rewriteGraph(model.graph!);
  return toBinary(ModelProtoSchema, model);
}

/** One graph and, first, its If/Loop/Scan bodies (the exporter dequantizes in the graph holding the weight). */
function rewriteGraph(g: GraphProto): void {
  for (const n of g.node) for (const a of n.attribute) if (a.g) rewriteGraph(a.g);
  const init = new Map(g.initializer.map((t) => [t.name, t]));
  const keep = [];
  for (const n of g.node) {
    const get = (i: number) => (n.input[i] ? init.get(n.input[i]) : undefined);
    if (n.opType === 'DequantizeLinear' && get(0) && get(1)) {
      const x = get(0)!;
      const values = dequantizeLinear(x, get(1)!, get(2), attr(n, 'axis', 1), attr(n, 'block_size', 0));
      const t = f32(n.output[0], x.dims.map(Number), values);
      init.set(t.name, t);
      g.initializer.push(t);
    } else if (
      n.opType === 'Cast' &&
      get(0) &&
      get(0)!.dataType === DT.FLOAT16 &&
      attr(n, 'to', 0) === DT.FLOAT
    ) {
      const x = get(0)!;
      const t = f32(n.output[0], x.dims.map(Number), floats(x));
      init.set(t.name, t);
      g.initializer.push(t);
    } else if (n.opType === 'MatMulNBits' && get(1) && get(2)) {
      const { K, N, w } = matMulNBitsWeight(n, get(1)!, get(2)!, get(3));
      const name = `${n.output[0]}__reference_weight`;
      g.initializer.push(f32(name, [K, N], w));
      keep.push(
        create(NodeProtoSchema, {
          opType: 'MatMul',
          input: [n.input[0], name],
          output: n.output,
          name: n.name,
        }),
      );
    } else keep.push(n);
  }
  g.node = keep;
}
