// The quantize worker's API as a plain object: unit-tested in Node, exposed by quantize.worker.ts via comlink.
import { transfer } from 'comlink';
import { StudioError } from '../core/errors';
import {
  ErrorAccumulator,
  channelErrors,
  channelRanges,
  perTensorGrid,
  sharedHistogram,
} from '../core/metrics';
import { findWeights, openModel, parseModelBlob, readWeight, summarizeModel } from '../core/onnx';
import { foldWeightInputs } from '../core/onnx/fold';
import { listQuantizedWeights, readDequantized } from '../core/onnx/quantized-weights';
import type { OnnxModel, WeightInfo } from '../core/onnx/types';
import { normalizeConfig, specFor, type Bits, type QuantConfig } from '../core/quant/config';
import { runQuantization } from '../core/pipeline/run';
import { needsCalibration } from '../core/pipeline/method';
import { captureLine, type CalibrationData } from '../core/pipeline/calibrate';
import { calibrations, mustGetCalibration } from './quantize-calibrations';
import { toExternalData, type DataPart, type ExternalData } from '../core/export/external-data';
import { serializeParts, type ModelFile } from '../core/export/stream';
import { downloadFileName } from '../state/variant-key';
import { quantizeForExport, quantizeWeight } from '../core/pipeline/weight';
import { equalizeModel } from '../core/equalize/equalize';
import { throttleProgress } from '../core/progress';
import { validateExportedFile } from '../core/export/validate';
import { macrotask } from './macrotask';
import { releaseRtnPool, rtnPoolFor, type RtnThreadPool } from './rtn-threads';
import { removeStaleSpills, runSpill, spillFromBytes, type RunSpill } from './opfs-spill';
import { weightClipView } from '../core/ranges/clip-view';
import { planBudget, type UserBudget } from '../core/mixed/run';
import type { MeasuredLoss } from '../core/mixed/plan';
import type {
  ChannelErrorsDto,
  ChannelRangesDto,
  BudgetPlanDto,
  BudgetRefineRemote,
  ClipView,
  ErrorCurvePoint,
  HistogramDto,
  ModelSummary,
  OpenRequest,
  Progress,
  RunSummary,
} from '../protocol/dto';

/** The same weight in an equalized copy (an equalized Clip becomes two nodes, so node indices move). */
const sameWeight = (model: OnnxModel, w: WeightInfo): WeightInfo =>
  findWeights(model, { includeGather: true }).find((x) => x.name === w.name) ?? w;

interface OpenModel {
  model: OnnxModel;
  weights: WeightInfo[];
}
interface Run {
  modelId: string;
  config: QuantConfig;
  /** The exported .onnx as parts (tensor buffers, slices of the source file): joined only into a Blob. */
  file: ModelFile;
  /** Set when the output went to external data (beyond protobuf's 2 GiB): the second file of the download. */
  externalData?: ExternalData;
  /** The data file's name for a two-file export. */
  dataLocation: string;
  /** The two-file form of a one-file run, made when asked for (same bytes as `qstudio quantize --external-data`). */
  split?: Promise<{ file: ModelFile; data: ExternalData }>;
  /** The exported file was read back and checked (once, on the first export). */
  validated?: boolean;
  /** Where a large model's quantized tensors were written (OPFS); the exports read them from there. */
  spill?: RunSpill;
}

const blobOf = (parts: readonly DataPart[]): Blob =>
  new Blob(
    parts.map((p): BlobPart =>
      p.kind === 'bytes'
        ? (p.bytes as Uint8Array<ArrayBuffer>)
        : p.kind === 'zeros'
          ? new Uint8Array(p.length)
          : (p.blob as Blob).slice(p.start, p.end),
    ),
    { type: 'application/octet-stream' },
  );

/**
 * A one-file run as model.onnx + model.onnx_data: its own output read back lazily (tensors stay slices of it) and
 * moved to external data as the pipeline does with `externalData: 'always'`.
 */
async function splitRun(run: Run, runId: string) {
  const model = await parseModelBlob(blobOf(run.file.parts), `variant ${runId}`);
  const { proto, data } = await toExternalData(model.proto, model, run.dataLocation);
  return { file: await serializeParts(proto), data };
}

const models = new Map<string, OpenModel>();
const runs = new Map<string, Run>();
const cancelled = new Set<string>();
/** The RTN threads of each run in progress (rtn-threads.ts); a cancel ends them at once. */
const pools = new Map<string, RtnThreadPool>();

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

function splitOf(run: Run, runId: string) {
  run.split ??= splitRun(run, runId);
  run.split.catch(() => (run.split = undefined));
  return run.split;
}

function mustGetRun(runId: string): Run {
  const r = runs.get(runId);
  if (!r)
    throw new StudioError('ModelNotLoadedError', `no run "${runId}" in this worker (was it restarted?)`);
  return r;
}

/**
 * A weight's float values and, with a run, what that run made of them (null when the run left it float). An
 * equalized run quantized the equalized weights: both come from the equalized copy then.
 */
async function runWeight(m: OpenModel, w: WeightInfo, runId: string | null) {
  const config = runId !== null ? mustGetRun(runId).config : null;
  const source = config?.equalize ? (await equalizeModel(m.model, config)).model : m.model;
  const values = await readWeight(source, source === m.model ? w : sameWeight(source, w));
  const spec = config ? specFor(config, w.name) : null;
  return { values, quantized: spec ? quantizeWeight(values, w, spec) : null };
}

export const quantizeApi = {
  /** Parse a model in the worker; only the summary comes back. */
  async open(req: OpenRequest): Promise<ModelSummary> {
    const { model } = await foldWeightInputs(
      await openModel({ name: req.fileName, blob: req.file }, req.sidecars),
    );
    const weights = findWeights(model, { includeGather: true });
    models.set(req.modelId, { model, weights });
    return summarizeModel(model, weights);
  },

  /** Keep a calibration captured by the evaluate worker (its buffers transferred here) under `key`. */
  async putCalibration(modelId: string, key: string, data: CalibrationData): Promise<void> {
    mustGetModel(modelId);
    calibrations.put(modelId, key, data);
  },

  async dropCalibration(key: string): Promise<void> {
    calibrations.delete(key);
  },

  /**
   * Quantize with one config; `onProgress` must be a comlink `proxy`. Rejects with CancelledError on cancel.
   * GPTQ / AdaRound / bias correction use the calibration `calibrationKey` (see putCalibration).
   */
  async quantize(
    modelId: string,
    runId: string,
    config: QuantConfig,
    onProgress?: (p: Progress) => void,
    calibrationKey?: string,
    /** Shared memory the page sets to 1 on cancel: read inside a layer's solve, where messages wait (may be absent). */
    cancelFlag?: Int32Array,
  ): Promise<RunSummary> {
    const { model, weights } = mustGetModel(modelId);
    const cfg = normalizeConfig(config);
    const cal = needsCalibration(cfg) ? mustGetCalibration(calibrationKey, cfg) : null;
    // A large model's output goes to disk tensor by tensor, so the worker never holds all of it.
    const large = weights.reduce((a, w) => a + w.bytes, 0) >= spillFromBytes();
    const spill = large ? await runSpill(runId) : null;
    let kept = false;
    const report = throttleProgress(Date.now, (p: Progress) => void onProgress?.(p)); // remote: not awaited
    // RTN tensors go to threads on larger models; GPTQ / AdaRound / bias-corrected layers stay in this thread.
    const pool = rtnPoolFor(model);
    if (pool) pools.set(runId, pool);
    try {
      const dataLocation = `${downloadFileName(model.fileName, cfg)}_data`;
      const { summary, file, externalData } = await runQuantization(
        model,
        cfg,
        runId,
        {
          isCancelled: () =>
            cancelled.has(runId) || (cancelFlag !== undefined && Atomics.load(cancelFlag, 0) !== 0),
          pause: macrotask,
          onProgress: (p) => report(p, p.status !== 'quantizing'),
          rtnPool: pool ?? undefined,
          ...(spill ? { spill: (bytes: Uint8Array) => spill.spill(bytes) } : {}),
        },
        { externalData: 'auto', dataLocation },
        cal?.calibration,
      );
      if (cal) summary.notes.unshift(...cal.notes, captureLine(cal.stats));
      runs.set(runId, { modelId, config: cfg, file, externalData, dataLocation, spill: spill ?? undefined });
      kept = true;
      return summary;
    } finally {
      if (!kept) void spill?.discard();
      cancelled.delete(runId);
      pools.delete(runId);
      if (pool) await releaseRtnPool(pool);
    }
  },

  /**
   * Bits per layer for a budget (mixed precision): the assignment as a config to quantize like any variant.
   * `measured`: per-layer losses measured on samples (else the weight-error proxy). `refine` (with `measured`, either
   * budget kind): the solver's answer is refined end to end exactly as the CLI does (`runWithBudget`), whole
   * assignments measured by `refine.measure` (a comlink `proxy` back to the page, which runs them in the evaluate
   * worker). `cancel(planId)` stops it between exports and refinement batches (CancelledError).
   */
  async planBudget(
    modelId: string,
    planId: string,
    config: QuantConfig,
    budget: UserBudget,
    measured?: MeasuredLoss,
    refine?: BudgetRefineRemote,
  ): Promise<BudgetPlanDto> {
    const { model } = mustGetModel(modelId);
    const isCancelled = () => cancelled.has(planId);
    try {
      const a = await planBudget(model, normalizeConfig(config), budget, {
        measured,
        hooks: { pause: macrotask, isCancelled },
        ...(refine && measured
          ? {
              refine: {
                measure: (assignments) => refine.measure(assignments),
                hooks: { isCancelled, onProgress: (done, cap) => void refine.onProgress?.(done, cap) },
              },
            }
          : {}),
      });
      return {
        config: a.config,
        chosen: a.chosen,
        averageBits: a.averageBits,
        storedBytes: a.storedBytes,
        floor: a.floor,
        ...(a.refineSkipped ? { refineSkipped: a.refineSkipped } : {}),
      };
    } finally {
      cancelled.delete(planId);
    }
  },

  async cancel(runId: string): Promise<void> {
    cancelled.add(runId);
    void pools.get(runId)?.close(new StudioError('CancelledError', `run ${runId} was cancelled`));
  },

  /** Float weights and (when runId is given) that run's dequantized weights on shared bin edges. */
  async histogram(modelId: string, weight: string, runId: string | null, bins = 128): Promise<HistogramDto> {
    const m = mustGetModel(modelId);
    const w = mustGetWeight(m, weight);
    const { values, quantized } = await runWeight(m, w, runId);
    const h = sharedHistogram(values, runId !== null ? (quantized?.dequantized ?? values) : null, bins);
    const buffers = [h.edges.buffer, h.float.buffer, h.quantized?.buffer, h.grid?.buffer].filter(
      (b): b is ArrayBuffer => b instanceof ArrayBuffer,
    );
    return transfer(h, buffers);
  },

  /** Histogram of an already-quantized weight's values as its op dequantizes them (in `float`; no overlay). */
  async quantizedHistogram(modelId: string, weight: string, bins = 128): Promise<HistogramDto> {
    const m = mustGetModel(modelId);
    const w = listQuantizedWeights(m.model).find((x) => x.name === weight);
    if (!w) throw new StudioError('QuantConfigError', `no already-quantized weight named "${weight}"`);
    const h = sharedHistogram(await readDequantized(m.model, w), null, bins);
    return transfer(h, [h.edges.buffer as ArrayBuffer, h.float.buffer as ArrayBuffer]);
  },

  async channelRanges(modelId: string, weight: string): Promise<ChannelRangesDto> {
    const m = mustGetModel(modelId);
    const w = mustGetWeight(m, weight);
    const r = channelRanges(await readWeight(m.model, w), w.shape, w.channelAxis);
    return transfer(r, [r.min.buffer as ArrayBuffer, r.max.buffer as ArrayBuffer]);
  },

  /** Each output channel's error under a run, the channels it rounds to all zeros, and its per-tensor step. */
  async channelErrors(modelId: string, weight: string, runId: string): Promise<ChannelErrorsDto> {
    const m = mustGetModel(modelId);
    const w = mustGetWeight(m, weight);
    const { values, quantized } = await runWeight(m, w, runId);
    const e = channelErrors(values, quantized?.dequantized ?? values, w.shape, w.channelAxis);
    const grid = quantized?.kind === 'int' ? perTensorGrid(quantized.q) : null;
    const r: ChannelErrorsDto = { ...e, step: grid?.step ?? null, levels: grid?.levels ?? null };
    const buffers = [r.sqnrDb.buffer, r.rmsError.buffer, r.zeroed.buffer, r.levels?.buffer];
    return transfer(
      r,
      buffers.filter((b): b is ArrayBuffer => b instanceof ArrayBuffer),
    );
  },

  /**
   * A run's clip choice for one weight (MSE-vs-clip curve, chosen point and bounds), or null when the run does not
   * clip it (min/max, fp16, left float). An equalized run clipped the equalized weight, so that one is used.
   */
  async clipView(modelId: string, weight: string, runId: string): Promise<ClipView | null> {
    const m = mustGetModel(modelId);
    const w = mustGetWeight(m, weight);
    const config = mustGetRun(runId).config;
    const spec = specFor(config, w.name);
    if (!spec || spec.bits === 'fp16' || (spec.clip ?? 'minmax') === 'minmax') return null;
    const source = config.equalize ? (await equalizeModel(m.model, config)).model : m.model;
    const values = await readWeight(source, source === m.model ? w : sameWeight(source, w));
    return weightClipView(values, w, spec);
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
    const source = cfg.equalize ? (await equalizeModel(m.model, cfg)).model : m.model;
    for (const w of targets) {
      const values = await readWeight(source, source === m.model ? w : sameWeight(source, w));
      const base = specFor(cfg, w.name) ?? cfg;
      // The export's fused pass: the same sums as errorSums(values, dequantized), without the dequantized copy.
      chosenBits.forEach((bits, i) =>
        acc[i].addSums(quantizeForExport(values, w, { ...base, bits }, null).sums),
      );
      await macrotask();
    }
    return chosenBits.map((bits, i) => {
      const { sqnrDb, mse } = acc[i].overall();
      return { bits, sqnrDb, mse };
    });
  },

  /**
   * The exported .onnx of a run as a Blob of its parts (never one concatenated buffer here). Same bytes the CLI
   * writes for the same config; `externalData` asks for the two-file form (`--external-data`) of a one-file run.
   */
  async exportModel(runId: string, externalData = false): Promise<Blob> {
    const run = mustGetRun(runId);
    if (run.externalData) return blobOf(run.file.parts);
    if (externalData) return blobOf((await splitOf(run, runId)).file.parts);
    const blob = blobOf(run.file.parts);
    // Read our own output back before it is offered: a broken file is an error on screen, never a download.
    // (A two-file export is checked by its writer; reading it back would need the data file as a sidecar.)
    if (!run.validated) await validateExportedFile(blob, `variant ${runId}`);
    run.validated = true;
    return blob;
  },

  /**
   * A run's external data file (`<download name>_data`), or null when the model is one file (and the two-file form
   * was not asked for). A Blob of the tensors' buffers and slices of the source files, never one concatenated buffer.
   */
  async exportDataFile(runId: string, externalData = false): Promise<{ name: string; blob: Blob } | null> {
    const run = mustGetRun(runId);
    const data = run.externalData ?? (externalData ? (await splitOf(run, runId)).data : null);
    if (!data) return null;
    return { name: data.location, blob: blobOf(data.parts) };
  },

  async dropRun(runId: string): Promise<void> {
    await runs.get(runId)?.spill?.discard();
    runs.delete(runId);
  },

  async close(modelId: string): Promise<void> {
    models.delete(modelId);
    for (const [id, r] of runs)
      if (r.modelId === modelId) {
        runs.delete(id);
        await r.spill?.discard();
      }
    calibrations.dropModel(modelId);
    // The page released its exports before closing a model: files of workers that are gone can go now.
    await removeStaleSpills();
  },
};

export type QuantizeApi = typeof quantizeApi;
