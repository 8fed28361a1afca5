import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessBridge } from '../../bridge/in-process-bridge';
import { setQuantizeBridge } from '../../bridge';
import type { QuantizeApi } from '../../workers/quantize.api';
import { FakeQuantizeApi } from '../testing/fake-quantize-api';
import { appStore, initialState } from '../store';
import { openFiles } from './open-model';
import { quantizeToBudget, setBudget, userBudget } from './budget';
import { variantLabel } from '../variant-key';

let fake: FakeQuantizeApi;

beforeEach(async () => {
  appStore.setState(initialState(), true);
  fake = new FakeQuantizeApi();
  setQuantizeBridge(new InProcessBridge<QuantizeApi>(fake.api, () => fake.restart()));
  await openFiles([new File([new Uint8Array(8)], 'model.onnx')]);
});
afterEach(() => setQuantizeBridge(undefined));

describe('userBudget', () => {
  it.each([
    [{ mode: 'bits', bits: 4.5, megabytes: 1 }, { targetBits: 4.5 }],
    [{ mode: 'bits', bits: 0, megabytes: 1 }, null],
    [{ mode: 'bits', bits: 33, megabytes: 1 }, null],
    [{ mode: 'size', bits: 4.5, megabytes: 1.2 }, { fileBytes: 1_200_000 }],
    [{ mode: 'size', bits: 4.5, megabytes: 0 }, null],
    [{ mode: 'size', bits: 4.5, megabytes: NaN }, null],
  ] as const)('%j → %j', (setting, want) => expect(userBudget(setting)).toEqual(want));
});

describe('quantizeToBudget', () => {
  it('plans in the worker, then quantizes the assignment as a variant named for its budget', async () => {
    await quantizeToBudget();
    const s = appStore.getState();
    expect(fake.calls.filter((c) => c.startsWith('planBudget'))).toEqual(['planBudget:{"targetBits":4.5}']);
    expect(s.variantOrder).toHaveLength(1);
    const v = s.variants[s.variantOrder[0]];
    expect(v.id).toMatch(/^mix4\.5b-sym-channel-o[0-9a-z]+$/);
    expect(v.run.status).toBe('done');
    expect(v.config.layers).toEqual({ small: { bits: 8 }, big: { bits: 4 } });
    expect(v.plan).toEqual({ averageBits: 4.8, floor: 4, storedBytes: 1200 });
    expect(variantLabel(v)).toBe('mixed 4.5 b · sym · per-channel');
    expect(s.batch.status).toBe('idle');
    // The worker quantized exactly the planned config (the recipe).
    expect([...fake.runs.values()][0].config.layers).toEqual(v.config.layers);
  });

  it('a size budget is passed in bytes; the same budget again re-runs the same variant', async () => {
    setBudget({ mode: 'size', megabytes: 0.05 });
    await quantizeToBudget();
    await quantizeToBudget();
    const s = appStore.getState();
    expect(fake.calls.filter((c) => c.startsWith('planBudget'))).toEqual([
      'planBudget:{"fileBytes":50000}',
      'planBudget:{"fileBytes":50000}',
    ]);
    expect(s.variantOrder).toEqual([s.variantOrder[0]]);
    expect(variantLabel(s.variants[s.variantOrder[0]])).toBe('mixed ≤ 50 kB · sym · per-channel');
  });

  it('a budget the solver refuses is shown, and no variant is left behind', async () => {
    setBudget({ bits: 1 });
    await quantizeToBudget();
    const s = appStore.getState();
    expect(s.budgetError?.message).toMatch(/below the smallest possible size/);
    expect(s.variantOrder).toEqual([]);
    expect(s.batch.status).toBe('idle');
    setBudget({ bits: 4 });
    expect(appStore.getState().budgetError).toBeNull();
  });

  it('does nothing for an unusable number', async () => {
    setBudget({ bits: -1 });
    await quantizeToBudget();
    expect(fake.calls.some((c) => c.startsWith('planBudget'))).toBe(false);
  });
});
