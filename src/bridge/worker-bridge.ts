import { cancelWithin, raceAbort } from './abortable';
import { releaseProxy, wrap, type Remote } from 'comlink';
import { WORKER_CRASHED, workerCrashed, type WorkerLabel } from './crash';

export { WORKER_CRASHED };

/** What actions need from a worker: a typed API, abortable calls, and a way to kill it. Tests swap in a fake. */
export interface Bridge<Api extends object> {
  /** The remote API; starts the worker on first use. */
  readonly api: Remote<Api>;
  /** Bumped each time the worker is terminated: state held in the old worker is gone. */
  readonly generation: number;
  /** Which worker, in words, for messages ('quantization', 'evaluation'). */
  readonly label: string;
  run<T>(signal: AbortSignal, task: (api: Remote<Api>) => Promise<T>, onAbort?: () => void): Promise<T>;
  /**
   * Ask the worker to stop `task` cooperatively; if `task` has not settled after `graceMs`, terminate the worker.
   * Resolves to true when the worker answered, false when it had to be terminated.
   */
  cancelOrTerminate(task: Promise<unknown>, cancel: () => Promise<void>, graceMs?: number): Promise<boolean>;
  terminate(): void;
}

export const DEFAULT_CANCEL_GRACE_MS = 2000;

/** Owns one worker: lazy start, typed comlink proxy, abort, crash detection (docs/style.md, "Workers"). */
export class WorkerBridge<Api extends object> implements Bridge<Api> {
  #worker?: Worker;
  #api?: Remote<Api>;
  #crashed?: Promise<never>;
  #generation = 0;

  constructor(
    private readonly spawn: () => Worker,
    /** Which worker, in words, for the crash message ('quantization', 'evaluation'). */
    readonly label: WorkerLabel = 'background',
  ) {}

  get generation(): number {
    return this.#generation;
  }

  get api(): Remote<Api> {
    if (!this.#api) {
      const worker = this.spawn();
      this.#crashed = new Promise<never>((_, reject) => {
        const onError = (ev: Event) => {
          const detail = (ev as Partial<ErrorEvent>).message ?? '';
          if (this.#worker === worker) this.terminate();
          reject(workerCrashed(this.label, detail));
        };
        worker.addEventListener('error', onError);
        worker.addEventListener('messageerror', onError);
      });
      this.#crashed.catch(() => {}); // observed by run(); never an unhandled rejection on its own
      this.#worker = worker;
      this.#api = wrap<Api>(worker);
    }
    return this.#api;
  }

  /**
   * Run `task`. On abort, reject at once with the signal's reason and call `onAbort`. The default kills the worker,
   * which suits work that can't be interrupted; callers that can cancel cooperatively pass their own `onAbort`.
   */
  async run<T>(
    signal: AbortSignal,
    task: (api: Remote<Api>) => Promise<T>,
    onAbort: () => void = () => this.terminate(),
  ): Promise<T> {
    signal.throwIfAborted();
    const api = this.api;
    const crashed = this.#crashed as Promise<never>;
    return raceAbort(signal, [task(api), crashed], onAbort);
  }

  async cancelOrTerminate(
    task: Promise<unknown>,
    cancel: () => Promise<void>,
    graceMs = DEFAULT_CANCEL_GRACE_MS,
  ): Promise<boolean> {
    const generation = this.#generation;
    const answered = await cancelWithin(task, cancel, graceMs);
    if (!answered && this.#generation === generation) this.terminate();
    return answered;
  }

  terminate(): void {
    if (!this.#worker) return;
    this.#api?.[releaseProxy]();
    this.#worker.terminate();
    this.#worker = undefined;
    this.#api = undefined;
    this.#crashed = undefined;
    this.#generation++;
  }
}
