// The quantize worker's API as a plain object: unit-tested in Node, exposed by quantize.worker.ts via comlink.
// Opening, quantizing and budget plans are here; the models and runs they keep are in quantize-models.ts, the weight
// views in quantize-views.ts, the downloads in quantize-export.ts, calibrations in quantize-calibrations.ts.
import { StudioError } from '../core/errors';
import { findWeights, openModel, summarizeModel } from '../core/onnx';
import { foldWeightInputs } from '../core/onnx/fold';
import { normalizeConfig, type QuantConfig } from '../core/quant/config';
import { runQuantization } from '../core/pipeline/run';
import { needsCalibration } from '../core/pipeline/method';
import { captureLine, type CalibrationData } from '../core/pipeline/calibrate';
import { calibrations, mustGetCalibration } from './quantize-calibrations';
import { downloadFileName } from '../state/variant-key';
import { throttleProgress } from '../core/progress';
import { macrotask } from './macrotask';
import { endKeptRtnPools, releaseRtnPool, rtnPoolFor, type RtnThreadPool } from './rtn-threads';
import { removeStaleSpills, runSpill, spillFromBytes } from './opfs-spill';
import { planBudget, type UserBudget } from '../core/mixed/run';
import type { MeasuredLoss } from '../core/mixed/plan';
import type {
  BudgetPlanDto,
  BudgetRefineRemote,
  ModelSummary,
  OpenRequest,
  Progress,
  RunSummary,
} from '../protocol/dto';
import { exportApi } from './quantize-export';
import { models, mustGetModel, runs } from './quantize-models';
import { viewsApi } from './quantize-views';

const cancelled = new Set<string>();
/** The RTN threads of each run in progress (rtn-threads.ts); a cancel ends them at once. */
const pools = new Map<string, RtnThreadPool>();

export const quantizeApi = {
  ...viewsApi,
  ...exportApi,

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
    // A spilled (large) model reads no tensor ahead: one 180 MB tensor less held, for ~10 % more time.
    const pool = rtnPoolFor(model, large ? 0 : 1);
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
      if (pool) await releaseRtnPool(pool, kept); // only a finished run's threads wait for the next width
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
    const pool = pools.get(runId);
    // A run that finished before its cancel came (a batch's Cancel just after a width was written) kept its threads
    // for the next width, which will not come.
    if (pool) void pool.close(new StudioError('CancelledError', `run ${runId} was cancelled`));
    else endKeptRtnPools();
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
