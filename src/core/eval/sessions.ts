// Sessions of the evaluation pass kept for the latency benchmark that follows it, so no model is loaded twice: when
// the benchmark is on and the models fit its hold budget (it holds them all at once anyway), a session is kept
// after its pass instead of being released; otherwise it is released at once, as without a benchmark.
import type { LoadedModel } from './types';

export interface SessionKeeper {
  /** Done with `model` for the pass: kept under `key` when keeping, else released. */
  done(key: string, model: LoadedModel): Promise<void>;
  /** The kept session for `key`, handed over (the caller releases it), or null. */
  take(key: string): LoadedModel | null;
  /** Releases whatever is still kept (an error, a cancel, or a model the benchmark did not take). */
  releaseAll(): Promise<void>;
}

export function createSessionKeeper(keep: boolean): SessionKeeper {
  const kept = new Map<string, LoadedModel>();
  return {
    async done(key, model) {
      const old = kept.get(key);
      if (keep && !old) kept.set(key, model);
      else await model.release();
    },
    take(key) {
      const m = kept.get(key) ?? null;
      kept.delete(key);
      return m;
    },
    async releaseAll() {
      const all = [...kept.values()];
      kept.clear();
      for (const m of all) await m.release();
    },
  };
}
