import { describe, expect, it } from 'vitest';
import { solveBudget, type Option } from './solve';

function brute(layers: Option[][], budget: number): number {
  let best = Infinity;
  const walk = (i: number, bytes: number, loss: number) => {
    if (bytes > budget) return;
    if (i === layers.length) {
      best = Math.min(best, loss);
      return;
    }
    for (const o of layers[i]) walk(i + 1, bytes + o.bytes, loss + o.loss);
  };
  walk(0, 0, 0);
  return best;
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('solveBudget', () => {
  it('hand-made: a greedy by loss-per-byte would miss the optimum, the program does not', () => {
    // Greedy upgrades layer 0 first (gain 10 for 6 bytes) and then cannot afford layer 1 (gain 9 for 5).
    const layers = [
      [
        { bytes: 2, loss: 10 },
        { bytes: 8, loss: 0 },
      ],
      [
        { bytes: 2, loss: 9 },
        { bytes: 7, loss: 0 },
      ],
      [
        { bytes: 2, loss: 8 },
        { bytes: 5, loss: 1 },
      ],
    ];
    const s = solveBudget(layers, 14);
    expect(s.loss).toBe(brute(layers, 14));
    expect(s.picks).toEqual([0, 1, 1]);
    expect(s.bytes).toBe(14);
  });

  it.each(Array.from({ length: 40 }, (_, i) => i))(
    'random case %i: optimum of brute force, within budget',
    (seed) => {
      const r = rng(seed + 1);
      const layers = Array.from({ length: 2 + Math.floor(r() * 4) }, () =>
        Array.from({ length: 1 + Math.floor(r() * 5) }, () => ({
          bytes: 1 + Math.floor(r() * 40),
          loss: Math.round(r() * 1000) / 10,
        })),
      );
      const least = layers.reduce((s, o) => s + Math.min(...o.map((x) => x.bytes)), 0);
      const most = layers.reduce((s, o) => s + Math.max(...o.map((x) => x.bytes)), 0);
      const budget = least + Math.floor(r() * (most - least + 1));
      const s = solveBudget(layers, budget);
      expect(s.unit).toBe(1);
      expect(s.bytes).toBeLessThanOrEqual(budget);
      expect(s.loss).toBeCloseTo(brute(layers, budget), 9);
    },
  );

  it('large budgets use coarser units and still never exceed the budget', () => {
    const r = rng(99);
    const layers = Array.from({ length: 300 }, () =>
      [2, 4, 8, 32].map((bits) => ({
        bytes: Math.ceil((bits * 5e5 * (0.5 + r())) / 8),
        loss: 1 / bits ** 2,
      })),
    );
    const budget = 4.5e7;
    const s = solveBudget(layers, budget);
    expect(s.unit).toBeGreaterThan(1);
    expect(s.bytes).toBeLessThanOrEqual(budget);
    expect(budget - s.bytes).toBeLessThan(300 * s.unit);
  });

  it('exactly at the smallest size takes every narrowest option; below it, says so', () => {
    const layers = [
      [
        { bytes: 3, loss: 5 },
        { bytes: 9, loss: 1 },
      ],
      [{ bytes: 4, loss: 2 }],
    ];
    expect(solveBudget(layers, 7).picks).toEqual([0, 0]);
    expect(() => solveBudget(layers, 6)).toThrow(/below the smallest possible size, 7 bytes/);
    expect(() => solveBudget(layers, NaN)).toThrow(/non-negative number/);
  });
});
