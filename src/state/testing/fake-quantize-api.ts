// An in-process stand-in for the quantize worker, for action tests: controllable timing, cancel, restarts.
import type { OpenRequest } from '../../protocol/dto';
import type { QuantizeApi } from '../../workers/quantize.api';
import type { ModelSummary, Progress, RunSummary } from '../../protocol/dto';
import type { QuantConfig } from '../../core/quant/config';
import type { Candidate } from '../../core/mixed/candidates';
import { chosenOf, refineAssignment } from '../../core/mixed/refine';
import { refinedFields } from '../../core/mixed/refined';

/**
 * What the fake plan gives to refine: 'big' and 'small' (100 weights each) at 2, 4 or 8 bits or float, a limit of 5
 * bits per weight; predicted loss 2^−bits (× 10 for 'big'). Starts: uniform int4, the solver's big 2 / small 8.
 */
const option = (bits: number, scale: number) => ({
  bytes: bits * 100,
  loss: bits === 32 ? 0 : scale * 2 ** -bits,
});
const table = (name: string, scale: number) => ({
  name,
  elements: 100,
  candidates: [2, 4, 8, 'float'] as (2 | 4 | 8 | 'float')[],
  options: [2, 4, 8, 32].map((b) => option(b, scale)),
});
export const FAKE_REFINE = {
  tables: [table('big', 10), table('small', 1)],
  options: [[2, 4, 8, 32].map((b) => option(b, 10)), [2, 4, 8, 32].map((b) => option(b, 1))],
  limit: 1000,
  starts: [
    { label: 'uniform int4', picks: [1, 1] },
    { label: 'solver on measured loss', picks: [0, 2] },
  ],
};

const named = (name: string, message: string) => Object.assign(new Error(message), { name });

export function fakeSummary(fileName: string): ModelSummary {
  const weight = (name: string, elements: number) => ({
    name,
    initializer: name,
    node: `${name}_node`,
    nodeIndex: 0,
    inputIndex: 1,
    op: 'MatMul' as const,
    via: [],
    shape: [elements / 4, 4],
    storedShape: [elements / 4, 4],
    channelAxis: 1,
    reductionAxis: 0,
    dtype: 'float32' as const,
    opDtype: 'float32' as const,
    elements,
    bytes: elements * 4,
    external: false,
    consumers: 1,
    source: 'initializer' as const,
    graphPath: [],
    homePath: [],
    scope: '',
    uses: [{ graphPath: [], node: `${name}_node`, nodeIndex: 0, inputIndex: 1 }],
  });
  return {
    fileName,
    fileBytes: 10_000,
    name: fileName,
    producer: 'fake',
    irVersion: 8,
    opsets: { '': 13 },
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, 4] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: [1, 4] }],
    opCounts: { MatMul: 2 },
    totalParams: 2000,
    totalWeightBytes: 8000,
    weights: [weight('small', 400), weight('big', 1600)],
    externalFiles: [],
    quantized: [],
    quantizedWeights: [],
  };
}

export function fakeRun(runId: string, config: QuantConfig): RunSummary {
  const bits = config.bits === 'fp16' ? 16 : config.bits;
  return {
    runId,
    config,
    // One layer: a run that quantizes nothing is an error in the studio, not a result.
    layers: [
      {
        name: 'big',
        op: 'MatMul',
        shape: [400, 4],
        elements: 1600,
        bits: config.bits,
        scheme: config.scheme,
        granularity: config.granularity,
        blockSize: null,
        container: 'int8',
        encoding: 'DequantizeLinear',
        bytesBefore: 6400,
        bytesAfter: 1600,
        stored: { levels: 1600, scales: 0, zeroPoints: 0 },
        mse: 0,
        sqnrDb: bits * 6,
        maxAbsError: 0,
        meanAbs: 1,
      },
    ],
    skipped: [],
    floatLeft: [],
    floatParams: { total: 2000, quantized: 0 },
    fileBytesBefore: 10_000,
    fileBytesAfter: 2000 + bits * 100,
    opset: 13,
    notes: [],
    overallSqnrDb: bits * 6,
    meanSqnrDb: bits * 6,
    minSqnrDb: bits * 5,
    worstLayer: 'big',
    durationMs: 1,
  };
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}
const deferred = <T>(): Deferred<T> => {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

export interface PendingQuantize {
  runId: string;
  config: QuantConfig;
  onProgress?: (p: Progress) => void;
  finish: () => void;
  fail: (e: unknown) => void;
}

/** A fake worker API. By default everything answers at once; set `manual` to finish quantize jobs by hand. */
export class FakeQuantizeApi {
  models = new Set<string>();
  /** Calibrations put by key (what a restart loses, like runs). */
  calibrations = new Set<string>();
  runs = new Map<string, { modelId: string; config: QuantConfig }>();
  calls: string[] = [];
  /** When true, quantize() waits for `pending[i].finish()`. */
  manual = false;
  /** When false, cancel() is ignored (a worker stuck in a long tensor). */
  answersCancel = true;
  pending: PendingQuantize[] = [];
  /** quantize() fails with this error for these chosenBits. */
  failFor = new Map<string, Error>();
  /** open() waits for these (by file name) when present. */
  openGates = new Map<string, Promise<void>>();
  private cancelHooks = new Map<string, () => void>();
  private waiters: (() => void)[] = [];

  private consumed = 0;

  /** The next quantize job that started and was not handed out yet (manual mode); waits for one. */
  async nextPending(): Promise<PendingQuantize> {
    while (this.pending.length <= this.consumed) await new Promise<void>((r) => this.waiters.push(r));
    return this.pending[this.consumed++];
  }

  /** What a restarted worker holds: nothing. */
  restart(): void {
    this.models.clear();
    this.runs.clear();
    this.calibrations.clear();
  }

  readonly api: QuantizeApi = {
    open: async (req: OpenRequest) => {
      this.calls.push(`open:${req.modelId}:${req.fileName}`);
      await this.openGates.get(req.fileName);
      if (req.fileName.startsWith('bad'))
        throw named('OnnxParseError', `not an ONNX ModelProto (${req.fileName})`);
      this.models.add(req.modelId);
      return fakeSummary(req.fileName);
    },
    putCalibration: async (modelId, key) => {
      this.calls.push(`putCalibration:${key}`);
      if (!this.models.has(modelId)) throw named('ModelNotLoadedError', `No model "${modelId}"`);
      this.calibrations.add(key);
    },
    dropCalibration: async (key) => {
      this.calls.push(`dropCalibration:${key}`);
      this.calibrations.delete(key);
    },
    quantize: async (modelId, runId, config, onProgress, calibrationKey) => {
      this.calls.push(`quantize:${runId}${calibrationKey ? `:${calibrationKey}` : ''}`);
      if (!this.models.has(modelId)) throw named('ModelNotLoadedError', `No model "${modelId}"`);
      if (calibrationKey !== undefined && !this.calibrations.has(calibrationKey))
        throw named('ModelNotLoadedError', `No calibration "${calibrationKey}"`);
      const fail = this.failFor.get(String(config.bits));
      if (fail) throw fail;
      onProgress?.({ status: 'quantizing', fraction: 0.5, tensor: 'big' });
      if (this.manual) {
        const d = deferred<void>();
        this.cancelHooks.set(runId, () => d.reject(named('CancelledError', 'cancelled')));
        this.pending.push({ runId, config, onProgress, finish: () => d.resolve(), fail: d.reject });
        for (const w of this.waiters.splice(0)) w();
        await d.promise;
      }
      this.runs.set(runId, { modelId, config });
      return fakeRun(runId, config);
    },
    /** Gives 'small' 8 bits and 'big' 4 (a fixed answer: the solver itself is tested in core). */
    planBudget: async (modelId, planId, config, budget, measured, refine) => {
      this.calls.push(
        `planBudget:${JSON.stringify(budget)}${measured ? `:measured ${JSON.stringify(measured)}` : ''}`,
      );
      if (!this.models.has(modelId)) throw named('ModelNotLoadedError', `No model "${modelId}"`);
      if ('targetBits' in budget && budget.targetBits < 2)
        throw named('QuantConfigError', 'the budget is below the smallest possible size');
      const mixed =
        'targetBits' in budget ? { targetBits: budget.targetBits } : { targetBytes: budget.fileBytes };
      const plan = {
        config: {
          ...config,
          layers: { small: { bits: 8 }, big: { bits: 4 } },
          mixed: { ...mixed, proxy: measured ? 'measured' : 'weight-error' },
        } as QuantConfig,
        chosen: { small: 8, big: 4 } as Record<string, Candidate>,
        averageBits: 4.8,
        storedBytes: 1200,
        floor: 4,
      };
      if (!refine || !measured) return plan;
      // Asked to refine (measured, either budget kind): FAKE_REFINE, whatever the budget, with the page's evaluator;
      // cancel(planId) stops it between batches as the worker does.
      const r = await refineAssignment(
        FAKE_REFINE.options,
        FAKE_REFINE.limit,
        FAKE_REFINE.starts,
        (picks) => refine.measure(picks.map((p) => chosenOf(FAKE_REFINE.tables, p))),
        {
          isCancelled: () => this.calls.includes(`cancel:${planId}`),
          onProgress: (done, cap) => void refine.onProgress?.(done, cap),
        },
      );
      return { ...plan, ...refinedFields(plan.config, FAKE_REFINE.tables, r) };
    },
    cancel: async (runId) => {
      this.calls.push(`cancel:${runId}`);
      if (this.answersCancel) this.cancelHooks.get(runId)?.();
    },
    histogram: async () => {
      throw new Error('not used');
    },
    quantizedHistogram: async () => {
      throw new Error('not used');
    },
    channelRanges: async () => {
      throw new Error('not used');
    },
    channelErrors: async () => {
      throw new Error('not used');
    },
    clipView: async () => null,
    errorCurve: async () => [],
    exportModel: async (runId) => {
      const run = this.runs.get(runId);
      if (!run || !this.models.has(run.modelId)) throw named('ModelNotLoadedError', `No run "${runId}"`);
      return new Blob([new Uint8Array(fakeRun(runId, run.config).fileBytesAfter)]);
    },
    exportDataFile: async () => null, // fake runs are always one file
    dropRun: async (runId) => {
      this.calls.push(`dropRun:${runId}`);
      this.runs.delete(runId);
    },
    close: async (modelId) => {
      this.calls.push(`close:${modelId}`);
      this.models.delete(modelId);
    },
  } as QuantizeApi;
}
