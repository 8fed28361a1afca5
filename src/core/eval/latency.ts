// Latency that can be compared between models: sessions are warmed up, then run in interleaved rounds (float,
// q1, q2, then q1, q2, float, …) on the same input, so drift (CPU clocks, other tabs, GC) hits every model alike
// and no model always runs first. Reported as the median per sample with its quartiles and extremes.
import { StudioError } from '../errors';
import type { FeedTensor } from './feeds';
import type { LoadedModel } from './types';

export interface LatencyOptions {
  /** Untimed runs of each session first (allocation, kernel selection, JIT). */
  warmupRuns: number;
  minRounds: number;
  maxRounds: number;
  /** Rounds are added up to `maxRounds` while the estimated timed total stays under this. */
  budgetMs: number;
  /** Above this many model bytes the sessions are not held together: each model is timed on its own. */
  holdBytes: number;
}

export const DEFAULT_LATENCY_OPTIONS: LatencyOptions = {
  warmupRuns: 3,
  minRounds: 5,
  maxRounds: 25,
  budgetMs: 2000,
  holdBytes: 512 * 1024 * 1024,
};

/** One model's timed runs, per sample (run time / samples in the run). */
export interface LatencyStats {
  medianMs: number;
  q1Ms: number;
  q3Ms: number;
  minMs: number;
  maxMs: number;
  /** Timed runs (after `warmupRuns` untimed ones), each on `samplesPerRun` samples. */
  runs: number;
  warmupRuns: number;
  samplesPerRun: number;
  /** False when the models were too large to hold at once and were timed one after another. */
  interleaved: boolean;
}

/** Where the models ran, e.g. { backend: 'wasm', threads: 1 }; shown with the results and the latency. */
export interface RuntimeInfo {
  backend: string;
  threads: number;
  /** Why this many threads (e.g. "page not cross-origin isolated"), when the runtime says. */
  threadsWhy?: string;
}

/** Quantile of sorted values with linear interpolation between order statistics (R's type 7, numpy's default). */
export function quantileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export function latencyStats(
  perSampleMs: readonly number[],
  meta: Pick<LatencyStats, 'warmupRuns' | 'samplesPerRun' | 'interleaved'>,
): LatencyStats {
  const s = [...perSampleMs].sort((a, b) => a - b);
  return {
    medianMs: quantileSorted(s, 0.5),
    q1Ms: quantileSorted(s, 0.25),
    q3Ms: quantileSorted(s, 0.75),
    minMs: s.length ? s[0] : NaN,
    maxMs: s.length ? s[s.length - 1] : NaN,
    runs: s.length,
    ...meta,
  };
}

/** Model indices in run order for `rounds` rounds of `n` models; each round starts one model later than the last. */
export function interleavedOrder(n: number, rounds: number): number[] {
  const order: number[] = [];
  for (let r = 0; r < rounds; r++) for (let k = 0; k < n; k++) order.push((r + k) % n);
  return order;
}

/** Rounds that fit the budget given one round's estimated time, within [minRounds, maxRounds]. */
export function roundsFor(roundMs: number, o: Pick<LatencyOptions, 'budgetMs' | 'minRounds' | 'maxRounds'>) {
  const fit = roundMs > 0 ? Math.floor(o.budgetMs / roundMs) : o.maxRounds;
  return Math.max(o.minRounds, Math.min(o.maxRounds, fit));
}

export interface LatencyTarget {
  key: string;
  sizeBytes: number;
  /** A session: fresh, or the evaluation pass's own (released by the benchmark either way). */
  load(): Promise<LoadedModel>;
}

export interface LatencyHooks {
  now: () => number;
  isCancelled?: () => boolean;
  pause?: () => Promise<void>;
  /** Called after each timed run: runs done of the planned total. */
  onRun?: (done: number, total: number) => void;
}

/**
 * Times every target on one input (`feeds`, `samplesPerRun` samples). Sessions are held together and interleaved
 * when their bytes fit `holdBytes`; otherwise each is loaded, warmed up, timed and released in turn.
 */
export async function measureLatency(
  targets: readonly LatencyTarget[],
  feeds: Record<string, FeedTensor>,
  outputNames: string[],
  samplesPerRun: number,
  hooks: LatencyHooks,
  options: LatencyOptions = DEFAULT_LATENCY_OPTIONS,
): Promise<Map<string, LatencyStats>> {
  const result = new Map<string, LatencyStats>();
  const interleaved = targets.reduce((a, t) => a + t.sizeBytes, 0) <= options.holdBytes;
  const groups = interleaved ? [targets] : targets.map((t) => [t]);
  let done = 0;
  for (const group of groups) {
    const models: LoadedModel[] = [];
    try {
      for (const t of group) models.push(await t.load());
      const timeRun = async (m: LoadedModel): Promise<number> => {
        if (hooks.isCancelled?.()) throw new StudioError('CancelledError', 'evaluation cancelled');
        const out = await m.run(feeds, outputNames);
        await hooks.pause?.();
        return out.runMs;
      };
      let roundMs = 0;
      for (let w = 0; w < options.warmupRuns; w++) {
        roundMs = 0;
        for (const m of models) roundMs += await timeRun(m);
      }
      const rounds = roundsFor(roundMs, options);
      const total = rounds * targets.length;
      const times: number[][] = models.map(() => []);
      for (const k of interleavedOrder(models.length, rounds)) {
        times[k].push((await timeRun(models[k])) / samplesPerRun);
        hooks.onRun?.(++done, total);
      }
      group.forEach((t, k) =>
        result.set(
          t.key,
          latencyStats(times[k], { warmupRuns: options.warmupRuns, samplesPerRun, interleaved }),
        ),
      );
    } finally {
      for (const m of models) await m.release();
    }
  }
  return result;
}
