import { cancelWithin, raceAbort } from './abortable';
import type { Remote } from 'comlink';
import { workerCrashed } from './crash';
import type { Bridge } from './worker-bridge';

/** A rejection that `crash()` fires for the calls of one generation. */
function crashSignal(): { promise: Promise<never>; fire: (e: Error) => void } {
  let fire!: (e: Error) => void;
  const promise = new Promise<never>((_, reject) => (fire = reject));
  promise.catch(() => {}); // observed by run(); never an unhandled rejection on its own
  return { promise, fire };
}

/**
 * A bridge that calls an API object in the same thread: for tests, and anywhere a Worker is not available.
 * `terminate()` calls `onTerminate` (a fake can drop its state there, like a restarted worker would); `crash()`
 * behaves like a worker that died: calls in flight reject with WorkerCrashedError and its state is gone.
 */
export class InProcessBridge<Api extends object> implements Bridge<Api> {
  #generation = 0;
  #crash = crashSignal();
  constructor(
    private readonly impl: Api,
    private readonly onTerminate: () => void = () => {},
    readonly label = 'background',
  ) {}

  get generation(): number {
    return this.#generation;
  }

  get api(): Remote<Api> {
    // Every method of our APIs is async, so the plain object fits Remote<Api> (docs/style.md, "Workers").
    return this.impl as unknown as Remote<Api>;
  }

  async run<T>(
    signal: AbortSignal,
    task: (api: Remote<Api>) => Promise<T>,
    onAbort: () => void = () => this.terminate(),
  ): Promise<T> {
    signal.throwIfAborted();
    return raceAbort(signal, [task(this.api), this.#crash.promise], onAbort);
  }

  async cancelOrTerminate(
    task: Promise<unknown>,
    cancel: () => Promise<void>,
    graceMs = 50,
  ): Promise<boolean> {
    const answered = await cancelWithin(task, cancel, graceMs);
    if (!answered) this.terminate();
    return answered;
  }

  /** Simulate the worker dying (an uncaught error or out of memory, reported by the browser as `detail`). */
  crash(detail: string): void {
    const crash = this.#crash;
    this.terminate();
    crash.fire(workerCrashed(this.label, detail));
  }

  terminate(): void {
    this.#generation++;
    this.#crash = crashSignal();
    this.onTerminate();
  }
}
