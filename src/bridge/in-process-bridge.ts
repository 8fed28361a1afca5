import { cancelWithin, raceAbort } from './abortable';
import type { Remote } from 'comlink';
import type { Bridge } from './worker-bridge';

/**
 * A bridge that calls an API object in the same thread: for tests, and anywhere a Worker is not available.
 * `terminate()` calls `onTerminate` (a fake can drop its state there, like a restarted worker would).
 */
export class InProcessBridge<Api extends object> implements Bridge<Api> {
  #generation = 0;
  constructor(
    private readonly impl: Api,
    private readonly onTerminate: () => void = () => {},
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
    return raceAbort(signal, [task(this.api)], onAbort);
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

  terminate(): void {
    this.#generation++;
    this.onTerminate();
  }
}
