import { describe, expect, it } from 'vitest';
import { runQuantization } from '../pipeline/run';
import { normalizeConfig, toRecipe } from '../quant/config';
import { syntheticMlp } from '../../../test/support/synthetic-mlp';
import { assign, layerTables, uniformFloor, type LayerTable } from './plan';

describe('mixed precision under a budget', () => {
  it.each([
    [21, 'channel', 4.5],
    [21, 'tensor', 3.2],
    [13, 'channel', 5],
    [21, 'block', 4.5],
  ] as const)(
    'opset %i, per-%s, %f bits: the exporter stores exactly the predicted bytes, within budget',
    async (opset, granularity, targetBits) => {
      const model = syntheticMlp(opset);
      const base = normalizeConfig({ granularity, blockSize: 16 });
      const tables = await layerTables(model, base);
      const byBits = assign(model, base, tables, { targetBits }, 'weight-error');
      expect(byBits.solution.bytes).toBeLessThanOrEqual(byBits.budget);
      expect(byBits.averageBits).toBeLessThanOrEqual(targetBits);
      expect(byBits.averageBits).toBeGreaterThan(targetBits - 1);
      // A size budget in stored bytes: the same number of bytes as 3.2..5 bits of levels would take.
      const byBytes = assign(model, base, tables, { targetBytes: (targetBits * 3200) / 8 }, 'weight-error');
      expect(byBytes.storedBytes).toBeLessThanOrEqual((targetBits * 3200) / 8);
      for (const a of [byBits, byBytes]) {
        expect(Object.keys(a.config.layers).sort()).toEqual(['w1', 'w2', 'w3']);
        const { summary } = await runQuantization(model, normalizeConfig(toRecipe(a.config)), 'm');
        const stored =
          summary.layers.reduce((s, l) => s + l.bytesAfter, 0) +
          tables.filter((t) => a.chosen[t.name] === 'float').reduce((s, t) => s + t.options.at(-1)!.bytes, 0);
        expect(stored).toBe(a.storedBytes);
      }
    },
  );

  it('more budget never predicts more loss, and a generous one keeps everything float', async () => {
    const model = syntheticMlp();
    const base = normalizeConfig({});
    const tables = await layerTables(model, base);
    const losses = [3, 3.5, 4, 4.5, 6, 8].map(
      (b) => assign(model, base, tables, { targetBits: b }, 'weight-error').solution.loss,
    );
    losses.slice(1).forEach((l, i) => expect(l).toBeLessThanOrEqual(losses[i]));
    const all = assign(model, base, tables, { targetBits: 32 }, 'weight-error');
    expect(Object.values(all.chosen)).toEqual(['float', 'float', 'float']);
    expect(all.config.layers.w1).toEqual({ skip: true });
  });

  it('takes measured losses where given', async () => {
    const model = syntheticMlp();
    const base = normalizeConfig({});
    // Say w3 is very sensitive: it gets the most bits although its weight error is like the others'.
    const tables = await layerTables(model, base, [2, 4, 8, 'float'], {
      w1: { 2: 0.1, 4: 0.05, 8: 0.01 },
      w2: { 2: 0.1, 4: 0.05, 8: 0.01 },
      w3: { 2: 100, 4: 50, 8: 10 },
    });
    const a = assign(model, base, tables, { targetBits: 4.2 }, 'measured');
    expect(a.chosen.w3).toBe('float');
    expect(a.config.mixed).toEqual({ targetBits: 4.2, proxy: 'measured' });
  });

  it('says when the budget is below the smallest model', async () => {
    const model = syntheticMlp();
    const base = normalizeConfig({});
    const tables = await layerTables(model, base);
    expect(() => assign(model, base, tables, { targetBits: 1 }, 'weight-error')).toThrow(
      /below the smallest/,
    );
  });

  it('with the proxy, no layer goes below the widest uniform width the budget affords; measured losses may', async () => {
    const model = syntheticMlp();
    const base = normalizeConfig({});
    // Hand-made losses: w1 (2048 weights) barely suffers at 3 bits, w2 and w3 gain from more. Budget 4.2 × 3200 =
    // 13440 bits. Without a floor the optimum takes w1 to 3 bits (6144) to pay for w2 at 6 (6144) and w3 at 8
    // (1024): loss 0.551; with it, w1 and w2 stay at 4 (12288) and only w3 rises to 8: loss 0.61.
    const measured = {
      w1: { 2: 9, 3: 0.011, 4: 0.01, 5: 0.009, 6: 0.008, 8: 0.007 },
      w2: { 2: 9, 3: 5, 4: 0.1, 5: 0.05, 6: 0.04, 8: 0.03 },
      w3: { 2: 9, 3: 5, 4: 2, 5: 1.5, 6: 1, 8: 0.5 },
    };
    const tables = await layerTables(model, base, undefined, measured);
    const free = assign(model, base, tables, { targetBits: 4.2 }, 'measured');
    expect(free.floor).toBeNull();
    expect(free.chosen).toEqual({ w1: 3, w2: 6, w3: 8 });
    expect(free.solution.loss).toBeCloseTo(0.551, 12);
    const floored = assign(model, base, tables, { targetBits: 4.2 }, 'measured', true);
    expect(floored.floor).toBe(4);
    expect(floored.chosen).toEqual({ w1: 4, w2: 4, w3: 8 });
    expect(floored.solution.bytes).toBe(4 * 2048 + 4 * 1024 + 8 * 128);
    expect(floored.solution.loss).toBeCloseTo(0.61, 12);
  });

  it.each([
    [4.5, 4],
    [4, 4],
    [3.99, 3],
    [8.5, 8],
    [2, 2],
    [1.9, null],
  ])('uniform floor at %f bits per weight is %s', async (bits, want) => {
    const model = syntheticMlp();
    const base = normalizeConfig({});
    const tables = await layerTables(model, base);
    const options = tables.map((t: LayerTable) =>
      t.options.map((_, k) => {
        const c = t.candidates[k];
        return { bytes: (c === 'float' ? 32 : c === 'fp16' ? 16 : c) * t.elements, loss: 0 };
      }),
    );
    expect(uniformFloor(tables, options, Math.floor(bits * 3200))).toBe(want);
  });

  it('the weight-error proxy floors by default: at 4.5 bits every layer keeps at least 4 bits', async () => {
    const model = syntheticMlp();
    const base = normalizeConfig({});
    const a = assign(model, base, await layerTables(model, base), { targetBits: 4.5 }, 'weight-error');
    expect(a.floor).toBe(4);
    for (const c of Object.values(a.chosen))
      expect(c === 'float' || (typeof c === 'number' && c >= 4)).toBe(true);
    expect(a.solution.bytes).toBeLessThanOrEqual(4.5 * 3200);
  });
});
