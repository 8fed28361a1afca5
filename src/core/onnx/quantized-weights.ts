// The integer weights of an already-quantized model, one by one, and their values dequantized the way the reading op
// does, so the studio and `inspect --json` can show their histograms. detectQuantized (inventory.ts) groups them.
import type { NodeProto, TensorProto } from 'onnx-buf';
import { StudioError } from '../errors';
import {
  dequantizeLevels,
  dequantizeNBits,
  layoutFor,
  type DequantLayout,
} from '../quant/dequantize-existing';
import { isFloatDtype, tryDtypeFromOnnx } from './dtype';
import { intAttribute, isDefaultDomain } from './graph';
import { levelsAt, makeLevel, resolveConstant, scopeLabel, type Level } from './scope';
import { readTensorAsFloat32, readTensorBytes, tensorDims, tensorElements } from './tensor';
import type { GraphPath, OnnxModel } from './types';

export interface QuantizedWeightInfo {
  /** The integer constant's name (`name@scope/node` when several ops read it). */
  name: string;
  /** The op reading it, domain-qualified outside ai.onnx (e.g. `com.microsoft.MatMulNBits`). */
  op: string;
  node: string;
  nodeIndex: number;
  graphPath: GraphPath;
  /** Readable graph location ('' = main graph). */
  scope: string;
  /** Stored element type (`4-bit` etc. for MatMulNBits' packed bytes). */
  dtype: string;
  granularity: 'per-tensor' | 'per-channel' | 'block';
  /** Shape of the weight the op computes with (MatMulNBits: [K, N]). */
  shape: number[];
  elements: number;
  /**
   * `value`: (q − zero point) · scale. `level`: q − zero point, when the scale is not a constant the model applies
   * to this weight alone (ConvInteger/MatMulInteger whose output is not scaled by a constant we can find).
   */
  unit: 'value' | 'level';
  /** Set when the values cannot be read back (e.g. GatherBlockQuantized): the histogram is not available. */
  unsupported?: string;
}

/** The tensors and layout that dequantize one weight. */
interface Plan {
  q: TensorProto;
  qName: string;
  dtype: string;
  shape: number[];
  scale: TensorProto | null;
  zp: TensorProto | null;
  layout: DequantLayout | null;
  nbits?: { K: number; N: number; bits: number; blockSize: number };
  unsupported?: string;
}

/** Input index of the integer weight, its scale (-1: not on the node) and zero point; the axis of per-channel scales. */
const SPECS: Record<string, { w: number; scale: number; zp: number; axis: (n: NodeProto) => number }> = {
  DequantizeLinear: { w: 0, scale: 1, zp: 2, axis: (n) => intAttribute(n, 'axis', 1) },
  QLinearConv: { w: 3, scale: 4, zp: 5, axis: () => 0 },
  QLinearMatMul: { w: 3, scale: 4, zp: 5, axis: () => -1 },
  QGemm: { w: 3, scale: 4, zp: 5, axis: (n) => (intAttribute(n, 'transB', 0) ? 0 : 1) },
  DynamicQuantizeMatMul: { w: 1, scale: 2, zp: 3, axis: () => -1 },
  ConvInteger: { w: 1, scale: -1, zp: 3, axis: () => 0 },
  MatMulInteger: { w: 1, scale: -1, zp: 3, axis: () => -1 },
  MatMulNBits: { w: 1, scale: 2, zp: 3, axis: () => 0 },
  GatherBlockQuantized: { w: 0, scale: 2, zp: 3, axis: () => 0 },
};

const isFloatTensor = (t: TensorProto) => {
  const d = tryDtypeFromOnnx(t.dataType);
  return d !== undefined && isFloatDtype(d);
};

/**
 * ConvInteger/MatMulInteger carry no weight scale: onnxruntime's quantizer multiplies the integer result by
 * (x_scale · w_scale) after a Cast. Follow Cast → Mul and take the constant factor (or the constant factor of the
 * Mul that feeds it).
 */
function tracedScale(levels: Level[], node: NodeProto): TensorProto | null {
  const graph = levels[levels.length - 1].graph;
  const readers = (v: string) => graph.node.filter((n) => n.input.includes(v));
  let value = node.output[0];
  for (let hop = 0; hop < 3 && value; hop++) {
    const next = readers(value);
    if (next.length !== 1) return null;
    const n = next[0];
    if (n.opType === 'Cast') {
      value = n.output[0];
      continue;
    }
    if (n.opType !== 'Mul') return null;
    const other = n.input.find((i) => i !== value) ?? '';
    const direct = resolveConstant(levels, other);
    if (direct && isFloatTensor(direct.tensor)) return direct.tensor;
    const producer = graph.node.find((p) => p.output.includes(other));
    if (producer?.opType !== 'Mul') return null;
    for (const i of producer.input) {
      const c = resolveConstant(levels, i);
      if (c && isFloatTensor(c.tensor)) return c.tensor;
    }
    return null;
  }
  return null;
}

function planFor(levels: Level[], node: NodeProto): Plan | null {
  const spec = SPECS[node.opType];
  if (!spec) return null;
  const qName = node.input[spec.w] ?? '';
  const q = qName ? resolveConstant(levels, qName)?.tensor : undefined;
  if (!q) return null;
  const dtype = tryDtypeFromOnnx(q.dataType);
  if (!dtype || isFloatDtype(dtype)) return null;
  const constant = (i: number) =>
    i >= 0 && node.input[i] ? (resolveConstant(levels, node.input[i])?.tensor ?? null) : null;
  const zp = constant(spec.zp);
  if (node.opType === 'MatMulNBits') {
    const nb = {
      K: intAttribute(node, 'K', 0),
      N: intAttribute(node, 'N', 0),
      bits: intAttribute(node, 'bits', 4),
      blockSize: intAttribute(node, 'block_size', 0),
    };
    const scale = constant(spec.scale);
    return {
      q,
      qName,
      dtype: `${nb.bits}-bit`,
      shape: [nb.K, nb.N],
      scale,
      zp,
      layout: null,
      nbits: nb,
      unsupported: !scale
        ? 'its scales are not a constant'
        : node.input[4]
          ? 'g_idx (act-order) layout is not read back'
          : undefined,
    };
  }
  const shape = tensorDims(q);
  const base = { q, qName, dtype, shape, zp, layout: null };
  if (node.opType === 'GatherBlockQuantized')
    return { ...base, scale: null, unsupported: 'GatherBlockQuantized tables are not read back' };
  const scale = spec.scale >= 0 ? constant(spec.scale) : tracedScale(levels, node);
  const per = scale ?? zp;
  const perShape = per ? tensorDims(per) : [];
  try {
    const layout = layoutFor(shape, perShape, spec.axis(node), intAttribute(node, 'block_size', 0));
    return { ...base, scale, layout };
  } catch (e) {
    return { ...base, scale, unsupported: (e as Error).message };
  }
}

/** Every integer weight read by a quantized op, in every graph (If/Loop/Scan bodies included). */
export function listQuantizedWeights(model: OnnxModel): QuantizedWeightInfo[] {
  const main = model.proto.graph;
  if (!main) return [];
  const out: QuantizedWeightInfo[] = [];
  const walk = (levels: Level[]) => {
    const graph = levels[levels.length - 1].graph;
    graph.node.forEach((node, nodeIndex) => {
      const plan = planFor(levels, node);
      if (plan) {
        const path = levels[levels.length - 1].path;
        const granularity =
          plan.nbits || plan.layout?.blockSize
            ? 'block'
            : plan.layout?.axis === null || !plan.layout
              ? 'per-tensor'
              : 'per-channel';
        out.push({
          name: plan.qName,
          op: isDefaultDomain(node.domain) ? node.opType : `${node.domain}.${node.opType}`,
          node: node.name || `#${nodeIndex}`,
          nodeIndex,
          graphPath: path,
          scope: scopeLabel(main, path),
          dtype: plan.dtype,
          granularity,
          shape: plan.shape,
          elements: plan.shape.reduce((a, b) => a * b, 1),
          unit: plan.scale ? 'value' : 'level',
          ...(plan.unsupported ? { unsupported: plan.unsupported } : {}),
        });
      }
      for (const a of node.attribute)
        if (a.g)
          walk([
            ...levels,
            makeLevel(a.g, [...levels[levels.length - 1].path, { nodeIndex, attribute: a.name }]),
          ]);
    });
  };
  walk([makeLevel(main, [])]);
  // One initializer read by several ops: name each reading apart.
  const seen = new Map<string, number>();
  for (const w of out) seen.set(w.name, (seen.get(w.name) ?? 0) + 1);
  return out.map((w) =>
    (seen.get(w.name) ?? 0) > 1 ? { ...w, name: `${w.name}@${w.scope ? `${w.scope}/` : ''}${w.node}` } : w,
  );
}

/** The weight's values as its op computes with them: (q − zero point) · scale, or q − zero point (`unit: level`). */
export async function readDequantized(model: OnnxModel, w: QuantizedWeightInfo): Promise<Float32Array> {
  const main = model.proto.graph;
  const levels = main ? levelsAt(main, w.graphPath) : undefined;
  const node = levels?.[levels.length - 1].graph.node[w.nodeIndex];
  const plan = levels && node ? planFor(levels, node) : null;
  if (!plan) throw new StudioError('QuantConfigError', `no quantized weight named "${w.name}"`);
  if (plan.unsupported)
    throw new StudioError('UnsupportedModelError', `${w.name}: values not available (${plan.unsupported})`);
  const scales = plan.scale ? await readTensorAsFloat32(model, plan.scale) : null;
  if (plan.nbits) {
    const zp = plan.zp
      ? isFloatTensor(plan.zp)
        ? { values: await readTensorAsFloat32(model, plan.zp) }
        : { packed: await readTensorBytes(model, plan.zp) }
      : null;
    return dequantizeNBits({
      ...plan.nbits,
      B: await readTensorBytes(model, plan.q),
      scales: scales!,
      zeroPoints: zp,
    });
  }
  const layout = plan.layout!;
  const q = await readTensorAsFloat32(model, plan.q);
  const zp = plan.zp ? await readTensorAsFloat32(model, plan.zp) : null;
  const groups = (plan.scale ?? plan.zp) ? tensorElements((plan.scale ?? plan.zp)!) : 1;
  return dequantizeLevels(q, layout, scales ?? new Float32Array(groups).fill(1), zp);
}
