/**
 * One in-flight promise per key: concurrent callers share it, and it is forgotten when it settles (a failure is
 * not cached, so the next caller tries again). Sessions key restores by `<what>@<worker generation>`.
 */
export class SharedFlight {
  readonly #inFlight = new Map<string, Promise<void>>();

  run(key: string, start: () => Promise<unknown>): Promise<void> {
    let p = this.#inFlight.get(key);
    if (!p) {
      p = start().then(
        () => void this.#inFlight.delete(key),
        (e: unknown) => {
          this.#inFlight.delete(key);
          throw e;
        },
      );
      this.#inFlight.set(key, p);
    }
    return p;
  }

  clear(): void {
    this.#inFlight.clear();
  }
}

/** Error name a worker answers with when it lost what a call needs (it was restarted): restore, then retry. */
export const MODEL_NOT_LOADED = 'ModelNotLoadedError';

export const hasErrorName = (e: unknown, name: string): boolean =>
  typeof e === 'object' && e !== null && (e as { name?: unknown }).name === name;
