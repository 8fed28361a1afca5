// The quantize worker's API as a plain object: unit-tested in Node, exposed by quantize.worker.ts via comlink.
import { transfer } from 'comlink';
import { StudioError } from '../core/errors';
import { ErrorAccumulator, channelRanges, sharedHistogram } from '../core/metrics';
import { findWeights, openModel, readWeight, summarizeModel } from '../core/onnx';
import type { OnnxModel, WeightInfo } from '../core/onnx/types';
import { normalizeConfig, specFor, type Bits, type QuantConfig } from '../core/quant/config';
import { runQuantization } from '../core/pipeline/run';
import { quantizeWeight } from '../core/pipeline/weight';
import { validateExportedModel } from '../core/export/validate';
import { macrotask } from './macrotask';
import type { ChannelRangesDto, HistogramDto, ModelSummary, Progress, RunSummary } from '../protocol/dto';

/** A model file and the other files dropped with it (external data). Blob/File both clone cheaply. */
export interface OpenRequest {
  modelId: string;
  file: Blob;
  fileName: string;
  sidecars: { name: string; blob: Blob }[];
}

export interface ErrorCurvePoint {
  bits: Bits;
  sqnrDb: number;
  mse: number;
}

interface OpenModel {
  model: OnnxModel;
  weights: WeightInfo[];
}
interface Run {
  modelId: string;
  config: QuantConfig;
  bytes: Uint8Array;
  /** validateExportedModel passed (checked once, on the first export). */
  validated?: boolean;
}

const models = new Map<string, OpenModel>();
const runs = new Map<string, Run>();
const cancelled = new Set<string>();
const PROGRESS_INTERVAL_MS = 100;

function mustGetModel(modelId: string): OpenModel {
  const m = models.get(modelId);
  if (!m)
    throw new StudioError('ModelNotLoadedError', `no model "${modelId}" in this worker (was it restarted?)`);
  return m;
}

function mustGetWeight(m: OpenModel, name: string): WeightInfo {
  const w = m.weights.find((x) => x.name === name);
  if (!w) throw new StudioError('QuantConfigError', `no quantizable weight named "${name}"`);
  return w;
}

function mustGetRun(runId: string): Run {
  const r = runs.get(runId);
  if (!r)
    throw new StudioError('ModelNotLoadedError', `no run "${runId}" in this worker (was it restarted?)`);
  return r;
}

export const quantizeApi = {
  /** Parse a model in the worker; only the summary comes back. */
  async open(req: OpenRequest): Promise<ModelSummary> {
    const model = await openModel({ name: req.fileName, blob: req.file }, req.sidecars);
    const weights = findWeights(model, { includeGather: true });
    models.set(req.modelId, { model, weights });
    return summarizeModel(model, weights);
  },

  /** Quantize with one config; `onProgress` must be a comlink `proxy`. Rejects with CancelledError on cancel. */
  async quantize(
    modelId: string,
    runId: string,
    config: QuantConfig,
    onProgress?: (p: Progress) => void,
  ): Promise<RunSummary> {
    const { model } = mustGetModel(modelId);
    const cfg = normalizeConfig(config);
    let last = 0;
    try {
      const { summary, bytes } = await runQuantization(model, cfg, runId, {
        isCancelled: () => cancelled.has(runId),
        pause: macrotask,
        onProgress: (p) => {
          const t = Date.now();
          if (t - last < PROGRESS_INTERVAL_MS && p.status === 'quantizing') return;
          last = t;
          void onProgress?.(p); // a remote call: don't await it
        },
      });
      runs.set(runId, { modelId, config: cfg, bytes });
      return summary;
    } finally {
      cancelled.delete(runId);
    }
  },

  async cancel(runId: string): Promise<void> {
    cancelled.add(runId);
  },

  /** Float weights and (when runId is given) that run's dequantized weights on shared bin edges. */
  async histogram(modelId: string, weight: string, runId: string | null, bins = 128): Promise<HistogramDto> {
    const m = mustGetModel(modelId);
    const w = mustGetWeight(m, weight);
    const values = await readWeight(m.model, w);
    let deq: Float32Array | null = null;
    if (runId !== null) {
      const spec = specFor(mustGetRun(runId).config, w.name);
      deq = spec ? quantizeWeight(values, w, spec).dequantized : values;
    }
    const h = sharedHistogram(values, deq, bins);
    const buffers = [h.edges.buffer, h.float.buffer, h.quantized?.buffer, h.grid?.buffer].filter(
      (b): b is ArrayBuffer => b instanceof ArrayBuffer,
    );
    return transfer(h, buffers);
  },

  async channelRanges(modelId: string, weight: string): Promise<ChannelRangesDto> {
    const m = mustGetModel(modelId);
    const w = mustGetWeight(m, weight);
    const r = channelRanges(await readWeight(m.model, w), w.shape, w.channelAxis);
    return transfer(r, [r.min.buffer as ArrayBuffer, r.max.buffer as ArrayBuffer]);
  },

  /** SQNR of one weight (or of all quantized weights when weight is null) at each bit width. */
  async errorCurve(
    modelId: string,
    weight: string | null,
    config: QuantConfig,
    chosenBits: Bits[],
  ): Promise<ErrorCurvePoint[]> {
    const m = mustGetModel(modelId);
    const cfg = normalizeConfig(config);
    const targets =
      weight !== null ? [mustGetWeight(m, weight)] : m.weights.filter((w) => specFor(cfg, w.name));
    const acc = chosenBits.map(() => new ErrorAccumulator());
    for (const w of targets) {
      const values = await readWeight(m.model, w);
      const base = specFor(cfg, w.name) ?? cfg;
      chosenBits.forEach((bits, i) =>
        acc[i].add(values, quantizeWeight(values, w, { ...base, bits }).dequantized),
      );
      await macrotask();
    }
    return chosenBits.map((bits, i) => {
      const { sqnrDb, mse } = acc[i].overall();
      return { bits, sqnrDb, mse };
    });
  },

  /** The exported ONNX bytes of a run (a transferred copy). Same bytes the CLI writes for the same config. */
  async exportModel(runId: string): Promise<Uint8Array> {
    const run = mustGetRun(runId);
    // Read our own output back before it is offered: a broken file is an error on screen, never a download.
    if (!run.validated) validateExportedModel(run.bytes, `variant ${runId}`);
    run.validated = true;
    const copy = run.bytes.slice();
    return transfer(copy, [copy.buffer]);
  },

  async dropRun(runId: string): Promise<void> {
    runs.delete(runId);
  },

  async close(modelId: string): Promise<void> {
    models.delete(modelId);
    for (const [id, r] of runs) if (r.modelId === modelId) runs.delete(id);
  },
};

export type QuantizeApi = typeof quantizeApi;
