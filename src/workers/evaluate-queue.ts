// The evaluate worker's run queue: one run at a time (sessions are created and run one after another), and a cancel
// that stops the running one and every one queued before it, but none requested after it.
import type { SampleStore } from './evaluate-samples';
import type { OrtModule } from './ort-backend';

/** A run's view of the queue: whether a cancel came after it was requested. */
export type IsCancelled = () => boolean;

export interface RunQueue {
  /**
   * Run `fn` after every run requested before it. Its cancel token is taken now (at the request), so a cancel that
   * arrives while it waits in the queue still reaches it.
   */
  exclusive<T>(fn: (isCancelled: IsCancelled) => Promise<T>): Promise<T>;
  /** Cancels the running run and any queued ones (they reject with CancelledError between steps). */
  cancel(): void;
}

export function createRunQueue(): RunQueue {
  let queue: Promise<unknown> = Promise.resolve();
  let nextToken = 0;
  let cancelBelow = 0;
  return {
    exclusive<T>(fn: (isCancelled: IsCancelled) => Promise<T>): Promise<T> {
      const token = nextToken++;
      const start = () => fn(() => token < cancelBelow);
      const p = queue.then(start, start);
      queue = p.catch(() => {});
      return p;
    },
    cancel() {
      cancelBelow = nextToken;
    },
  };
}

/**
 * Progress to the page without awaiting it (a remote call); a rejected or released proxy must not stop the run.
 */
export function fireAndForget<P>(onProgress: ((p: P) => unknown) | undefined): (p: P) => void {
  return (p) => {
    try {
      const r: unknown = onProgress?.(p);
      if (r instanceof Promise) r.catch(() => {});
    } catch {
      // the page went away: keep going
    }
  };
}

/** What the run handlers (variants, sensitivity, capture) share: onnxruntime, the clock, the queue, the samples. */
export interface RunContext {
  ort: OrtModule;
  now: () => number;
  /** A macrotask yield, so a cancel message can be handled during a run. */
  pause: () => Promise<void>;
  runs: RunQueue;
  samples: SampleStore;
}
