import { describe, expect, it } from 'vitest';
import { parseModel } from '../onnx';
import { runQuantization } from '../pipeline/run';
import { normalizeConfig, toRecipe } from '../quant/config';
import { buildModel, floatTensor, modelBytes, node, valueInfo } from '../../../test/fixtures/onnx-builders';
import { assign, layerTables } from './plan';

const wave = (n: number, f: number) => Array.from({ length: n }, (_, i) => Math.sin(i * f) * (1 + (i % 7)));

function mlp(opset = 21) {
  return parseModel(
    modelBytes(
      buildModel({
        opset,
        inputs: [valueInfo('x', 'float32', [1, 32])],
        outputs: [valueInfo('y')],
        nodes: [
          node('MatMul', ['x', 'w1'], ['h']),
          node('Relu', ['h'], ['r']),
          node('MatMul', ['r', 'w2'], ['s']),
          node('MatMul', ['s', 'w3'], ['y']),
        ],
        initializers: [
          floatTensor('w1', [32, 64], wave(2048, 0.37)),
          floatTensor('w2', [64, 16], wave(1024, 1.3)),
          floatTensor('w3', [16, 8], wave(128, 0.11)),
        ],
      }),
    ),
    'mlp.onnx',
  );
}

describe('mixed precision under a budget', () => {
  it.each([
    [21, 'channel', 4.5],
    [21, 'tensor', 3.2],
    [13, 'channel', 5],
    [21, 'block', 4.5],
  ] as const)(
    'opset %i, per-%s, %f bits: the exporter stores exactly the predicted bytes, within budget',
    async (opset, granularity, targetBits) => {
      const model = mlp(opset);
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
    const model = mlp();
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
    const model = mlp();
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
    const model = mlp();
    const base = normalizeConfig({});
    const tables = await layerTables(model, base);
    expect(() => assign(model, base, tables, { targetBits: 1 }, 'weight-error')).toThrow(
      /below the smallest/,
    );
  });
});
