// Everything the page knows about the evaluate worker's state, in one place. The worker is terminated to cancel an
// evaluation (an ORT run cannot be interrupted), so: every call is raced against the session's "epoch" (a restart
// rejects calls in flight with AbortError instead of leaving them pending), and calls that need the sample set
// read it into a fresh worker first (the page keeps the dropped Files).
import type { Remote } from 'comlink';
import type { ArrayRoles, TabularOptions } from '../core/samples';
import type {
  CalibrationData,
  CaptureProgress,
  CaptureRequest,
  EvalProgress,
  EvalReport,
  EvalRequest,
  SampleFile,
  SampleSetInfo,
  SensitivityProgress,
  SensitivityReport,
  SensitivityRunRequest,
  AssignmentsRunRequest,
} from '../protocol/eval-dto';
import type { Measurement } from '../core/mixed/refine';
import type { EvaluateApi } from '../workers/evaluate.api';
import { describeWorkerFailure } from './crash';
import { sendInSlices } from './send-in-slices';
import { MODEL_NOT_LOADED, SharedFlight, hasErrorName } from './shared-flight';
import type { Bridge } from './worker-bridge';

/** A sample set as the page keeps it: enough to read it again into a restarted worker. */
export interface SampleSetFiles {
  /** Bumped by the page on every successful read. */
  id: number;
  files: SampleFile[];
  tabular: TabularOptions | undefined;
  /** Loose .npy files as the user assigned them. */
  arrays?: ArrayRoles;
}

const restartError = () => new DOMException('The evaluation worker was restarted', 'AbortError');

export class EvaluateSession {
  #epoch = new AbortController();
  /** Which sample set the worker holds, in which worker generation (null: none, or unknown after a failed read). */
  #holds: { samplesId: number; generation: number } | null = null;
  readonly #restoring = new SharedFlight();
  /** Reads run one after another: two in flight could finish in either order. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(readonly bridge: Bridge<EvaluateApi>) {}

  /** Terminate the worker: calls in flight reject with AbortError, the next call starts a fresh worker. */
  restart(): void {
    this.bridge.terminate();
    const old = this.#epoch;
    this.#epoch = new AbortController();
    this.#holds = null;
    this.#restoring.clear();
    old.abort(restartError());
  }

  /** A plain call: no cancel of its own, but rejects with AbortError if the worker is restarted meanwhile. */
  call<T>(fn: (api: Remote<EvaluateApi>) => Promise<T>): Promise<T> {
    return this.#described(this.bridge.run(this.#epoch.signal, fn, () => {}));
  }

  /**
   * Word a crash or out-of-memory failure for the user, and start a fresh worker (the samples are read into it on
   * the next call that needs them). Out of memory restarts too: onnxruntime's wasm heap is not usable after it.
   */
  #described<T>(p: Promise<T>): Promise<T> {
    const restart = () => {
      this.restart();
      void this.bridge.api;
    };
    return p.catch((e: unknown) => {
      throw describeWorkerFailure(e, this.bridge.label, restart, true);
    });
  }

  /**
   * Read a sample set into the worker (queued). The worker is recorded as holding set `samples.id` only when its
   * read succeeded.
   */
  readSamples(samples: SampleSetFiles): Promise<SampleSetInfo> {
    const run = async () => {
      this.#holds = null; // the worker drops its set when a read starts
      const generation = this.bridge.generation;
      const info = await this.call(async (api) => {
        await sendInSlices(samples.files, (slice, first) => api.stageSampleFiles(slice, first));
        return api.loadStagedSamples({ tabular: samples.tabular, arrays: samples.arrays });
      });
      this.#holds = { samplesId: samples.id, generation };
      return info;
    };
    const p = this.#queue.then(run, run);
    this.#queue = p.catch(() => {});
    return p;
  }

  /** Run `fn` with `samples` loaded in the worker; if it answers ModelNotLoadedError, read them again and retry once. */
  async withSamples<T>(samples: SampleSetFiles, fn: () => Promise<T>): Promise<T> {
    await this.#ensureSamples(samples);
    try {
      return await fn();
    } catch (e) {
      if (!hasErrorName(e, MODEL_NOT_LOADED)) throw e;
      this.#holds = null;
      await this.#ensureSamples(samples);
      return fn();
    }
  }

  /** A plain call that needs `samples` in the worker. */
  callWithSamples<T>(samples: SampleSetFiles, fn: (api: Remote<EvaluateApi>) => Promise<T>): Promise<T> {
    return this.withSamples(samples, () => this.call(fn));
  }

  /** Evaluate on `samples`. Aborting `signal` restarts the worker (the next call starts a fresh one). */
  evaluate(
    samples: SampleSetFiles,
    request: EvalRequest,
    signal: AbortSignal,
    onProgress: (p: EvalProgress) => void,
  ): Promise<EvalReport> {
    return this.withSamples(samples, () =>
      this.#described(
        this.bridge.run(
          signal,
          (api) => api.evaluate(request, onProgress),
          () => this.restart(),
        ),
      ),
    );
  }

  /** The synthetic probe: needs no sample set. Aborting `signal` restarts the worker, as for `evaluate`. */
  probe(
    request: EvalRequest,
    signal: AbortSignal,
    onProgress: (p: EvalProgress) => void,
  ): Promise<EvalReport> {
    return this.#described(
      this.bridge.run(
        signal,
        (api) => api.probe(request, onProgress),
        () => this.restart(),
      ),
    );
  }

  /**
   * Measured sensitivity on `samples` (null: the synthetic probe, which needs no set). Aborting `signal` restarts the
   * worker, as for `evaluate`.
   */
  sensitivity(
    samples: SampleSetFiles | null,
    request: SensitivityRunRequest,
    signal: AbortSignal,
    onProgress: (p: SensitivityProgress) => void,
  ): Promise<SensitivityReport> {
    const go = () =>
      this.bridge.run(
        signal,
        (api) => api.sensitivity(request, onProgress),
        () => this.restart(),
      );
    return samples ? this.withSamples(samples, go) : go();
  }

  /**
   * Whole mixed-precision assignments against the float model on `samples` (null: the synthetic probe): the loss
   * the budget's refinement compares. Aborting `signal` restarts the worker, as for `evaluate`.
   */
  measureAssignments(
    samples: SampleSetFiles | null,
    request: AssignmentsRunRequest,
    signal: AbortSignal,
  ): Promise<Measurement[]> {
    const go = () =>
      this.bridge.run(
        signal,
        (api) => api.measureAssignments(request),
        () => this.restart(),
      );
    return samples ? this.withSamples(samples, go) : go();
  }

  /**
   * Calibration capture on the first `request.count` of `samples` (for GPTQ / AdaRound / bias correction). Aborting
   * `signal` restarts the worker, as for `evaluate`. The result's buffers arrive transferred.
   */
  capture(
    samples: SampleSetFiles,
    request: CaptureRequest,
    signal: AbortSignal,
    onProgress?: (p: CaptureProgress) => void,
  ): Promise<CalibrationData> {
    return this.withSamples(samples, () =>
      this.#described(
        this.bridge.run(
          signal,
          (api) => api.capture(request, onProgress),
          () => this.restart(),
        ),
      ),
    );
  }

  /** Make sure the worker holds `samples` (read them again into a restarted worker); one read per set and generation. */
  #ensureSamples(samples: SampleSetFiles): Promise<void> {
    const generation = this.bridge.generation;
    const holds = this.#holds;
    if (holds && holds.samplesId === samples.id && holds.generation === generation) return Promise.resolve();
    return this.#restoring.run(`${samples.id}@${generation}`, () => this.readSamples(samples));
  }
}
