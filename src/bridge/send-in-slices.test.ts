import { describe, expect, it } from 'vitest';
import { sendInSlices } from './send-in-slices';

/** A clock that advances by `msPerItem` for every item sent (the clone cost sendInSlices measures). */
function run(n: number, msPerItem: number, budgetMs = 8) {
  let t = 0;
  const slices: { size: number; first: boolean }[] = [];
  const got: number[] = [];
  const items = Array.from({ length: n }, (_, i) => i);
  const done = sendInSlices(
    items,
    async (slice, first) => {
      t += slice.length * msPerItem;
      slices.push({ size: slice.length, first });
      got.push(...slice);
    },
    { budgetMs, now: () => t },
  );
  return done.then(() => ({ slices, got, items }));
}

describe('sendInSlices', () => {
  it.each([
    // items, ms per item, expected slice sizes
    [0, 1, [0]],
    [5, 0, [5]],
    [100, 0, [8, 16, 32, 44]],
    [40, 1, [8, 8, 8, 8, 8]], // 8 ms: at the budget, kept
    [40, 1.5, [8, 4, 4, 4, 4, 4, 4, 4, 4]], // 12 ms: over, halved; 6 ms: within, kept
    [20, 3, [8, 4, 2, 2, 2, 2]],
    [3000, 0, [8, 16, 32, 64, 128, 256, 512, 1024, 960]],
  ])('%i items at %f ms each → slices %j', async (n, ms, sizes) => {
    const { slices, got, items } = await run(n, ms);
    expect(slices.map((s) => s.size)).toEqual(sizes);
    expect(slices.map((s) => s.first)).toEqual(sizes.map((_, i) => i === 0));
    expect(got).toEqual(items);
  });
});
