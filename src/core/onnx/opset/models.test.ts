// The four real test models, upgraded to opset 21 and 25, must load in onnxruntime-node and give the
// original model's outputs on their test inputs.
import { existsSync } from 'node:fs';
import type * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { testModel } from '../../../../test/paths';
import { maxRelDiff, randomTensor, readModel, run, tensorFromPb } from '../../../../test/fixtures/opset/ort';
import { aiOnnxOpset, planOpsetUpgrade, upgradeOpset } from './index';

interface Case {
  name: string;
  file: string[];
  opset: number;
  feeds: () => Record<string, ort.Tensor>;
}

const CASES: Case[] = [
  {
    name: 'mnist-8',
    file: ['mnist-8', 'model.onnx'],
    opset: 8,
    feeds: () => ({ Input3: tensorFromPb(testModel('mnist-8', 'test_data_set_0', 'input_0.pb')) }),
  },
  {
    name: 'squeezenet fp16',
    file: ['squeezenet1.0-fp16-winml', 'model_fp16.onnx'],
    opset: 7,
    feeds: () => ({
      data_0: tensorFromPb(testModel('squeezenet1.0-fp16-winml', 'samples', 'test_data_set_0', 'input_0.pb')),
    }),
  },
  {
    name: 'squeezenet fp32',
    file: ['squeezenet1.0-fp16-winml', 'model_fp32_converted.onnx'],
    opset: 7,
    feeds: () => ({ data_0: randomTensor([1, 3, 224, 224], 7, 0, 255) }),
  },
  {
    name: 'iris-mlp',
    file: ['iris-mlp-winml', 'model.onnx'],
    opset: 11,
    feeds: () => ({
      input: tensorFromPb(testModel('iris-mlp-winml', 'samples', 'test_data_set_0', 'input_0.pb')),
    }),
  },
  {
    name: 'mnist-onnx-mlir',
    file: ['mnist-onnx-mlir', 'model.onnx'],
    opset: 13,
    feeds: () => ({ image: randomTensor([1, 1, 28, 28], 13) }),
  },
];

const TARGETS = [21, 25];

describe.each(CASES)('$name', (c) => {
  const path = testModel(...c.file);
  const available = existsSync(path);

  it.runIf(available)('has the documented opset', () => {
    expect(aiOnnxOpset(readModel(path))).toBe(c.opset);
  });

  it.runIf(available).each(TARGETS)('upgrades to opset %i with identical outputs', async (target) => {
    const model = readModel(path);
    const feeds = c.feeds();
    // The feed names must match the model (a wrong name would make ORT throw, not pass silently).
    expect(model.graph?.input.map((i) => i.name)).toEqual(expect.arrayContaining(Object.keys(feeds)));
    const before = await run(model, feeds, { plain: true });

    const plan = planOpsetUpgrade(model, target);
    expect(plan).toMatchObject({ ok: true });
    const { proto, changes } = upgradeOpset(model, target);
    expect(aiOnnxOpset(proto)).toBe(target);
    expect(Number(proto.irVersion)).toBeGreaterThanOrEqual(target >= 25 ? 13 : 10);
    expect(aiOnnxOpset(model)).toBe(c.opset); // input untouched
    expect(changes[0]).toContain(`${c.opset}→${target}`);

    const after = await run(proto, feeds, { plain: true });
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const k of Object.keys(before)) expect(maxRelDiff(after[k], before[k]), k).toBeLessThanOrEqual(1e-5);
    // and with onnxruntime's default graph optimisations on the upgraded model
    const optimised = await run(proto, feeds);
    for (const k of Object.keys(before))
      expect(maxRelDiff(optimised[k], before[k]), k).toBeLessThanOrEqual(1e-5);
  });
});
