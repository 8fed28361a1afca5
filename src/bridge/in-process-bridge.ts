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
    // Every method of our APIs is async, so the plain object fits Remote<Api> (STYLE.md C3).
    return this.impl as unknown as Remote<Api>;
  }

  async run<T>(
    signal: AbortSignal,
    task: (api: Remote<Api>) => Promise<T>,
    onAbort: () => void = () => this.terminate(),
  ): Promise<T> {
    signal.throwIfAborted();
    let listener: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      listener = () => {
        onAbort();
        reject(signal.reason);
      };
      signal.addEventListener('abort', listener, { once: true });
    });
    try {
      return await Promise.race([task(this.api), aborted]);
    } finally {
      if (listener) signal.removeEventListener('abort', listener);
    }
  }

  async cancelOrTerminate(
    task: Promise<unknown>,
    cancel: () => Promise<void>,
    graceMs = 50,
  ): Promise<boolean> {
    const settled = task.then(
      () => true,
      () => true,
    );
    void cancel().catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    const answered = await Promise.race([
      settled,
      new Promise<false>((r) => (timer = setTimeout(() => r(false), graceMs))),
    ]);
    clearTimeout(timer);
    if (!answered) this.terminate();
    return answered;
  }

  terminate(): void {
    this.#generation++;
    this.onTerminate();
  }
}
