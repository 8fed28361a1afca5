import { describe, expect, it } from 'vitest';
import type { LayerResult, RunSummary } from '../pipeline/types';
import { layerDeltas } from './layer-deltas';

const layer = (name: string, sqnrDb: number, bits: 2 | 4 | 8 = 4): LayerResult =>
  ({ name, sqnrDb, bits, bytesAfter: 10 * bits }) as LayerResult;
const run = (layers: LayerResult[], skipped: RunSummary['skipped'] = []): RunSummary =>
  ({ layers, skipped }) as RunSummary;

describe('layerDeltas', () => {
  it.each([
    [
      'sorted by B − A, largest loss first; equal deltas keep A order',
      run([layer('x', 40, 8), layer('y', 30, 8), layer('z', 20, 8)]),
      run([layer('x', 20), layer('y', 10), layer('z', 15)]),
      [
        ['x', -20],
        ['y', -20],
        ['z', -5],
      ],
    ],
    [
      'a layer B left float is exact there: +∞, last; A left float: −∞, first',
      run([layer('x', 30)], [{ name: 'y', reason: 'excluded', bytes: 64 }]),
      run([layer('y', 25)], [{ name: 'x', reason: 'excluded', bytes: 32 }]),
      [
        ['y', -Infinity],
        ['x', Infinity],
      ],
    ],
    [
      'both exact is no change; a NaN SQNR (all-zero weight) sorts after everything',
      run([layer('nan', NaN), layer('same', Infinity), layer('up', 10)]),
      run([layer('nan', NaN), layer('same', Infinity), layer('up', 12)]),
      [
        ['same', 0],
        ['up', 2],
        ['nan', NaN],
      ],
    ],
  ] as const)('%s', (_, a, b, expected) => {
    expect(layerDeltas(a, b).map((d) => [d.name, d.deltaDb])).toEqual(expected);
  });

  it('carries each side: bits, stored bytes, and the reason a side was left float', () => {
    const [d] = layerDeltas(
      run([], [{ name: 'w', reason: 'excluded', bytes: 400 }]),
      run([layer('w', 12, 2)]),
    );
    expect(d).toEqual({
      name: 'w',
      a: { sqnrDb: Infinity, bits: 'float', bytes: 400, reason: 'excluded' },
      b: { sqnrDb: 12, bits: 2, bytes: 20 },
      deltaDb: -Infinity,
    });
  });
});
