import { describe, expect, it } from 'vitest';
import { averageRanks, spearman } from './rank';

describe('averageRanks', () => {
  it.each([
    { xs: [30, 10, 20], ranks: [3, 1, 2] },
    { xs: [1, 1, 2], ranks: [1.5, 1.5, 3] },
    { xs: [5, 5, 5, 5], ranks: [2.5, 2.5, 2.5, 2.5] },
    { xs: [Infinity, -Infinity, 0], ranks: [3, 1, 2] },
    { xs: [], ranks: [] },
  ])('$xs → $ranks', ({ xs, ranks }) => expect(averageRanks(xs)).toEqual(ranks));
});

describe('spearman', () => {
  it.each([
    { name: 'same order', a: [1, 2, 3, 4], b: [10, 20, 30, 40], rho: 1 },
    { name: 'reversed', a: [1, 2, 3, 4], b: [4, 3, 2, 1], rho: -1 },
    { name: 'monotone, not linear', a: [1, 2, 3, 4, 5], b: [1, 4, 9, 16, 1000], rho: 1 },
    // ranks [1,2,3,4,5] vs [2,1,4,3,5]: Σd² = 4, ρ = 1 − 6·4 / (5·24) = 0.8
    { name: 'two swaps', a: [1, 2, 3, 4, 5], b: [2, 1, 4, 3, 5], rho: 0.8 },
    // ties: ranks [3, 1.5, 1.5] vs [2, 1, 3] are uncorrelated (Pearson of ranks = 0)
    { name: 'ties', a: [5, 0, 0], b: [2, 1, 3], rho: 0 },
    { name: 'NaN pairs left out', a: [1, NaN, 2, 3], b: [1, 99, 2, 3], rho: 1 },
  ])('$name: ρ = $rho', ({ a, b, rho }) => expect(spearman(a, b)).toBeCloseTo(rho, 12));

  it.each([
    { name: 'one pair', a: [1], b: [2] },
    { name: 'a constant side', a: [1, 1, 1], b: [1, 2, 3] },
    { name: 'all NaN', a: [NaN, NaN], b: [1, 2] },
  ])('undefined for $name: null', ({ a, b }) => expect(spearman(a, b)).toBeNull());

  it('refuses lists of different lengths', () =>
    expect(() => spearman([1, 2], [1])).toThrow(/2 values vs 1/));
});
