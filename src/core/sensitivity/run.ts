// Measured per-layer sensitivity: quantize one layer at a time (others float), run each such model on the same
// samples and compare its outputs with the float model's. It reuses the evaluator (feeds, batching, preprocessing,
// KL / agreement / output SQNR), with one variant per layer built on demand, so only one extra model is in memory.
import { equalizeModel } from '../equalize/equalize';
import { StudioError } from '../errors';
import { FLOAT_MODEL_ID, runEvaluation, type LoadedModel } from '../eval';
import type { EvalReport, ModeResult } from '../eval/results';
import type { EvalHooks } from '../eval/types';
import { readLazyTensors, serializeModel } from '../onnx';
import type { OnnxModel } from '../onnx/types';
import type { QuantConfig, WeightSpec } from '../quant/config';
import type { PreprocessOptions, SampleSet } from '../samples';
import { spearman } from './rank';
import type { LayerSensitivity, SensitivityProgress, SensitivityReport } from './types';
import { measuredUnits, type LayerSelection, type MeasuredUnit } from './groups';
import { layerVariant, measuredSpecFor, sensitivitySpec, sensitivityTargets } from './variants';

/** Opens serialized model bytes as a session (the evaluate worker: onnxruntime-web; never imported by core). */
export type OpenModel = (bytes: Uint8Array) => Promise<LoadedModel>;

export interface SensitivityRequest {
  /**
   * The settings: every layer is measured at `config.bits`, with its own per-layer scheme, granularity, block size
   * and clip where set, on the equalized model when `config.equalize` is on.
   */
  config: QuantConfig;
  preprocess: PreprocessOptions | null;
  maxSamples?: number;
  batchSize?: number;
  /** Measure only these weights (default: every weight the config quantizes). */
  layers?: string[];
  /** Fewer models for a large network (the user's choice): a sample of the layers, or one model per block. */
  selection?: LayerSelection;
}

export interface SensitivityHooks {
  now: () => number;
  isCancelled?: () => boolean;
  pause?: () => Promise<void>;
  onProgress?: (p: SensitivityProgress) => void;
}

/** Output noise-to-signal ratio from an SQNR in dB (0 when identical). */
export const nsr = (db: number) => (db === Infinity ? 0 : 10 ** (-db / 10));

/**
 * The float model and one variant per entry of `variants`, each variant's bytes made on demand by `build` (so only
 * one extra model is in memory), run on the same samples by the evaluator in exact mode: the per-layer sensitivity's
 * and the whole-assignment measurement's one evaluation.
 */
export async function runBesideFloat(
  model: OnnxModel,
  set: SampleSet,
  req: { preprocess: PreprocessOptions | null; maxSamples?: number; batchSize?: number },
  variants: { id: string; label: string }[],
  build: (id: string, floatBytes: Uint8Array) => Promise<Uint8Array>,
  open: OpenModel,
  hooks: EvalHooks,
): Promise<EvalReport> {
  const floatBytes = serializeModel(model.proto);
  const { report } = await runEvaluation(
    set,
    {
      float: { id: FLOAT_MODEL_ID, label: 'float model', sizeBytes: floatBytes.length },
      variants: variants.map((v) => ({ ...v, sizeBytes: 0 })),
      modes: ['exact'],
      preprocess: req.preprocess,
      maxSamples: req.maxSamples,
      batchSize: req.batchSize,
    },
    { load: async (id) => open(id === FLOAT_MODEL_ID ? floatBytes : await build(id, floatBytes)) },
    hooks,
  );
  return report;
}

export async function measureSensitivity(
  model: OnnxModel,
  set: SampleSet,
  req: SensitivityRequest,
  open: OpenModel,
  hooks: SensitivityHooks,
): Promise<SensitivityReport> {
  const started = hooks.now();
  const notes: string[] = [];
  // Every variant is a whole serialized model: read the tensors a lazy open left in the file once, up front.
  model = { ...model, proto: await readLazyTensors(model.proto) };
  // Equalization keeps the float model equivalent, so the equalized model is both the reference and the base
  // every layer is quantized in: the measurement sees the weights the exporter would quantize.
  if (req.config.equalize) {
    const eq = await equalizeModel(model, req.config);
    model = eq.model;
    notes.push(
      `measured on the cross-layer-equalized model (${eq.report.pairs.length} layer pair(s) rescaled)`,
    );
  }
  const spec = sensitivitySpec(req.config);
  const found = sensitivityTargets(model, req.config);
  let targets = found.targets;
  if (req.layers) {
    const known = new Set([...targets.map((t) => t.name), ...found.skipped.map((s) => s.name)]);
    const unknown = req.layers.filter((n) => !known.has(n));
    if (unknown.length) {
      throw new StudioError('QuantConfigError', `no quantizable weight named ${unknown.join(', ')}`);
    }
    const wanted = new Set(req.layers);
    targets = targets.filter((t) => wanted.has(t.name));
  }
  if (targets.length === 0) {
    const why = found.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
    throw new StudioError('QuantConfigError', `no layer to measure${why ? ` (${why})` : ''}`);
  }
  const units = measuredUnits(targets, req.selection);
  if (req.selection && 'sample' in req.selection && units.length < targets.length)
    notes.push(`a sample of ${units.length} of ${targets.length} layers, spread evenly over the graph`);
  if (req.selection && 'groupBy' in req.selection)
    notes.push(`${targets.length} layers in ${units.length} blocks, each block quantized together`);
  const own = targets.filter((t) => !sameSpec(measuredSpecFor(req.config, t.name), spec));
  if (own.length) notes.push(`${own.length} layer(s) measured with their own per-layer settings`);
  const byId = new Map<string, MeasuredUnit>(units.map((u) => [u.name, u]));
  const weightSqnr = new Map<string, number>();
  const ids = units.map((u) => u.name);
  const report = await runBesideFloat(
    model,
    set,
    req,
    ids.map((id) => ({ id, label: `${id} alone` })),
    async (id) => {
      const v = await layerVariant(model, byId.get(id)!.weights, (w) => measuredSpecFor(req.config, w.name));
      weightSqnr.set(id, v.weightSqnrDb);
      return v.bytes;
    },
    open,
    {
      now: hooks.now,
      isCancelled: hooks.isCancelled,
      pause: hooks.pause,
      onProgress: (p) =>
        hooks.onProgress?.({
          layer: p.variantId,
          done: p.step - 1,
          total: ids.length,
          sample: p.done,
          samples: p.total,
        }),
    },
  );
  const metric = report.output ? 'kl' : 'output-nsr';
  const rows = report.variants.map((v) => {
    const r = v.exact as ModeResult;
    const u = byId.get(v.id)!;
    const outputSqnrDb = Math.min(...r.outputs.map((o) => o.sqnrDb));
    const kl = r.fidelity?.meanKl ?? null;
    return {
      name: v.id,
      op: u.weights.length > 1 ? `block of ${u.weights.length}` : u.weights[0].op,
      elements: u.weights.reduce((n, w) => n + w.elements, 0),
      ...(u.weights.length > 1 ? { members: u.weights.map((w) => w.name) } : {}),
      kl,
      top1Agreement: r.fidelity?.top1Agreement ?? null,
      top1Delta: r.top1Delta,
      outputSqnrDb,
      weightSqnrDb: weightSqnr.get(v.id)!,
      score: metric === 'kl' ? (kl as number) : nsr(outputSqnrDb),
    };
  });
  const layers = rankLayers(rows);
  notes.push(...report.notes);
  const methods = new Set([req.config.method, ...targets.map((t) => req.config.layers[t.name]?.method)]);
  if ([...methods].some((m) => m !== undefined && m !== 'rtn'))
    notes.push('measured with round-to-nearest (the rounding method is ignored)');
  return {
    spec,
    metric,
    layers,
    skipped: found.skipped,
    measuredLayers: targets.length,
    spearman: spearman(
      layers.map((l) => l.score),
      layers.map((l) => -l.weightSqnrDb),
    ),
    sampleCount: report.sampleCount,
    sourceName: report.sourceName,
    synthetic: report.synthetic,
    labeled: report.labeled,
    floatTop1: report.float.accuracy?.top1Accuracy ?? null,
    notes,
    durationMs: hooks.now() - started,
  };
}

/** Most sensitive first (stable on ties); also the proxy's rank (lowest weight SQNR first). */
export function rankLayers(rows: Omit<LayerSensitivity, 'rank' | 'proxyRank'>[]): LayerSensitivity[] {
  const order = rows.map((_, i) => i).sort((a, b) => rows[b].score - rows[a].score || a - b);
  const byProxy = rows.map((_, i) => i).sort((a, b) => rows[a].weightSqnrDb - rows[b].weightSqnrDb || a - b);
  const proxyRank = new Array<number>(rows.length);
  byProxy.forEach((i, k) => (proxyRank[i] = k + 1));
  return order.map((i, k) => ({ ...rows[i], rank: k + 1, proxyRank: proxyRank[i] }));
}

const sameSpec = (a: WeightSpec, b: WeightSpec) =>
  a.bits === b.bits &&
  a.scheme === b.scheme &&
  a.granularity === b.granularity &&
  (a.granularity !== 'block' || a.blockSize === b.blockSize) &&
  a.clip === b.clip &&
  (a.clip !== 'percentile' || a.clipPercentile === b.clipPercentile);
