import { describe, expect, it } from 'vitest';
import { npzSampleSet, sampleArray } from '../../../test/support/sample-sets';
import type { SampleArray } from '../samples';
import { createFeedBuilder } from './batch-feeds';
import { planFeeds } from './feeds';
import type { TensorSpec } from './types';

const arr = (name: string, dtype: string, values: number[]) => sampleArray(name, dtype, values, [2]);
const tensorSet = (arrays: SampleArray[]) => npzSampleSet(arrays, 3);

const spec = (name: string, dtype: string): TensorSpec => ({ name, dtype, shape: ['batch', 2] });

describe('createFeedBuilder: each run’s tensors are built once and handed to every model', () => {
  it.each<[string, TensorSpec, SampleArray, number, boolean]>([
    // case, model input, sample array, cache bytes, same tensors on the second model
    [
      'int64 ids (converted): kept',
      spec('ids', 'int64'),
      arr('ids', 'int64', [1, 2, 3, 4, 5, 6]),
      1 << 20,
      true,
    ],
    [
      'int64 ids, no budget: built again',
      spec('ids', 'int64'),
      arr('ids', 'int64', [1, 2, 3, 4, 5, 6]),
      0,
      false,
    ],
    [
      'float32 (a view of the set): kept, costs no budget',
      spec('x', 'float32'),
      arr('x', 'float32', [1, 2, 3, 4, 5, 6]),
      0,
      true,
    ],
    [
      'float16 (converted): kept',
      spec('x', 'float16'),
      arr('x', 'float32', [1, 2, 3, 4, 5, 6]),
      1 << 20,
      true,
    ],
  ])('%s', async (_, input, array, cacheBytes, same) => {
    const set = tensorSet([array]);
    const plan = planFeeds([input], set, null, 'model.onnx');
    const feeds = createFeedBuilder(plan, set, 3, 0, null, cacheBytes);
    const runs: [number, number, number][] = [
      [0, 2, 2],
      [2, 3, 1],
    ];
    const first = [];
    for (const r of runs) first.push(await feeds.get(...r));
    for (const [k, r] of runs.entries()) {
      const again = await feeds.get(...r);
      expect(again).toEqual(first[k]);
      expect(again === first[k]).toBe(same);
    }
    const ids = first[0][input.name];
    expect(ids.dims).toEqual([2, 2]);
    if (input.dtype === 'int64') expect([...(ids.data as BigInt64Array)]).toEqual([1n, 2n, 3n, 4n]);
  });

  it('a padded last run (fixed batch) is a copy: kept only within the budget', async () => {
    const set = tensorSet([arr('x', 'float32', [1, 2, 3, 4, 5, 6])]);
    const input: TensorSpec = { name: 'x', dtype: 'float32', shape: [2, 2] };
    const plan = planFeeds([input], set, null, 'model.onnx');
    for (const [budget, same] of [
      [0, false],
      [1 << 20, true],
    ] as const) {
      const feeds = createFeedBuilder(plan, set, 3, 0, null, budget);
      const a = await feeds.get(2, 3, 2);
      expect([...(a.x.data as Float32Array)]).toEqual([5, 6, 0, 0]);
      expect((await feeds.get(2, 3, 2)) === a).toBe(same);
    }
  });
});
