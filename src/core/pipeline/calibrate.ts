// Calibration from a sample set: feed the first N samples through the float model (an injected ActivationRunner:
// onnxruntime-web's wasm in the CLI, the evaluate worker's onnxruntime in the studio) and accumulate the Hessians
// GPTQ / AdaRound and bias correction need. One function for both, so the same samples give the same bytes.
import { StudioError } from '../errors';
import {
  captureHessians,
  captureTargets,
  hessianBytes,
  type ActivationRunner,
  type CaptureStats,
  type CaptureTarget,
} from '../gptq/capture';
import type { LayerHessians } from '../gptq/gptq';
import { captureSequential } from '../gptq/sequential';
import { inlineExternalInitializers } from '../export/inline';
import { findWeights, readLazyTensors, readWeight, serializeModel, summarizeModel } from '../onnx';
import type { OnnxModel } from '../onnx/types';
import { specFor, type QuantConfig } from '../quant/config';
import { inferPreprocessOptions, sampleDimsOf, type PreprocessOptions, type SampleSet } from '../samples';
import { createFeedBuilder } from '../eval/batch-feeds';
import { imageInputOf, planFeeds } from '../eval/feeds';
import { capturesFor, methodFor, quantizeWithMethod, type Calibration } from './method';
import type { CalibrationData } from './calibration-data';

export { calibrationBuffers, type CalibrationData } from './calibration-data';

/** Samples per run when the model's batch axis is dynamic (bounds activation memory per run). */
const BATCH = 16;
/** Calibration samples when none is said (the CLI's `--calibration-count` default, the studio's too). */
export const DEFAULT_CALIBRATION_COUNT = 128;

export interface CalibrationResult {
  calibration: Calibration;
  stats: CaptureStats;
  /** What was read and how it was fed, for the run notes. */
  notes: string[];
}

export interface CalibrateOptions {
  /** Image preprocessing; undefined: inferred from the model input's shape (the CLI's choice). */
  preprocess?: PreprocessOptions | null;
  /** Each layer from the already-quantized prefix's activations (one pass per layer). */
  sequential?: boolean;
  /** Samples fed so far (float capture), after each run. */
  onSamples?: (done: number, total: number) => void;
  /** Sequential capture: layer `i` of `total` starts. */
  onLayer?: (i: number, total: number) => void;
  isCancelled?: () => boolean;
  /** How messages name the calibration set (the CLI: `--calibration`). */
  what?: string;
  /** Samples in the whole loaded set when `set` is its calibration part (the studio's split); default `set.count`. */
  of?: number;
}

/** The weights whose method or bias correction needs captured activations under `config`. */
export function calibrationTargets(model: OnnxModel, config: QuantConfig) {
  const weights = findWeights(model, { includeGather: config.includeGather }).filter((w) => {
    const spec = specFor(config, w.name);
    return (
      spec &&
      w.consumers === 1 &&
      (spec.bits !== 'fp16' || config.biasCorrection) &&
      capturesFor(config, w.name)
    );
  });
  return captureTargets(model, weights);
}

/**
 * Capture the Hessians of every weight whose method needs them from the first `count` samples of `set`. Float
 * capture (default): every layer sees the float model's activations, all in one pass.
 */
export async function calibrateOnSet(
  model: OnnxModel,
  config: QuantConfig,
  set: SampleSet,
  count: number,
  runner: ActivationRunner,
  options: CalibrateOptions = {},
): Promise<CalibrationResult> {
  const sequential = options.sequential ?? false;
  const what = options.what ?? 'calibration';
  if (!Number.isInteger(count) || count < 1) {
    throw new StudioError(
      'SampleSetError',
      `calibration needs a positive whole number of samples, got ${count}`,
    );
  }
  // The evaluator's feed matching: arrays go to the inputs of the same name (then in order), images to the image
  // input, inputs without data get their initial value (masks ones, state zeros); each in its own dtype.
  const inputs = summarizeModel(model).inputs;
  const image = imageInputOf(inputs);
  const preprocess =
    set.kind === 'images' && image ? (options.preprocess ?? inferPreprocessOptions(image.shape)) : null;
  const plan = planFeeds(inputs, set, set.kind === 'images' ? sampleDimsOf(set, preprocess) : null, what);
  const fit = plan.primary.fit;
  if (fit.batch.kind === 'fixed' && fit.batch.size !== 1) {
    throw new StudioError(
      'SampleSetError',
      `${what}: the model's batch is fixed at ${fit.batch.size}; only 1 or a dynamic batch is supported (padding samples would enter the Hessians)`,
    );
  }
  const n = Math.min(count, set.count);
  const per = fit.batch.kind === 'dynamic' ? BATCH : 1;
  const { targets, unsupported } = calibrationTargets(model, config);
  const notes = [
    `calibration: ${n} of ${options.of ?? set.count} samples from ${set.sourceName} (${inputs.length > 1 ? plan.notes.join('; ') : fit.description}); ${sequential ? 'sequential: each layer sees the already-quantized layers before it' : "Hessians from the float model's activations (not sequential)"}, ${targets.length} layers, ${(hessianBytes(targets) / 2 ** 20).toFixed(1)} MiB`,
    ...unsupported.map((u) => `${u.name}: no Hessian (${u.reason})`),
  ];
  const imageSize = set.kind === 'images' ? sampleDimsOf(set, preprocess).reduce((a, b) => a * b, 1) : 0;
  const builder = createFeedBuilder(plan, set, n, imageSize, preprocess);
  async function* feeds() {
    for (let i = 0; i < n; i += per) {
      const m = Math.min(per, n - i);
      yield { feeds: await builder.get(i, i + m, m), samples: m };
    }
  }
  // The runtime gets the model as one buffer: tensors kept in external data files are read into it.
  const runnable = { ...model, proto: await readLazyTensors(inlineExternalInitializers(model.proto, model)) };
  if (!sequential) {
    const { hessians, means, stats } = await captureHessians(
      runnable,
      serializeModel,
      targets,
      runner,
      feeds(),
      { onRun: (done) => options.onSamples?.(done, n), isCancelled: options.isCancelled },
    );
    return { calibration: { hessians, meanInputs: means }, stats, notes };
  }
  // Sequential: solve each layer as the pipeline will (same spec, method and Hessian → the same levels).
  const solve = async (t: CaptureTarget, layer: LayerHessians) => {
    if (options.isCancelled?.()) throw new StudioError('CancelledError', 'calibration was cancelled');
    const w = t.weight;
    const values = await readWeight(model, w);
    const one = { hessians: new Map([[w.name, layer]]) };
    const method = methodFor(config, w.name);
    const spec = specFor(config, w.name)!;
    return quantizeWithMethod(values, w, spec, method, one, undefined, undefined, options.isCancelled).qw
      .dequantized;
  };
  const seq = await captureSequential(runnable, serializeModel, targets, runner, feeds, solve, {
    onLayer: options.onLayer,
  });
  return {
    calibration: { hessians: seq.hessians, meanInputs: seq.means },
    stats: seq.stats,
    notes: [...notes, ...seq.notes],
  };
}

export function calibrationToData(r: CalibrationResult): CalibrationData {
  const means = r.calibration.meanInputs;
  return {
    layers: [...r.calibration.hessians].map(([name, l]) => ({
      name,
      hessians: l.hessians,
      means: means?.get(name) ?? null,
    })),
    stats: r.stats,
    notes: r.notes,
  };
}

export function calibrationFromData(d: CalibrationData): CalibrationResult {
  const hessians = new Map<string, LayerHessians>();
  const meanInputs = new Map<string, Float64Array[]>();
  for (const l of d.layers) {
    hessians.set(l.name, { hessians: l.hessians });
    if (l.means) meanInputs.set(l.name, l.means);
  }
  return { calibration: { hessians, meanInputs }, stats: d.stats, notes: d.notes };
}

/** The run note on a capture: samples, runs, time and Hessian memory (CLI and studio). */
export const captureLine = (s: CaptureStats) =>
  `capture: ${s.samples} samples in ${s.runs} runs, ${(s.ms / 1000).toFixed(1)} s, Hessians ${(s.bytes / 2 ** 20).toFixed(1)} MiB`;
