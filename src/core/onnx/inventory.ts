// What a model holds besides the weights we quantize: every float constant (so none is left float in silence) and
// what is already quantized (integer weights behind ConvInteger, MatMulInteger, QLinear*, MatMulNBits, DequantizeLinear).
import type { GraphProto, TensorProto } from 'onnx-buf';
import { dtypeByteSize, tryDtypeFromOnnx, isFloatDtype } from './dtype';
import { forEachGraph, getAttribute, isDefaultDomain } from './graph';
import { tensorDims, tensorElements } from './tensor';
import type { Dtype, WeightInfo } from './types';
import type { QuantizedGroup } from './quantized-text';

export { describeQuantized, type QuantizedGroup } from './quantized-text';

export interface FloatConstant {
  name: string;
  elements: number;
  dtype: Dtype;
  /** The ops that read it, e.g. `Conv input 2`. */
  readers: string[];
}

/** Every float constant (initializer or Constant node) of every graph, with who reads it. */
export function floatConstants(main: GraphProto): FloatConstant[] {
  const out: FloatConstant[] = [];
  const readers = new Map<string, string[]>();
  forEachGraph(main, (g) => {
    for (const n of g.node)
      n.input.forEach((i, k) => {
        if (!i) return;
        const list = readers.get(i) ?? [];
        list.push(`${n.opType} input ${k}`);
        readers.set(i, list);
      });
  });
  const add = (name: string, t: TensorProto) => {
    const dtype = tryDtypeFromOnnx(t.dataType);
    if (!dtype || !isFloatDtype(dtype)) return;
    out.push({ name, elements: tensorElements(t), dtype, readers: readers.get(name) ?? [] });
  };
  forEachGraph(main, (g) => {
    for (const t of g.initializer) add(t.name, t);
    for (const n of g.node) {
      const t =
        n.opType === 'Constant' && isDefaultDomain(n.domain) ? getAttribute(n, 'value')?.t : undefined;
      if (t && n.output[0]) add(n.output[0], t);
    }
  });
  return out;
}

const BIAS: Record<string, number[]> = {
  Conv: [2],
  ConvTranspose: [2],
  Gemm: [2],
  LSTM: [3],
  GRU: [3],
  RNN: [3],
};
const STATE: Record<string, number[]> = { LSTM: [5, 6, 7], GRU: [5], RNN: [5] };

/** Why a float constant that is not a weight stays float (a bias, a norm parameter, a shape-only value...). */
export function whyNotWeight(c: FloatConstant): string {
  const r = c.readers;
  if (r.length === 0) return 'not read by any op';
  const is = (table: Record<string, number[]>) =>
    r.every((x) => {
      const [op, , k] = x.split(' ');
      return table[op]?.includes(Number(k));
    });
  if (is(BIAS)) return 'bias (kept float, as onnxruntime does)';
  if (is(STATE)) return 'initial state of a recurrent op';
  if (
    r.every((x) =>
      /^(BatchNormalization|LayerNormalization|InstanceNormalization|GroupNormalization) /.test(x),
    )
  )
    return 'normalization parameter';
  if (c.elements <= 1) return 'scalar';
  const ops = [...new Set(r.map((x) => x.split(' ')[0]))].join(', ');
  return `read by ${ops}: not a weight input we quantize`;
}

export interface FloatLeft {
  name: string;
  elements: number;
  /** As stored (elements × the dtype's size). */
  bytes: number;
  reason: string;
}

/**
 * Float constants a run leaves float that are not among `weights` (those carry their own skip reasons), and the
 * fraction of float parameters the run quantized.
 */
export function floatLeftOutside(main: GraphProto, weights: WeightInfo[]): FloatLeft[] {
  const weightNames = new Set(weights.map((w) => w.initializer));
  return floatConstants(main)
    .filter((c) => !weightNames.has(c.name))
    .map((c) => ({
      name: c.name,
      elements: c.elements,
      bytes: dtypeByteSize(c.dtype, c.elements),
      reason: whyNotWeight(c),
    }));
}

/** Which input holds the integer weight, and which its scale (-1: none on the node). */
const INT_WEIGHT: Record<string, { w: number; scale: number; zp: number }> = {
  ConvInteger: { w: 1, scale: -1, zp: 3 },
  MatMulInteger: { w: 1, scale: -1, zp: 3 },
  QLinearConv: { w: 3, scale: 4, zp: 5 },
  QLinearMatMul: { w: 3, scale: 4, zp: 5 },
  QGemm: { w: 3, scale: 4, zp: 5 },
  MatMulNBits: { w: 1, scale: 2, zp: 3 },
  DequantizeLinear: { w: 0, scale: 1, zp: 2 },
  DynamicQuantizeMatMul: { w: 1, scale: 2, zp: 3 },
  GatherBlockQuantized: { w: 0, scale: 2, zp: 3 },
};

/** Integer weights the model already has, grouped by consuming op, dtype and granularity. */
export function detectQuantized(main: GraphProto): QuantizedGroup[] {
  const groups = new Map<string, QuantizedGroup & { dtypeSet: Set<string> }>();
  forEachGraph(main, (g) => {
    const consts = new Map<string, TensorProto>(g.initializer.map((t) => [t.name, t]));
    for (const n of g.node) {
      const t = n.opType === 'Constant' ? getAttribute(n, 'value')?.t : undefined;
      if (t && n.output[0]) consts.set(n.output[0], t);
    }
    for (const n of g.node) {
      const spec = INT_WEIGHT[n.opType];
      if (!spec) continue;
      const w = consts.get(n.input[spec.w] ?? '');
      const dtype = w && tryDtypeFromOnnx(w.dataType);
      if (!w || !dtype || isFloatDtype(dtype)) continue;
      const scale = spec.scale >= 0 ? consts.get(n.input[spec.scale] ?? '') : undefined;
      const zp = consts.get(n.input[spec.zp] ?? '');
      const per = scale ?? zp;
      const granularity =
        n.opType === 'MatMulNBits' || getAttribute(n, 'block_size')?.i
          ? 'block'
          : per
            ? tensorElements(per) <= 1
              ? 'per-tensor'
              : tensorDims(per).length <= 1
                ? 'per-channel'
                : 'block'
            : spec.scale < 0
              ? 'per-tensor'
              : 'unknown';
      const op = isDefaultDomain(n.domain) ? n.opType : `${n.domain}.${n.opType}`;
      const key = `${op}|${granularity}`;
      const entry = groups.get(key) ?? {
        op,
        count: 0,
        dtypes: [],
        granularity,
        params: 0,
        dtypeSet: new Set(),
      };
      entry.count += 1;
      entry.params +=
        n.opType === 'MatMulNBits'
          ? Number(getAttribute(n, 'K')?.i ?? 0) * Number(getAttribute(n, 'N')?.i ?? 0)
          : tensorElements(w);
      entry.dtypeSet.add(n.opType === 'MatMulNBits' ? `${getAttribute(n, 'bits')?.i ?? 4}-bit` : dtype);
      groups.set(key, entry);
    }
  });
  return [...groups.values()].map(({ dtypeSet, ...g }) => ({ ...g, dtypes: [...dtypeSet] }));
}
