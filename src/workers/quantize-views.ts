// The quantize worker's weight views: histograms, per-channel ranges and errors, a run's clip choice, and the
// error-vs-bits curve, each computed from the open model (and a run's config) when the page asks.
import { transfer } from 'comlink';
import { StudioError } from '../core/errors';
import {
  metricsFromSums,
  channelErrors,
  chunkedChannelErrors,
  chunkedChannelRanges,
  chunkedHistogram,
  perTensorGrid,
  sharedHistogram,
} from '../core/metrics';
import { readWeight } from '../core/onnx';
import { rangeChunks, weightChunks, weightRangeReader } from '../core/onnx/weight-range';
import { listQuantizedWeights, readDequantized } from '../core/onnx/quantized-weights';
import type { WeightInfo } from '../core/onnx/types';
import { normalizeConfig, specFor, type Bits, type QuantConfig } from '../core/quant/config';
import { quantizeWeight, type QuantizedWeight } from '../core/pipeline/weight';
import { weightBands } from '../core/pipeline/weight-bands';
import {
  SAMPLE_ELEMENTS,
  SAMPLE_MODEL_ELEMENTS,
  SAMPLE_READ_ELEMENTS,
  addByBits,
  emptyByBits,
  errorSumsByBits,
  sampleChannels,
  sampleChannelsFrom,
} from '../core/pipeline/error-curve';
import { equalizeModel } from '../core/equalize/equalize';
import { weightClipView } from '../core/ranges/clip-view';
import type {
  ChannelErrorsDto,
  ChannelRangesDto,
  ClipView,
  ErrorCurvePoint,
  HistogramDto,
} from '../protocol/dto';
import { macrotask } from './macrotask';
import { mustGetModel, mustGetRun, mustGetWeight, sameWeight, type OpenModel } from './quantize-models';

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

/**
 * A float view of a whole weight goes through it this many values at a time (range reads of its file), so a view of
 * a 180 MB weight holds 8 MB of it, not all of it (and not several, before the garbage collector frees the last).
 */
const VIEW_CHUNK_ELEMENTS = 2 ** 21;

const chunksOf = (m: OpenModel, w: WeightInfo) => weightChunks(m.model, w, readWeight, VIEW_CHUNK_ELEMENTS);

/**
 * A weight's sample for the error curve (sampleChannels in `w`'s layout), reading only the kept channels when it
 * can; `from` is the same weight in the model read (an equalized copy's differs). A weight kept whole is read in
 * chunks into `reuse`, one buffer for all the curve's weights: each weight's values (hundreds of MB) are then not
 * left behind as garbage while the next one is read.
 */
async function curveSample(
  model: OpenModel['model'],
  from: WeightInfo,
  w: WeightInfo,
  maxElements: number,
  reuse: { buffer?: Float32Array; elements: number },
) {
  const read = w.elements > VIEW_CHUNK_ELEMENTS ? weightRangeReader(model, from) : null;
  if (read && w.elements > maxElements)
    return sampleChannelsFrom(read, w.elements, w, maxElements, SAMPLE_READ_ELEMENTS);
  if (!read) return sampleChannels(await readWeight(model, from), w, maxElements);
  reuse.buffer ??= new Float32Array(reuse.elements);
  const values = reuse.buffer.subarray(0, w.elements);
  for await (const c of rangeChunks(read, w.elements, VIEW_CHUNK_ELEMENTS)) values.set(c.values, c.start);
  return sampleChannels(values, w, maxElements);
}

/**
 * A run's bands of a weight above a chunk (weightBands: each band's values and what the run made of them), or null
 * to read it whole: small, left float, equalized, or not a plain range of its file.
 */
async function runBands(m: OpenModel, w: WeightInfo, runId: string) {
  const config = mustGetRun(runId).config;
  const spec = specFor(config, w.name);
  if (w.elements <= VIEW_CHUNK_ELEMENTS || !spec || config.equalize) return null;
  const read = weightRangeReader(m.model, w);
  return read ? weightBands(read, w, spec, VIEW_CHUNK_ELEMENTS) : null;
}

let curveGeneration = 0;
const superseded = () =>
  new StudioError('CancelledError', 'superseded by a newer error curve (the settings changed)');

// Views read whole weights (up to hundreds of MB each): one at a time, so concurrent asks do not hold several.
let queue: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  const run = queue.then(work, work);
  queue = run.catch(() => undefined);
  return run;
}

const weightViews = {
  /** Float weights and (when runId is given) that run's dequantized weights on shared bin edges. */
  async histogram(modelId: string, weight: string, runId: string | null, bins = 128): Promise<HistogramDto> {
    const m = mustGetModel(modelId);
    const w = mustGetWeight(m, weight);
    if (runId === null) {
      const h = await chunkedHistogram(() => chunksOf(m, w), bins);
      return transfer(h, [h.edges.buffer as ArrayBuffer, h.float.buffer as ArrayBuffer]);
    }
    const bands = await runBands(m, w, runId);
    const h = bands
      ? await chunkedHistogram(
          async function* () {
            for await (const b of bands()) yield { values: b.values, quantized: b.quantized.dequantized };
          },
          bins,
          true,
        )
      : await runWeight(m, w, runId).then(({ values, quantized }) =>
          sharedHistogram(values, quantized?.dequantized ?? values, bins),
        );
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
    const r = await chunkedChannelRanges(chunksOf(m, w), w.shape, w.channelAxis);
    return transfer(r, [r.min.buffer as ArrayBuffer, r.max.buffer as ArrayBuffer]);
  },

  /** Each output channel's error under a run, the channels it rounds to all zeros, and its per-tensor step. */
  async channelErrors(modelId: string, weight: string, runId: string): Promise<ChannelErrorsDto> {
    const m = mustGetModel(modelId);
    const w = mustGetWeight(m, weight);
    const bands = await runBands(m, w, runId);
    let quantized: QuantizedWeight | null = null; // the whole weight's, or (for its per-tensor grid) its first band's
    const e = bands
      ? await chunkedChannelErrors(
          (async function* () {
            for await (const b of bands()) {
              quantized ??= b.quantized;
              yield { start: b.start, values: b.values, dequantized: b.quantized.dequantized };
            }
          })(),
          w.shape,
          w.channelAxis,
        )
      : await runWeight(m, w, runId).then((r) => {
          quantized = r.quantized;
          return channelErrors(r.values, r.quantized?.dequantized ?? r.values, w.shape, w.channelAxis);
        });
    const q = quantized as QuantizedWeight | null;
    const grid = q?.kind === 'int' ? perTensorGrid(q.q) : null;
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
};

const queued =
  <A extends unknown[], T>(f: (...args: A) => Promise<T>) =>
  (...args: A): Promise<T> =>
    oneAtATime(() => f(...args));

export const viewsApi = {
  histogram: queued(weightViews.histogram),
  quantizedHistogram: queued(weightViews.quantizedHistogram),
  channelRanges: queued(weightViews.channelRanges),
  channelErrors: queued(weightViews.channelErrors),
  clipView: queued(weightViews.clipView),

  /**
   * SQNR of one weight (or of all quantized weights when weight is null) at each bit width: each weight read once
   * for all widths, one weight at a time. On a large model each weight above SAMPLE_ELEMENTS is estimated from
   * whole channels (`share` says how much was used). A newer curve of the whole model supersedes this one.
   */
  errorCurve(
    modelId: string,
    weight: string | null,
    config: QuantConfig,
    chosenBits: Bits[],
    /** Weights done and in all, after each weight (a comlink proxy from the page). */
    onProgress?: (done: number, total: number) => unknown,
  ): Promise<ErrorCurvePoint[]> {
    const generation = weight === null ? ++curveGeneration : curveGeneration;
    return oneAtATime(async () => {
      const m = mustGetModel(modelId);
      const cfg = normalizeConfig(config);
      const targets =
        weight !== null ? [mustGetWeight(m, weight)] : m.weights.filter((w) => specFor(cfg, w.name));
      const large = m.weights.reduce((n, w) => n + w.elements, 0) > SAMPLE_MODEL_ELEMENTS;
      let totals = emptyByBits(chosenBits.length);
      let used = 0;
      let all = 0;
      const source = cfg.equalize ? (await equalizeModel(m.model, cfg)).model : m.model;
      const keepWhole = large ? SAMPLE_ELEMENTS : Infinity;
      const reuse = {
        elements: targets.reduce((n, w) => (w.elements <= keepWhole ? Math.max(n, w.elements) : n), 0),
      };
      const scratch = {}; // the levels' bytes, shared by all widths and weights
      for (const [i, w] of targets.entries()) {
        if (weight === null && generation !== curveGeneration) throw superseded();
        const from = source === m.model ? w : sameWeight(source, w);
        const s = await curveSample(source, from, w, keepWhole, reuse);
        used += s.values.length;
        all += w.elements;
        const spec = specFor(cfg, w.name) ?? cfg;
        totals = addByBits(totals, errorSumsByBits(s.values, s.w, spec, chosenBits, scratch));
        void onProgress?.(i + 1, targets.length);
        await macrotask();
      }
      return chosenBits.map((bits, i) => {
        const { sqnrDb, mse } = metricsFromSums(totals[i]);
        return used < all ? { bits, sqnrDb, mse, share: used / all } : { bits, sqnrDb, mse };
      });
    });
  },
};
