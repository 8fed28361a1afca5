import { describe, expect, it } from 'vitest';
import {
  interleavedOrder,
  latencyStats,
  measureLatency,
  quantileSorted,
  roundsFor,
  type LatencyOptions,
  type LatencyTarget,
} from './latency';
import type { LoadedModel } from './types';

describe('quantileSorted (linear interpolation, numpy default)', () => {
  it.each([
    { values: [1, 2, 3, 4], p: 0.5, want: 2.5 },
    { values: [1, 2, 3, 4], p: 0.25, want: 1.75 },
    { values: [1, 2, 3, 4], p: 0.75, want: 3.25 },
    { values: [1, 2, 3, 4, 5], p: 0.5, want: 3 },
    { values: [7], p: 0.25, want: 7 },
    { values: [0, 10], p: 1, want: 10 },
    { values: [], p: 0.5, want: NaN },
  ])('$values at $p → $want', ({ values, p, want }) => {
    expect(quantileSorted(values, p)).toBe(want);
  });
});

describe('latencyStats', () => {
  it('sorts, and reports median, quartiles and extremes (an outlier moves max, not the median)', () => {
    const s = latencyStats([5, 1, 3, 2, 100], { warmupRuns: 2, samplesPerRun: 4, interleaved: true });
    expect(s).toEqual({
      medianMs: 3,
      q1Ms: 2,
      q3Ms: 5,
      minMs: 1,
      maxMs: 100,
      runs: 5,
      warmupRuns: 2,
      samplesPerRun: 4,
      interleaved: true,
    });
  });
});

describe('interleavedOrder', () => {
  it.each([
    { n: 3, rounds: 3, want: [0, 1, 2, 1, 2, 0, 2, 0, 1] },
    { n: 1, rounds: 3, want: [0, 0, 0] },
    { n: 2, rounds: 2, want: [0, 1, 1, 0] },
    { n: 3, rounds: 0, want: [] },
  ])('$n models × $rounds rounds', ({ n, rounds, want }) => {
    expect(interleavedOrder(n, rounds)).toEqual(want);
  });

  it('gives every model each position in the round equally often over n rounds', () => {
    const n = 4;
    const order = interleavedOrder(n, n);
    for (let m = 0; m < n; m++) {
      const positions = order.flatMap((k, i) => (k === m ? [i % n] : [])).sort();
      expect(positions).toEqual([0, 1, 2, 3]);
    }
  });
});

describe('roundsFor', () => {
  const o = { budgetMs: 1000, minRounds: 5, maxRounds: 25 };
  it.each([
    { roundMs: 10, want: 25 },
    { roundMs: 100, want: 10 },
    { roundMs: 1000, want: 5 },
    { roundMs: 0, want: 25 },
  ])('one round of $roundMs ms → $want rounds', ({ roundMs, want }) => {
    expect(roundsFor(roundMs, o)).toBe(want);
  });
});

/** Fake sessions whose run time is given by a clock shared by all: `cost(key, runIndex)`. */
function fakeTargets(keys: string[], cost: (key: string, run: number) => number, sizeBytes = 10) {
  const log: string[] = [];
  const released: string[] = [];
  const targets: LatencyTarget[] = keys.map((key) => ({
    key,
    sizeBytes,
    async load(): Promise<LoadedModel> {
      log.push(`load ${key}`);
      let run = 0;
      return {
        inputs: [],
        outputs: [],
        async run() {
          log.push(key);
          return { outputs: {}, runMs: cost(key, run++) };
        },
        async release() {
          released.push(key);
        },
      };
    },
  }));
  return { targets, log, released };
}

const opts: LatencyOptions = { warmupRuns: 2, minRounds: 3, maxRounds: 3, budgetMs: 1000, holdBytes: 100 };
const hooks = { now: () => 0 };

describe('measureLatency', () => {
  it('warms up, interleaves, leaves warm-up runs out and reports per sample', async () => {
    // Each session's first two runs are slow (warm-up); later runs cost 4 ms (float) or 2 ms (q) per run of 2.
    const { targets, log, released } = fakeTargets(['float', 'q'], (key, run) =>
      run < 2 ? 1000 : key === 'float' ? 4 : 2,
    );
    const stats = await measureLatency(targets, {}, ['y'], 2, hooks, opts);
    expect(log).toEqual([
      'load float',
      'load q',
      ...['float', 'q', 'float', 'q'], // warm-up
      ...['float', 'q', 'q', 'float', 'float', 'q'], // interleaved, rotating start
    ]);
    expect(stats.get('float')).toMatchObject({ medianMs: 2, minMs: 2, maxMs: 2, runs: 3, interleaved: true });
    expect(stats.get('q')).toMatchObject({ medianMs: 1, runs: 3, samplesPerRun: 2, warmupRuns: 2 });
    expect(released).toEqual(['float', 'q']);
  });

  it('a drifting clock hits both models alike (the order bias of timing one model after the other)', async () => {
    // A machine that slows down over time: each run costs 1 ms more than the one before, whichever model runs.
    let clock = 0;
    const { targets } = fakeTargets(['float', 'q'], () => ++clock);
    const stats = await measureLatency(targets, {}, ['y'], 1, hooks, { ...opts, maxRounds: 4, minRounds: 4 });
    const f = stats.get('float')!.medianMs;
    const q = stats.get('q')!.medianMs;
    expect(Math.abs(f - q)).toBeLessThanOrEqual(1); // timed one after the other they would differ by 4+ ms
  });

  it('times each model on its own when together they exceed holdBytes, and says so', async () => {
    const { targets, log } = fakeTargets(['float', 'q'], () => 1, 60);
    const stats = await measureLatency(targets, {}, ['y'], 1, hooks, opts);
    expect(log.slice(0, 2)).toEqual(['load float', 'float']);
    expect(log.indexOf('load q')).toBe(1 + 2 + 3);
    expect(stats.get('q')?.interleaved).toBe(false);
  });

  it('stops with CancelledError between runs and releases the sessions', async () => {
    let runs = 0;
    const { targets, released } = fakeTargets(['float', 'q'], () => {
      runs++;
      return 1;
    });
    const p = measureLatency(targets, {}, ['y'], 1, { now: () => 0, isCancelled: () => runs >= 3 }, opts);
    await expect(p).rejects.toMatchObject({ name: 'CancelledError' });
    expect(released).toEqual(['float', 'q']);
  });
});
