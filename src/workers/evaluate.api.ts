// The evaluate worker's API as a plain object: reads a sample set, previews it against a model input, runs the float
// model and its quantized variants with onnxruntime (injected, so Node tests pass onnxruntime-web's Node build).
import { transfer } from 'comlink';
import type * as Ort from 'onnxruntime-web';
import { StudioError } from '../core/errors';
import {
  DEFAULT_LATENCY_OPTIONS,
  DEFAULT_THUMBNAIL_SIZE,
  FLOAT_MODEL_ID,
  decodedToRgba,
  fitRgba,
  checkPreviewFit,
  probeSetForModel,
  predictionKey,
  preprocessedToRgba,
  runEvaluation,
  sampleFeatures,
  sampleName,
  selectFlips,
  tensorToRgba,
  type EvalOutcome,
} from '../core/eval';
import { parseModel } from '../core/onnx';
import {
  describeSampleSet,
  detectSampleSet,
  inferPreprocessOptions,
  loadSample,
  previewStats,
  sampleDimsOf,
  sliceSampleSet,
  validatePreprocessOptions,
  type ImageDecoder,
  type ModelInputSpec,
  type PreprocessOptions,
  type SampleEntry,
  type SampleRange,
  type SampleSet,
  type TabularOptions,
} from '../core/samples';
import type { WireBlob } from '../protocol/dto';
import { measureSensitivity } from '../core/sensitivity/run';
import { measureAssignments } from '../core/sensitivity/assignments';
import type { Measurement } from '../core/mixed/refine';
import { macrotask } from './macrotask';
import { captureCalibration } from './evaluate-capture';
import {
  SESSION_OPTIONS,
  openSession,
  ortBackend,
  readBytes,
  readExternal,
  type OrtModule,
} from './ort-backend';
import {
  modesOf,
  type EvalMode,
  type EvalProgress,
  type EvalReport,
  type FitCheck,
  type FlipsResult,
  type LoadSamplesOptions,
  type PreviewResult,
  type RgbaImage,
  type SamplePreview,
  type SampleSetInfo,
  type EvalModelFile,
  type EvalRequest,
  type SampleFile,
  type CalibrationData,
  type CaptureProgress,
  type CaptureRequest,
  type SensitivityProgress,
  type SensitivityReport,
  type SensitivityRunRequest,
  type AssignmentsRunRequest,
} from '../protocol/eval-dto';

export type { OrtModule } from './ort-backend';

export interface EvaluateEnv {
  /** Image decoder for non-PNG files (the worker passes a createImageBitmap one); default: PNG only. */
  decodeImage?: ImageDecoder;
  now?: () => number;
  /** A macrotask yield, so a cancel message can be handled during a run. */
  pause?: () => Promise<void>;
  /** Why onnxruntime got its thread count (wasmThreads), reported with the results. */
  threadsWhy?: string;
}

const toErrorDto = (e: unknown) =>
  e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
const cleanPath = (p: string) => p.replace(/\\/g, '/').replace(/^\/+/, '');

/**
 * Progress to the page without awaiting it (a remote call); a rejected or released proxy must not stop the run.
 */
function fireAndForget<P>(onProgress: ((p: P) => unknown) | undefined): (p: P) => void {
  return (p) => {
    try {
      const r: unknown = onProgress?.(p);
      if (r instanceof Promise) r.catch(() => {});
    } catch {
      // the page went away: keep going
    }
  };
}

export function createEvaluateApi(ort: OrtModule, env: EvaluateEnv = {}) {
  const now = env.now ?? (() => performance.now());
  const pause = env.pause ?? macrotask;
  let loaded: { entries: SampleEntry[]; options: LoadSamplesOptions; set: SampleSet } | null = null;
  /** The last evaluation: the set it read (the whole loaded set), the first sample's index in it, the outcome. */
  let last: { set: SampleSet; start: number; outcome: EvalOutcome } | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  let nextToken = 0;
  let cancelBelow = 0;

  /** One evaluation at a time (sessions are created and run one after another). */
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = queue.then(fn, fn);
    queue = p.catch(() => {});
    return p;
  };

  const mustGetLoaded = () => {
    if (!loaded) {
      throw new StudioError(
        'ModelNotLoadedError',
        'no sample set in this evaluate worker (was it restarted?): load the samples again',
      );
    }
    return loaded;
  };
  const mustGetSet = (): SampleSet => mustGetLoaded().set;
  /** The loaded set, or the part of it a request names (calibration or evaluation part of the split). */
  const partOf = (set: SampleSet, range: SampleRange | undefined): SampleSet =>
    range ? sliceSampleSet(set, range) : set;

  const read = async (entries: SampleEntry[], options: LoadSamplesOptions): Promise<SampleSetInfo> => {
    const set = await detectSampleSet(entries, {
      tabular: options.tabular,
      arrays: options.arrays,
      decodeImage: env.decodeImage,
    });
    loaded = { entries, options, set };
    last = null;
    return {
      ...describeSampleSet(set),
      tabular: set.kind === 'tensor' ? set.tabular : null,
      referenceOutputDims:
        set.kind === 'tensor' && set.referenceOutputs ? [...set.referenceOutputs.sampleDims] : null,
    };
  };

  const resolvePreprocess = (set: SampleSet, input: ModelInputSpec, preprocess: PreprocessOptions | null) => {
    if (set.kind !== 'images') return { used: null, inferred: false };
    const used = preprocess ?? inferPreprocessOptions(input.shape);
    validatePreprocessOptions(used);
    return { used, inferred: preprocess === null };
  };

  const run = (
    set: SampleSet,
    request: EvalRequest,
    token: number,
    onProgress?: (p: EvalProgress) => void,
  ) => {
    // Duplicate variant ids are rejected by the evaluator before any model is loaded.
    const files = new Map<string, EvalModelFile>([
      [FLOAT_MODEL_ID, request.float],
      ...request.variants.map((v) => [v.id, v] as const),
    ]);
    return runEvaluation(
      set,
      {
        float: {
          id: FLOAT_MODEL_ID,
          label: request.float.label ?? 'float model',
          sizeBytes: request.float.blob.size,
        },
        variants: request.variants.map((v) => ({ id: v.id, label: v.label, sizeBytes: v.blob.size })),
        modes: modesOf(request.mode),
        preprocess: request.preprocess,
        batchSize: request.batchSize,
        maxSamples: request.maxSamples,
        topK: request.topK,
        iouThreshold: request.iouThreshold,
        latency: request.latency ? DEFAULT_LATENCY_OPTIONS : undefined,
      },
      ortBackend(ort, files, now, env.threadsWhy),
      {
        now,
        pause,
        isCancelled: () => token < cancelBelow,
        onProgress: fireAndForget(onProgress),
      },
    );
  };

  const loadSamples = (files: SampleFile[], options: LoadSamplesOptions = {}): Promise<SampleSetInfo> => {
    loaded = null; // a failed read must not leave the previous set to be evaluated
    last = null;
    const entries = files.map((f) => ({ path: cleanPath(f.path), bytes: () => readBytes(f.blob) }));
    return read(entries, options);
  };
  /** Files received by stageSampleFiles, read by loadStagedSamples. */
  let staged: SampleFile[] = [];

  /** The float model of a sensitivity or assignments request, and the samples it runs on (loaded or the probe). */
  const floatModelAndSet = async (request: SensitivityRunRequest | AssignmentsRunRequest) => {
    const file = request.float;
    const externalData = await readExternal(file);
    const model = parseModel(
      await readBytes(file.blob),
      file.label ?? 'model.onnx',
      new Map((file.externalData ?? []).map((e) => [e.path, e.blob])),
      { checkExternal: false },
    );
    const set =
      request.source === 'synthetic'
        ? probeSetForModel(model, { preprocess: request.preprocess })
        : partOf(mustGetSet(), request.range);
    return { model, set, externalData };
  };

  return {
    /** Read a dropped folder / files / zip. Keeps the set in the worker; returns what was found. */
    loadSamples,

    /**
     * Receive a slice of a set's files (`first` starts a new set); returns how many are staged. The page sends a
     * large set in slices: the first post of a picked File costs the page a synchronous file stat.
     */
    stageSampleFiles(slice: SampleFile[], first: boolean): number {
      if (first) staged = [];
      for (const f of slice) staged.push(f);
      return staged.length;
    },

    /** loadSamples on the staged files. */
    loadStagedSamples(options: LoadSamplesOptions = {}): Promise<SampleSetInfo> {
      const files = staged;
      staged = [];
      return loadSamples(files, options);
    },

    /** CSV tables: re-read with another label column, excluded columns or an edited label mapping. */
    async setTabularOptions(tabular: TabularOptions): Promise<SampleSetInfo> {
      const { set, entries, options } = mustGetLoaded();
      if (set.source !== 'csv') {
        throw new StudioError(
          'SampleSetError',
          `${set.sourceName}: table options apply to a CSV table, this set was read from ${set.source} files`,
        );
      }
      return read(entries, { ...options, tabular }); // on failure the previous table stays loaded
    },

    /** The first `n` samples as the model will see them, and whether they fit `modelInput` (from ModelSummary.inputs[0]). */
    async preview(
      modelInput: ModelInputSpec,
      preprocess: PreprocessOptions | null,
      n = 8,
      thumbnailSize = 64,
      /** All the model's inputs (ModelSummary.inputs): multi-input sets are matched to them by name. */
      allInputs?: ModelInputSpec[],
    ): Promise<PreviewResult> {
      const set = mustGetSet();
      const { used, inferred } = resolvePreprocess(set, modelInput, preprocess);
      const sampleDims = sampleDimsOf(set, used);
      let fit: FitCheck;
      try {
        fit = { ok: true, ...checkPreviewFit(set, sampleDims, modelInput, allInputs) };
      } catch (e) {
        fit = { ok: false, error: toErrorDto(e) };
      }
      const samples: SamplePreview[] = [];
      for (let i = 0; i < Math.min(Math.max(0, n), set.count); i++) {
        const x = await loadSample(set, i, used);
        const label = set.labels ? set.labels[i] : null;
        samples.push({
          index: i,
          name: sampleName(set, i),
          label,
          labelName: label !== null ? (set.classes?.[label] ?? null) : null,
          dims: sampleDims,
          ...previewStats(x),
          thumbnail: used
            ? preprocessedToRgba(x, used, thumbnailSize)
            : tensorToRgba(x, sampleDims, thumbnailSize),
        });
      }
      const result: PreviewResult = {
        preprocess: used,
        preprocessInferred: inferred,
        sampleDims,
        fit,
        samples,
      };
      return transfer(
        result,
        samples.flatMap((s) => (s.thumbnail ? [s.thumbnail.data.buffer as ArrayBuffer] : [])),
      );
    },

    /**
     * Run the float model and every variant on the loaded samples. `onProgress` must be a comlink `proxy`.
     * Rejects with SampleSetError (set vs model), EvaluationError (model I/O, onnxruntime) or CancelledError.
     */
    async evaluate(request: EvalRequest, onProgress?: (p: EvalProgress) => void): Promise<EvalReport> {
      const token = nextToken++;
      return exclusive(async () => {
        const set = mustGetSet();
        const range = request.range ?? { start: 0, end: set.count };
        const outcome = await run(partOf(set, request.range), request, token, onProgress);
        outcome.report.sampleRange = range;
        // not if the samples were replaced meanwhile
        if (loaded?.set === set) last = { set, start: range.start, outcome };
        return outcome.report;
      });
    },

    /**
     * The synthetic probe: made-up inputs from the float model's input shapes and dtypes (no sample set needed), so
     * every variant gets an output-fidelity number. The report says `synthetic: true`; label it so.
     */
    async probe(request: EvalRequest, onProgress?: (p: EvalProgress) => void): Promise<EvalReport> {
      const token = nextToken++;
      return exclusive(async () => {
        const model = parseModel(
          await readBytes(request.float.blob),
          request.float.label ?? 'model.onnx',
          new Map(),
          {
            checkExternal: false,
          },
        );
        const set = probeSetForModel(model, { preprocess: request.preprocess });
        const outcome = await run(set, request, token, onProgress);
        last = { set, start: 0, outcome };
        return outcome.report;
      });
    },

    /**
     * Measured sensitivity: each layer quantized alone (others float) on the loaded samples or the synthetic probe,
     * ranked by output KL (or output noise-to-signal ratio), with the weight-SQNR proxy and their Spearman ρ.
     * Cancel with `cancel()`; `onProgress` must be a comlink `proxy`.
     */
    async sensitivity(
      request: SensitivityRunRequest,
      onProgress?: (p: SensitivityProgress) => void,
    ): Promise<SensitivityReport> {
      const token = nextToken++;
      return exclusive(async () => {
        const { model, set, externalData } = await floatModelAndSet(request);
        return measureSensitivity(
          model,
          set,
          {
            config: request.config,
            preprocess: request.preprocess,
            maxSamples: request.maxSamples,
            batchSize: request.batchSize,
            selection: request.selection,
          },
          (bytes) => openSession(ort, bytes, externalData, 'exact', now),
          {
            now,
            pause,
            isCancelled: () => token < cancelBelow,
            onProgress: fireAndForget(onProgress),
          },
        );
      });
    },

    /**
     * Whole mixed-precision assignments (every layer at its chosen width at once) against the float model on the
     * loaded samples or the probe: the loss the budget's refinement compares. Cancel with `cancel()`.
     */
    async measureAssignments(request: AssignmentsRunRequest): Promise<Measurement[]> {
      const token = nextToken++;
      return exclusive(async () => {
        const { model, set, externalData } = await floatModelAndSet(request);
        return measureAssignments(
          model,
          set,
          request,
          (bytes) => openSession(ort, bytes, externalData, 'exact', now),
          { now, pause, isCancelled: () => token < cancelBelow },
        );
      });
    },

    /**
     * Calibration for data-aware rounding: Hessians (and mean inputs) of the layers `request.config` needs, from the
     * float model's activations on the first `request.count` samples of `request.range` (the calibration part of the
     * loaded set). Cancel with `cancel()`.
     */
    async capture(
      request: CaptureRequest,
      onProgress?: (p: CaptureProgress) => void,
    ): Promise<CalibrationData> {
      const token = nextToken++;
      return exclusive(() =>
        captureCalibration(ort, mustGetSet(), request, {
          isCancelled: () => token < cancelBelow,
          onProgress: fireAndForget(onProgress),
        }),
      );
    },

    /** Cancels the running evaluation and any queued ones (they reject with CancelledError between runs). */
    async cancel(): Promise<void> {
      cancelBelow = nextToken;
    },

    /** Samples whose top-1 changed from the float model to `variantId` in `mode` (last evaluation). */
    async flips(variantId: string, mode: EvalMode, limit = 50): Promise<FlipsResult> {
      if (!last)
        throw new StudioError(
          'EvaluationError',
          'no evaluation results in this worker (run an evaluation first; was the worker restarted?)',
        );
      // Predictions are indexed within the evaluated part; flips name and index samples of the whole set.
      const { set, start, outcome } = last;
      const preds = outcome.predictions.variants.get(predictionKey(variantId, mode));
      if (!preds) {
        throw new StudioError(
          'EvaluationError',
          `no results for variant '${variantId}' in ${mode} mode (evaluated: ${[...outcome.predictions.variants.keys()].join(', ') || 'none'})`,
        );
      }
      const result = selectFlips(
        {
          variantId,
          mode,
          float: outcome.predictions.float,
          variant: preds,
          labels: set.labels ? set.labels.subarray(start, start + outcome.predictions.count) : null,
          classes: set.classes,
          nameOf: (i) => sampleName(set, start + i),
          featuresOf: (i) => sampleFeatures(set, start + i),
        },
        limit,
      );
      return { ...result, flips: result.flips.map((f) => ({ ...f, index: start + f.index })) };
    },

    /** Gallery image: the decoded image (image sets) or an image-shaped tensor in gray/RGB; null when not image-like. */
    async sampleThumbnail(index: number, size = DEFAULT_THUMBNAIL_SIZE): Promise<RgbaImage | null> {
      const set = mustGetSet();
      let img: RgbaImage | null;
      if (set.kind === 'images') {
        if (!(Number.isInteger(index) && index >= 0 && index < set.count)) {
          throw new StudioError(
            'SampleSetError',
            `${set.sourceName}: sample ${index} out of range 0..${set.count - 1}`,
          );
        }
        img = fitRgba(decodedToRgba(await set.load(index)), size);
      } else {
        img = tensorToRgba(await loadSample(set, index, null), set.sampleDims, size);
      }
      return img ? transfer(img, [img.data.buffer as ArrayBuffer]) : null;
    },

    /**
     * Create (and release) an onnxruntime session for an exported variant: the last check before it is offered for
     * download. Rejects with EvaluationError carrying onnxruntime's message. Runs nothing, touches no sample set.
     */
    async checkLoads(blob: WireBlob, label: string): Promise<void> {
      let session: Ort.InferenceSession;
      try {
        session = await ort.InferenceSession.create(await readBytes(blob), SESSION_OPTIONS.exact);
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        throw new StudioError('EvaluationError', `onnxruntime-web could not load ${label}: ${why}`);
      }
      await session.release();
    },

    /** Forget the sample set and the last results. */
    async clear(): Promise<void> {
      loaded = null;
      last = null;
    },
  };
}

export type EvaluateApi = ReturnType<typeof createEvaluateApi>;
