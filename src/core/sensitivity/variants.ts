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
 * The weights a run measures: those `config` would quantize, minus those that cannot be written back alone, which
 * are listed with the reason. Layers the user keeps float (`skip`) are measured too: the ranking is how a user
 * decides which to keep float.
 */
export function sensitivityTargets(
  model: OnnxModel,
  config: QuantConfig,
): { targets: WeightInfo[]; skipped: SkippedLayer[] } {
  const targets: WeightInfo[] = [];
  const skipped: SkippedLayer[] = [];
  for (const w of findWeights(model, { includeGather: config.includeGather })) {
    if (!specFor(layerBase(config, w.name), w.name)) continue;
    const reason = unmeasurable(w);
    if (reason) skipped.push({ name: w.name, reason });
    else targets.push(w);
  }
  return { targets, skipped };
}

/** `config` with layer `name`'s own settings (scheme, granularity, block size, clip) but not its skip or width. */
function layerBase(config: QuantConfig, name: string): QuantConfig {
  const { skip: _skip, bits: _bits, ...own } = config.layers[name] ?? {};
  return { ...config, layers: { [name]: own } };
}

/** The spec every measured layer gets at the run's width: the config's global settings. */
export const sensitivitySpec = (config: QuantConfig): WeightSpec => specFor({ ...config, layers: {} }, '')!;

/**
 * The spec layer `name` is measured with: the run's width (`config.bits`) with the layer's own scheme, granularity,
 * block size and clip where the user set them per layer — what the layer would get in a variant at that width.
 */
export const measuredSpecFor = (config: QuantConfig, name: string): WeightSpec =>
  specFor(layerBase(config, name), name)!;

export interface LayerVariant {
  /** The whole model, serialized, with these weights fake-quantized. */
  bytes: Uint8Array;
  /** Weight SQNR (dB) of these weights together at their specs: the data-free proxy. */
  weightSqnrDb: number;
}

/**
 * Serialize `model` with each weight of `ws` replaced by Q(w) dequantized to float32 (the model itself is not
 * touched). One weight: a layer alone; several: a block quantized together.
 */
export async function layerVariant(
  model: OnnxModel,
  ws: WeightInfo | readonly WeightInfo[],
  spec: WeightSpec | ((w: WeightInfo) => WeightSpec),
): Promise<LayerVariant> {
  const list = Array.isArray(ws) ? ws : [ws as WeightInfo];
  const specOf = typeof spec === 'function' ? spec : () => spec;
  const replaced = new Map<string, Float32Array>();
  let signal = 0;
  let noise = 0;
  for (const w of list) {
    const values = await readWeight(model, w);
    const deq = quantizeWeight(values, w, specOf(w)).dequantized;
    const s = errorSums(values, deq);
    signal += s.signal;
    noise += s.noise;
    replaced.set(w.initializer, deq);
  }
  const graph = model.proto.graph!;
  const initializer = graph.initializer.map((t) => {
    const deq = replaced.get(t.name);
    return deq ? makeFloat32Tensor(t.name, t.dims.map(Number), deq) : t;
  });
  const proto = shallowCopy(model.proto, { graph: shallowCopy(graph, { initializer }) });
  return { bytes: serializeModel(proto), weightSqnrDb: sqnrDb(signal, noise) };
}
