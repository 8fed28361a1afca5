import { describe, expect, it } from 'vitest';
import { roundHalfEven } from './round';

describe('roundHalfEven', () => {
  it.each([
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [3.5, 4],
    [-0.5, 0],
    [-1.5, -2],
    [-2.5, -2],
    [-3.5, -4],
    [126.5, 126],
    [127.5, 128],
    [0.49999999999999994, 0], // floor(x + 0.5) would give 1
    [2.5000000000000004, 3],
    [-2.5000000000000004, -3],
    [1.4999999999999998, 1],
    [2 ** 52 + 1, 2 ** 52 + 1],
    [2 ** 53, 2 ** 53],
    [-(2 ** 52) - 1, -(2 ** 52) - 1],
    [0, 0],
    [7, 7],
    [-7.2, -7],
    [-7.7, -8],
  ])('%d -> %d', (x, expected) => {
    expect(roundHalfEven(x) + 0).toBe(expected); // + 0 folds -0 into 0
  });

  it.each([NaN, Infinity, -Infinity])('%d passes through', (x) => {
    expect(roundHalfEven(x)).toBe(x);
  });

  it('matches a floor-based reference on ties and near-ties of every integer up to ±300', () => {
    const ref = (x: number) => {
      const f = Math.floor(x);
      const d = x - f;
      return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
    };
    const misses: number[] = [];
    for (let k = -300; k <= 300; k++) {
      for (const x of [k + 0.5, k + 0.5 + 2 ** -40, k + 0.5 - 2 ** -40, k + 0.25, k + 0.75]) {
        if (roundHalfEven(x) + 0 !== ref(x) + 0) misses.push(x);
      }
    }
    expect(misses).toEqual([]);
  });
});
