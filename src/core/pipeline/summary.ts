import { storedTotal } from '../export/rewrite';
import { floatLeftOutside } from '../onnx/inventory';
import type { OnnxModel, WeightInfo } from '../onnx/types';
import type { QuantConfig } from '../quant/config';
import type { LayerMetrics } from '../metrics/types';
import type { LayerResult, RunSummary, StoredBytes } from './types';
import type { LayerRounding } from './method';
import type { Planned } from './plan';

/** One quantized layer's row of the summary. */
export function layerResult(
  metrics: LayerMetrics,
  { weight: w, spec, encoding, fallback }: Planned,
  stored: StoredBytes,
  rounding: LayerRounding | undefined,
): LayerResult {
  return {
    ...metrics,
    name: w.name,
    op: w.op,
    shape: w.shape,
    elements: w.elements,
    bits: spec.bits,
    scheme: spec.scheme,
    granularity: spec.granularity,
    blockSize: spec.granularity === 'block' ? spec.blockSize : null,
    container: encoding.kind === 'cast' ? 'float16' : encoding.container,
    encoding:
      encoding.kind === 'cast'
        ? 'Cast'
        : encoding.kind === 'matmulnbits'
          ? 'MatMulNBits'
          : encoding.domain
            ? 'com.microsoft.DequantizeLinear'
            : 'DequantizeLinear',
    bytesBefore: w.bytes,
    bytesAfter: storedTotal(stored),
    stored,
    ...(fallback ? { fallback } : {}),
    ...(rounding ? { rounding } : {}),
  };
}

/** The run's summary from its layers once the model is written (`fileBytesAfter`: both files' sizes). */
export function summarize(run: {
  runId: string;
  config: QuantConfig;
  model: OnnxModel;
  working: OnnxModel;
  weights: WeightInfo[];
  layers: LayerResult[];
  skipped: RunSummary['skipped'];
  notes: string[];
  opset: number;
  fileBytesAfter: number;
  overallSqnrDb: number;
  durationMs: number;
}): RunSummary {
  const { runId, config, model, working, weights, layers, skipped, notes, opset } = run;
  const finite = layers.map((l) => l.sqnrDb).filter(Number.isFinite);
  const worst = layers.reduce<LayerResult | null>(
    (a, l) => (a === null || l.sqnrDb < a.sqnrDb ? l : a),
    null,
  );
  const graph = working.proto.graph;
  const floatLeft = graph ? floatLeftOutside(graph, weights) : [];
  const weightParams = new Map(weights.map((w) => [`${w.homePath.length}|${w.initializer}`, w.elements]));
  const quantizedParams = layers.reduce((a, l) => a + l.elements, 0);
  return {
    runId,
    config,
    layers,
    skipped,
    floatLeft,
    floatParams: {
      total:
        [...weightParams.values()].reduce((a, b) => a + b, 0) + floatLeft.reduce((a, c) => a + c.elements, 0),
      quantized: quantizedParams,
    },
    fileBytesBefore:
      model.fileBytes + [...new Set(model.externalFiles.values())].reduce((a, b) => a + b.size, 0),
    fileBytesAfter: run.fileBytesAfter,
    opset,
    notes,
    overallSqnrDb: run.overallSqnrDb,
    meanSqnrDb: finite.length
      ? finite.reduce((a, b) => a + b, 0) / finite.length
      : layers.length
        ? Infinity
        : NaN,
    minSqnrDb: worst ? worst.sqnrDb : NaN,
    worstLayer: worst ? worst.name : null,
    durationMs: run.durationMs,
  };
}
