import { describe, expect, it } from 'vitest';
import { parseModel } from '../onnx';
import { normalizeConfig } from '../quant/config';
import {
  buildModel,
  floatTensor,
  modelBytes,
  node,
  ramp,
  valueInfo,
} from '../../../test/fixtures/onnx-builders';
import type { Progress } from './types';
import { runQuantization } from './run';

function mlp(opts: { opset?: number; w1?: number[]; extraNodes?: ReturnType<typeof node>[] } = {}) {
  return parseModel(
    modelBytes(
      buildModel({
        opset: opts.opset ?? 13,
        inputs: [valueInfo('x', 'float32', [1, 16])],
        outputs: [valueInfo('y')],
        nodes: [
          node('MatMul', ['x', 'w1'], ['h']),
          node('Relu', ['h'], ['r']),
          node('MatMul', ['r', 'w2'], ['y']),
          ...(opts.extraNodes ?? []),
        ],
        initializers: [floatTensor('w1', [16, 8], opts.w1 ?? ramp(128)), floatTensor('w2', [8, 4], ramp(32))],
      }),
    ),
    'mlp.onnx',
  );
}

describe('runQuantization', () => {
  it('is deterministic: same model and config, same bytes', async () => {
    const config = normalizeConfig({ bits: 4, granularity: 'block', blockSize: 16 });
    const a = await runQuantization(mlp(), config, 'a');
    const b = await runQuantization(mlp(), config, 'b');
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
  });

  it('applies per-layer overrides and exclusions', async () => {
    const config = normalizeConfig({
      bits: 8,
      layers: { w1: { bits: 3, granularity: 'tensor' }, w2: { skip: true } },
    });
    const { summary } = await runQuantization(mlp(), config, 'r');
    expect(summary.layers.map((l) => [l.name, l.bits, l.granularity, l.container])).toEqual([
      ['w1', 3, 'tensor', 'int4'],
    ]);
    expect(summary.skipped).toEqual([{ name: 'w2', reason: 'excluded', bytes: 8 * 4 * 4 }]);
  });

  it('keeps a NaN weight float, names it, and quantizes the rest', async () => {
    const w1 = ramp(128);
    w1[17] = NaN;
    const { summary } = await runQuantization(mlp({ w1 }), normalizeConfig({}), 'r');
    expect(summary.layers.map((l) => l.name)).toEqual(['w2']);
    expect(summary.skipped).toEqual([
      { name: 'w1', reason: expect.stringMatching(/w1.*NaN.*index 17/), bytes: 16 * 8 * 4 },
    ]);
  });

  it('reports a weight it cannot encode instead of dropping to float silently', async () => {
    // An op the opset upgrader does not know blocks the upgrade; blocked Conv weights need opset 21.
    const model = parseModel(
      modelBytes(
        buildModel({
          opset: 11,
          inputs: [valueInfo('x', 'float32', [1, 16, 6, 6])],
          outputs: [valueInfo('y')],
          nodes: [node('Conv', ['x', 'w'], ['c']), node('NotARealOp', ['c'], ['y'])],
          initializers: [floatTensor('w', [4, 16, 3, 3], ramp(576))],
        }),
      ),
      'conv.onnx',
    );
    const { summary } = await runQuantization(
      model,
      normalizeConfig({ bits: 4, granularity: 'block', blockSize: 16 }),
      'r',
    );
    expect(summary.layers).toEqual([]);
    expect(summary.skipped[0].name).toBe('w');
    expect(summary.skipped[0].reason).toMatch(/opset ≥ 21.*opset 11.*NotARealOp/);
  });

  it('upgrades the opset when a container needs it and says so', async () => {
    const { summary } = await runQuantization(mlp({ opset: 13 }), normalizeConfig({ bits: 2 }), 'r');
    expect(summary.opset).toBe(25);
    expect(summary.notes.join(' ')).toMatch(/opset 13 → 25/);
    expect(summary.layers.every((l) => l.container === 'int2' && l.encoding === 'DequantizeLinear')).toBe(
      true,
    );
  });

  it('reports monotonic progress and can be cancelled', async () => {
    const seen: Progress[] = [];
    await runQuantization(mlp(), normalizeConfig({}), 'r', { onProgress: (p) => seen.push(p) });
    const fractions = seen.map((p) => p.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(seen.at(-1)).toEqual({ status: 'writing', fraction: 1 });
    let calls = 0;
    const cancelled = runQuantization(mlp(), normalizeConfig({}), 'r', { isCancelled: () => ++calls > 1 });
    await expect(cancelled).rejects.toMatchObject({ name: 'CancelledError' });
  });

  it('summarizes sizes and errors consistently', async () => {
    const { summary, bytes } = await runQuantization(mlp(), normalizeConfig({ bits: 8 }), 'r');
    expect(summary.fileBytesAfter).toBe(bytes.length);
    const worst = Math.min(...summary.layers.map((l) => l.sqnrDb));
    expect(summary.minSqnrDb).toBe(worst);
    expect(summary.worstLayer).toBe(summary.layers.find((l) => l.sqnrDb === worst)!.name);
    for (const l of summary.layers) expect(l.bytesAfter).toBe(l.elements + l.shape[1] * 4); // int8 + one scale per column
  });
});

describe('block-wise never grows a layer', () => {
  // Conv [8, inC, 3, 3] blocked along inC: a block longer than inC would store one scale per few weights.
  it.each<[number, number, string, number | null]>([
    [1, 32, 'channel', null], // 1-input-channel (STFT-like) conv: per-channel
    [8, 32, 'channel', null], // depthwise-like, shorter than any block size: per-channel
    [24, 32, 'block', 16], // the largest block size that fits
    [64, 32, 'block', 32], // fits: as asked
  ])('reduction axis %i, block %i → %s %s', async (inC, block, granularity, blockSize) => {
    const model = parseModel(
      modelBytes(
        buildModel({
          opset: 21,
          inputs: [valueInfo('x', 'float32', [1, inC, 6, 6])],
          outputs: [valueInfo('y')],
          nodes: [node('Conv', ['x', 'w'], ['y'])],
          initializers: [floatTensor('w', [8, inC, 3, 3], ramp(8 * inC * 9))],
        }),
      ),
      'conv.onnx',
    );
    const { summary } = await runQuantization(
      model,
      normalizeConfig({ bits: 4, granularity: 'block', blockSize: block }),
      'r',
    );
    const [layer] = summary.layers;
    expect([layer.granularity, layer.blockSize]).toEqual([granularity, blockSize]);
    expect(Boolean(layer.fallback)).toBe(inC < block);
    if (inC < block) expect(summary.notes.join(' ')).toMatch(/longer than the reduction axis/);
    // 4-bit levels + float32 scales: never more than 4 + 32/8 = 8 bits a weight, far below float's 32.
    expect(layer.bytesAfter).toBeLessThanOrEqual(layer.bytesBefore / 4);
    expect(summary.fileBytesAfter).toBeLessThan(summary.fileBytesBefore);
  });
});
