// CLI calibration: read a sample set from a file or folder (the studio's sample readers and preprocessing), stream
// it through onnxruntime-web's wasm backend in Node and accumulate the Hessians GPTQ / AdaRound need.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { StudioError } from '../core/errors';
import {
  captureHessians,
  captureTargets,
  hessianBytes,
  type ActivationRunner,
  type CapturedTensor,
  type CaptureStats,
  type CaptureTarget,
} from '../core/gptq/capture';
import type { LayerHessians } from '../core/gptq/gptq';
import { captureSequential } from '../core/gptq/sequential';
import { findWeights, readLazyTensors, readWeight, serializeModel, summarizeModel } from '../core/onnx';
import type { OnnxModel } from '../core/onnx/types';
import type { Calibration } from '../core/pipeline/method';
import { capturesFor, methodFor, quantizeWithMethod } from '../core/pipeline/method';
import { inlineExternalInitializers } from '../core/export/inline';
import { specFor, type QuantConfig } from '../core/quant/config';
import {
  checkSamplesFit,
  detectSampleSet,
  inferPreprocessOptions,
  loadSample,
  sampleDimsOf,
  type SampleEntry,
} from '../core/samples';

/** Samples per run when the model's batch axis is dynamic (bounds activation memory per run). */
const BATCH = 16;

async function entriesOf(path: string): Promise<SampleEntry[]> {
  const info = await stat(path).catch(() => null);
  if (!info) throw new StudioError('SampleSetError', `--calibration ${path}: no such file or folder`);
  if (info.isFile())
    return [{ path: basename(path), bytes: async () => new Uint8Array(await readFile(path)) }];
  const files = (await readdir(path, { recursive: true, withFileTypes: true })).filter((d) => d.isFile());
  return files.map((d) => {
    const full = join(d.parentPath, d.name);
    return {
      path: relative(path, full).split('\\').join('/'),
      bytes: async () => new Uint8Array(await readFile(full)),
    };
  });
}

/** onnxruntime-web (wasm, one thread) in Node: no new dependency, the same runtime the studio uses. */
export const wasmRunner: ActivationRunner = {
  async open(model, outputs) {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(model, {
      executionProviders: ['wasm'],
      logSeverityLevel: 3,
    });
    const wanted = [...session.outputNames.filter((n) => outputs.includes(n))];
    return {
      async run(feeds) {
        const inputs: Record<string, InstanceType<typeof ort.Tensor>> = {};
        for (const [k, v] of Object.entries(feeds)) inputs[k] = new ort.Tensor('float32', v.data, v.dims);
        const out = await session.run(inputs, wanted);
        const res: Record<string, CapturedTensor> = {};
        for (const [k, t] of Object.entries(out)) {
          const data =
            t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number>, Number);
          res[k] = { dims: [...t.dims], data };
        }
        return res;
      },
      release: () => session.release(),
    };
  },
};

export interface CalibrationResult {
  calibration: Calibration;
  stats: CaptureStats;
  /** What was read and how it was fed, for the run notes. */
  notes: string[];
}

/**
 * Read up to `count` samples of `path` and capture the Hessians of every weight whose method needs them. Float
 * capture: every layer sees the float model's activations (one pass), not the quantized prefix's.
 */
export async function calibrate(
  model: OnnxModel,
  config: QuantConfig,
  path: string,
  count: number,
  progress: (line: string) => void,
  sequential = false,
  runner: ActivationRunner = wasmRunner,
): Promise<CalibrationResult> {
  const set = await detectSampleSet(await entriesOf(path));
  const inputs = summarizeModel(model).inputs;
  if (inputs.length !== 1) {
    throw new StudioError(
      'SampleSetError',
      `--calibration feeds one model input; this model has ${inputs.length} (${inputs.map((i) => i.name).join(', ')})`,
    );
  }
  const input = inputs[0];
  if (input.dtype !== 'float32') {
    throw new StudioError(
      'SampleSetError',
      `--calibration feeds float32 inputs; '${input.name}' is ${input.dtype}`,
    );
  }
  const preprocess = set.kind === 'images' ? inferPreprocessOptions(input.shape) : null;
  const fit = checkSamplesFit(
    sampleDimsOf(set, preprocess),
    { ...input, shape: input.shape },
    set.sourceName,
  );
  if (fit.batch.kind === 'fixed' && fit.batch.size !== 1) {
    throw new StudioError(
      'SampleSetError',
      `--calibration: the model's batch is fixed at ${fit.batch.size}; only 1 or a dynamic batch is supported`,
    );
  }
  const n = Math.min(count, set.count);
  const per = fit.batch.kind === 'dynamic' ? BATCH : 1;
  const weights = findWeights(model, { includeGather: config.includeGather }).filter((w) => {
    const spec = specFor(config, w.name);
    return (
      spec &&
      w.consumers === 1 &&
      (spec.bits !== 'fp16' || config.biasCorrection) &&
      capturesFor(config, w.name)
    );
  });
  const { targets, unsupported } = captureTargets(model, weights);
  const notes = [
    `calibration: ${n} of ${set.count} samples from ${set.sourceName} (${fit.description}); ${sequential ? 'sequential: each layer sees the already-quantized layers before it' : "Hessians from the float model's activations (not sequential)"}, ${targets.length} layers, ${(hessianBytes(targets) / 2 ** 20).toFixed(1)} MiB`,
    ...unsupported.map((u) => `${u.name}: no Hessian (${u.reason})`),
  ];
  async function* feeds() {
    for (let i = 0; i < n; i += per) {
      const m = Math.min(per, n - i);
      const parts = await Promise.all(
        Array.from({ length: m }, (_, k) => loadSample(set, i + k, preprocess)),
      );
      const size = parts[0].length;
      const data = new Float32Array(m * size);
      parts.forEach((p, k) => data.set(p, k * size));
      const dims = fit.batch.kind === 'none' ? fit.feedDims : fit.feedDims.map((d, j) => (j === 0 ? m : d));
      yield { feeds: { [input.name]: { dims, data } }, samples: m };
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
      { onRun: (done) => progress(`calibration: ${done}/${n} samples`) },
    );
    return { calibration: { hessians, meanInputs: means }, stats, notes };
  }
  // Sequential: solve each layer as the pipeline will (same spec, method and Hessian → the same levels).
  const solve = async (t: CaptureTarget, layer: LayerHessians) => {
    const w = t.weight;
    const values = await readWeight(model, w);
    const one = { hessians: new Map([[w.name, layer]]) };
    return quantizeWithMethod(values, w, specFor(config, w.name)!, methodFor(config, w.name), one).qw
      .dequantized;
  };
  const seq = await captureSequential(runnable, serializeModel, targets, runner, feeds, solve, {
    onLayer: (i, total) => progress(`calibration (sequential): layer ${i + 1}/${total}, ${n} samples each`),
  });
  return {
    calibration: { hessians: seq.hessians, meanInputs: seq.means },
    stats: seq.stats,
    notes: [...notes, ...seq.notes],
  };
}
