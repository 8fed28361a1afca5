import { describe, expect, it } from 'vitest';
import { paretoFront, type ParetoPoint } from './pareto';

const pts = (xs: [number, number][]): ParetoPoint[] => xs.map(([size, quality]) => ({ size, quality }));

describe('paretoFront', () => {
  it.each([
    ['empty', [], []],
    ['one point', [[1, 1]], [0]],
    // 8-bit (big, best), 4-bit, 2-bit, and a mixed one that beats 4-bit at nearly its size.
    [
      'typical variants',
      [
        [100, 99],
        [50, 95],
        [30, 60],
        [55, 98],
      ],
      [2, 1, 3, 0],
    ],
    [
      'a point larger and worse than another is dominated',
      [
        [10, 90],
        [20, 80],
      ],
      [0],
    ],
    [
      'same size: only the better one',
      [
        [10, 80],
        [10, 90],
      ],
      [1],
    ],
    [
      'same quality: only the smaller one',
      [
        [20, 90],
        [10, 90],
      ],
      [1],
    ],
    [
      'exact ties are both kept',
      [
        [10, 90],
        [10, 90],
        [5, 50],
      ],
      [2, 0, 1],
    ],
    [
      'non-finite points are left out',
      [
        [10, NaN],
        [Infinity, 100],
        [20, 70],
      ],
      [2],
    ],
  ] as [string, [number, number][], number[]][])('%s', (_name, input, want) => {
    expect(paretoFront(pts(input))).toEqual(want);
  });

  it('agrees with the definition on random sets', () => {
    let seed = 7;
    const r = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 10;
    for (let n = 0; n < 200; n++) {
      const p = pts(Array.from({ length: 1 + (n % 9) }, () => [Math.round(r()), Math.round(r())]));
      const dominated = (i: number) =>
        p.some(
          (q) =>
            q.size <= p[i].size &&
            q.quality >= p[i].quality &&
            (q.size < p[i].size || q.quality > p[i].quality),
        );
      const want = p.map((_, i) => i).filter((i) => !dominated(i));
      expect([...paretoFront(p)].sort((a, b) => a - b)).toEqual(want);
    }
  });
});
