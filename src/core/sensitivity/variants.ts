// One model per layer: the float model with exactly one weight replaced by its quantized-then-dequantized values
// (fake quantization). Every session is then an ordinary float model, so onnxruntime computes exactly what the
// exported model computes in exact (weight-only) mode, and no input has to be fed from JS (an initializer that is
// also a graph input cannot be: onnxruntime-web rejects the feed, onnxruntime-node ignores it).
import { findWeights, readWeight, serializeModel } from '../onnx';
import { shallowCopy } from '../onnx/proto';
import { makeFloat32Tensor } from '../onnx/tensor';
import type { OnnxModel, WeightInfo } from '../onnx/types';
import { errorSums, sqnrDb } from '../metrics/error';
import { quantizeWeight } from '../pipeline/weight';
import { specFor, type QuantConfig, type WeightSpec } from '../quant/config';

export interface SkippedLayer {
  name: string;
  reason: string;
}

/** Why a weight cannot be measured alone by writing it back, or null when it can. */
function unmeasurable(w: WeightInfo): string | null {
  if (w.consumers > 1) return 'tied weight (one initializer feeds several ops)';
  if (w.source !== 'initializer') return 'a Constant node, not an initializer';
  if (w.homePath.length > 0) return 'initializer of a subgraph';
  if (w.dtype !== 'float32') return `${w.dtype} weight (only float32 weights are written back)`;
  if (!w.via.every((op) => op === 'Reshape' || op === 'Identity')) {
    return `read through ${w.via.join('→')} (element order differs from the initializer)`;
  }
  return null;
}

/**
 * The weights a run measures: those `config` would quantize with its global settings (per-layer overrides are
 * ignored: sensitivity ranks every layer, including ones the user keeps float), minus those that cannot be
 * written back alone, which are listed with the reason.
 */
export function sensitivityTargets(
  model: OnnxModel,
  config: QuantConfig,
): { targets: WeightInfo[]; skipped: SkippedLayer[] } {
  const base = { ...config, layers: {} };
  const targets: WeightInfo[] = [];
  const skipped: SkippedLayer[] = [];
  for (const w of findWeights(model, { includeGather: config.includeGather })) {
    if (!specFor(base, w.name)) continue;
    const reason = unmeasurable(w);
    if (reason) skipped.push({ name: w.name, reason });
    else targets.push(w);
  }
  return { targets, skipped };
}

/** The spec every measured layer gets: the config's global settings at `bits`. */
export const sensitivitySpec = (config: QuantConfig): WeightSpec => specFor({ ...config, layers: {} }, '')!;

export interface LayerVariant {
  /** The whole model, serialized, with this one weight fake-quantized. */
  bytes: Uint8Array;
  /** Weight SQNR (dB) of this layer at `spec`: the data-free proxy. */
  weightSqnrDb: number;
}

/** Serialize `model` with weight `w` replaced by Q(w) dequantized to float32 (the model itself is not touched). */
export async function layerVariant(model: OnnxModel, w: WeightInfo, spec: WeightSpec): Promise<LayerVariant> {
  const values = await readWeight(model, w);
  const deq = quantizeWeight(values, w, spec).dequantized;
  const s = errorSums(values, deq);
  const graph = model.proto.graph!;
  const initializer = graph.initializer.map((t) =>
    t.name === w.initializer ? makeFloat32Tensor(t.name, t.dims.map(Number), deq) : t,
  );
  const proto = shallowCopy(model.proto, { graph: shallowCopy(graph, { initializer }) });
  return { bytes: serializeModel(proto), weightSqnrDb: sqnrDb(s.signal, s.noise) };
}
