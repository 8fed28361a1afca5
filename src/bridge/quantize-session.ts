// Everything the page knows about the quantize worker's state, in one place: which model it should hold, which runs
// it can re-create, a cooperative cancel in flight, and the exported Blob per variant. A restarted worker (crash,
// or a cancel that had to terminate it) is restored from here on demand: the model is opened again from its File
// and lost runs are re-quantized (quantizing is deterministic, so the same config gives the same bytes).
import { transfer, type Remote } from 'comlink';
import { calibrationBuffers, type CalibrationData } from '../core/pipeline/calibration-data';
import type { QuantConfig } from '../core/quant/config';
import type { Progress, RunSummary } from '../protocol/dto';
import type { WireBlob } from '../protocol/dto';
import type { QuantizeApi } from '../workers/quantize.api';
import { describeWorkerFailure } from './crash';
import { MODEL_NOT_LOADED, SharedFlight, hasErrorName } from './shared-flight';
import type { Bridge } from './worker-bridge';

/**
 * A cancel flag the worker reads inside a layer's solve (AdaRound's steps, GPTQ's row blocks), where it cannot take
 * the cancel message: shared memory, so only where the page is cross-origin isolated; else null (the message, then
 * termination after the grace period).
 */
function sharedCancelFlag(): Int32Array | null {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  return isolated && typeof SharedArrayBuffer !== 'undefined'
    ? new Int32Array(new SharedArrayBuffer(4))
    : null;
}

/** What it takes to (re)open a model in the worker: the page keeps the Files, the worker the parsed model. */
export interface ModelFiles {
  id: string;
  file: WireBlob;
  fileName: string;
  sidecars: { name: string; blob: WireBlob }[];
}

/**
 * A calibration the quantize worker holds under `key` (GPTQ / AdaRound / bias correction). The page keeps no copy
 * (the Hessians are transferred): `capture` runs the capture again for a restarted worker (it is deterministic).
 */
export interface CalibrationRef {
  key: string;
  capture: () => Promise<CalibrationData>;
}

/** A run the worker may have to re-create: its id and the config it was quantized with. */
export interface RunRef {
  runId: string;
  config: QuantConfig;
}

interface BlobEntry {
  modelId: string;
  runId: string;
  blob: Promise<Blob>;
}

const openRequest = (model: ModelFiles) => ({
  modelId: model.id,
  file: model.file,
  fileName: model.fileName,
  sidecars: model.sidecars,
});

/** A signal that never aborts, for calls that are not cancellable (their results are cached or ignored). */
const NEVER = new AbortController().signal;

export class QuantizeSession {
  readonly #reopening = new SharedFlight();
  readonly #restoring = new SharedFlight();
  readonly #calibrating = new SharedFlight();
  /** `<calibration key>@<worker generation>` of each calibration put into the worker. */
  readonly #calibrations = new Set<string>();
  /** The calibration each data-aware run was quantized with, to re-create it after a restart. */
  readonly #runCalibrations = new Map<string, CalibrationRef>();
  /** Exported model per variant id. A re-run (new run id) or another model replaces it. */
  readonly #blobs = new Map<string, BlobEntry>();
  #pendingCancel: Promise<boolean> | undefined;
  /** The model the page works on (last opened, not closed): re-opened in a fresh worker after a crash. */
  #current: ModelFiles | undefined;
  /** `<model id>@<worker generation>` of each successful open: a lost run does not mean a lost model. */
  readonly #opened = new Set<string>();

  constructor(readonly bridge: Bridge<QuantizeApi>) {}

  /** Plain call: no abort; if the worker crashes, rejects with WorkerCrashedError "…; it was restarted". */
  call<T>(fn: (api: Remote<QuantizeApi>) => Promise<T>): Promise<T> {
    return this.#described(this.bridge.run(NEVER, fn, () => {}));
  }

  /**
   * Word a crash or out-of-memory failure for the user. After a crash a fresh worker is started at once with the
   * current model re-opened in it (runs are re-created on demand), so the next action finds it ready.
   */
  #described<T>(p: Promise<T>): Promise<T> {
    return p.catch((e: unknown) => {
      throw describeWorkerFailure(e, this.bridge.label, () => this.#restart());
    });
  }

  #restart(): void {
    const model = this.#current;
    if (!model) return void this.bridge.api;
    // Straight to the bridge, not through call(): a model that crashes the worker again must not loop here. It
    // fails again on the next action instead, with its own message.
    const generation = this.bridge.generation;
    const reopen = async () => {
      await this.bridge.run(
        NEVER,
        (api) => api.open(openRequest(model)),
        () => {},
      );
      this.#opened.add(`${model.id}@${generation}`);
    };
    void this.#reopening.run(`${model.id}@${this.bridge.generation}`, reopen).catch(() => {});
  }

  /** Best-effort call whose failure does not matter (freeing memory in the worker). */
  #fireAndForget(fn: (api: Remote<QuantizeApi>) => Promise<void>): void {
    void this.call(fn).catch(() => {});
  }

  /**
   * Call the worker about `model`. If it answers ModelNotLoadedError (it was restarted), re-open the File, restore
   * the runs this call needs, and retry once.
   */
  async callModel<T>(
    model: ModelFiles,
    fn: (api: Remote<QuantizeApi>) => Promise<T>,
    needsRuns: readonly RunRef[] = [],
  ): Promise<T> {
    // Attempt 1 trusts that the model is open in this worker generation (only a run was lost); attempt 2 opens it
    // again whatever we believed.
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.call(fn);
      } catch (e) {
        if (!hasErrorName(e, MODEL_NOT_LOADED) || attempt === 2) throw e;
      }
      if (attempt === 1) this.#forgetOpened(model.id);
      try {
        await this.#reopen(model);
        for (const run of needsRuns) await this.#restoreRun(model, run);
      } catch (e) {
        if (!hasErrorName(e, MODEL_NOT_LOADED) || attempt === 1) throw e;
      }
    }
  }

  #forgetOpened(modelId: string): void {
    for (const key of this.#opened) if (key.startsWith(`${modelId}@`)) this.#opened.delete(key);
  }

  /** Parse a model in the worker under `model.id`. */
  async open(model: ModelFiles) {
    const generation = this.bridge.generation;
    const summary = await this.call((api) => api.open(openRequest(model)));
    this.#opened.add(`${model.id}@${generation}`);
    this.#current = model;
    return summary;
  }

  /** Free a model and its runs in the worker, and the page's exported Blobs. */
  close(modelId: string): void {
    if (this.#current?.id === modelId) this.#current = undefined;
    this.#forgetOpened(modelId);
    for (const [variantId, e] of this.#blobs) if (e.modelId === modelId) this.#blobs.delete(variantId);
    this.#fireAndForget((api) => api.close(modelId));
  }

  dropRun(runId: string): void {
    this.#runCalibrations.delete(runId);
    this.#fireAndForget((api) => api.dropRun(runId));
  }

  /** Give the worker a captured calibration under `ref.key` (its buffers are transferred, not copied). */
  async putCalibration(model: ModelFiles, key: string, data: CalibrationData): Promise<void> {
    const generation = this.bridge.generation;
    await this.callModel(model, (api) =>
      api.putCalibration(model.id, key, transfer(data, calibrationBuffers(data))),
    );
    this.#calibrations.add(`${key}@${generation}`);
  }

  /** Does the worker hold calibration `key` (in this worker generation)? */
  holdsCalibration(key: string): boolean {
    return this.#calibrations.has(`${key}@${this.bridge.generation}`);
  }

  dropCalibration(key: string): void {
    for (const k of this.#calibrations) if (k.startsWith(`${key}@`)) this.#calibrations.delete(k);
    this.#fireAndForget((api) => api.dropCalibration(key));
  }

  /** Put `ref` into a restarted worker by capturing again; one capture per key and worker generation. */
  #ensureCalibration(model: ModelFiles, ref: CalibrationRef): Promise<void> {
    if (this.holdsCalibration(ref.key)) return Promise.resolve();
    return this.#calibrating.run(`${ref.key}@${this.bridge.generation}`, async () =>
      this.putCalibration(model, ref.key, await ref.capture()),
    );
  }

  /**
   * Quantize `model` with `config` as run `runId`. Aborting `signal` asks the worker to stop cooperatively (it keeps
   * the parsed model) and terminates it only if it does not answer within the grace period; `idle()` waits for that.
   */
  quantize(
    model: ModelFiles,
    runId: string,
    config: QuantConfig,
    signal: AbortSignal,
    onProgress: (p: Progress) => void,
    calibration?: CalibrationRef,
  ): Promise<RunSummary> {
    const bridge = this.bridge;
    let task: Promise<RunSummary> = Promise.resolve() as unknown as Promise<RunSummary>;
    if (calibration) this.#runCalibrations.set(runId, calibration);
    const flag = sharedCancelFlag();
    const go = async () => {
      if (calibration) await this.#ensureCalibration(model, calibration);
      return this.callModel(model, (api) =>
        api.quantize(model.id, runId, config, onProgress, calibration?.key, flag ?? undefined),
      );
    };
    const cancel = () => {
      if (flag) Atomics.store(flag, 0, 1);
      this.#pendingCancel = bridge.cancelOrTerminate(task, () => bridge.api.cancel(runId));
    };
    return this.#described(bridge.run(signal, () => (task = go()), cancel));
  }

  /**
   * A call about `model` that the worker stops cooperatively on `cancel(jobId)` (a budget plan): aborting `signal`
   * asks it, and terminates the worker if it does not answer within the grace period, as `quantize`.
   */
  cancellable<T>(
    model: ModelFiles,
    jobId: string,
    signal: AbortSignal,
    fn: (api: Remote<QuantizeApi>) => Promise<T>,
  ): Promise<T> {
    const bridge = this.bridge;
    let task: Promise<T> = Promise.resolve() as unknown as Promise<T>;
    return this.#described(
      bridge.run(
        signal,
        () => (task = this.callModel(model, fn)),
        () => void (this.#pendingCancel = bridge.cancelOrTerminate(task, () => bridge.api.cancel(jobId))),
      ),
    );
  }

  /** Resolves when no cancel is pending (the worker answered or was terminated). */
  async idle(): Promise<void> {
    await this.#pendingCancel;
  }

  /**
   * The exported bytes of run `run` as one Blob per variant, shared by the download and the evaluation (exported
   * by the worker once per run). Concurrent callers share the export; a failed export is not cached.
   */
  exportBlob(model: ModelFiles, variantId: string, run: RunRef): Promise<Blob> {
    const hit = this.#blobs.get(variantId);
    if (hit && hit.runId === run.runId && hit.modelId === model.id) return hit.blob;
    const blob = this.callModel(model, (api) => api.exportModel(run.runId), [run]);
    const entry: BlobEntry = { modelId: model.id, runId: run.runId, blob };
    this.#blobs.set(variantId, entry);
    blob.catch(() => {
      if (this.#blobs.get(variantId) === entry) this.#blobs.delete(variantId);
    });
    return blob;
  }

  /** Forget a variant's Blob (removed), or all of them. */
  releaseBlob(variantId?: string): void {
    if (variantId === undefined) this.#blobs.clear();
    else this.#blobs.delete(variantId);
  }

  /** Open the same File again under the same model id; one re-open per model and worker generation. */
  #reopen(model: ModelFiles): Promise<void> {
    const key = `${model.id}@${this.bridge.generation}`;
    if (this.#opened.has(key)) return Promise.resolve(); // the worker lost a run, not the model
    return this.#reopening.run(key, () => this.open(model));
  }

  /** Re-create a run the worker lost; one restore per run and worker generation. */
  #restoreRun(model: ModelFiles, run: RunRef): Promise<void> {
    const calibration = this.#runCalibrations.get(run.runId);
    return this.#restoring.run(`${run.runId}@${this.bridge.generation}`, async () => {
      if (calibration) await this.#ensureCalibration(model, calibration);
      await this.call((api) => api.quantize(model.id, run.runId, run.config, undefined, calibration?.key));
    });
  }
}
