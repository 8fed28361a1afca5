// The page sends large sample sets to the evaluate worker in slices (src/bridge/send-in-slices.ts): staged slices
// must read exactly like one loadSamples call, and a new first slice must drop what an earlier set left staged.
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { testModel } from '../../test/paths';
import { file, folder } from '../../test/support/evaluate-cases';
import { createEvaluateApi } from './evaluate.api';

describe('staged sample files', () => {
  it.each([
    // slice sizes; the last slice is the rest (the folder: 1,000 PNGs, labels.csv, classes.txt)
    ['one slice', []],
    ['three slices', [8, 400]],
    ['a slice per file for the first ten', [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]],
  ])('%s read like loadSamples', async (_name, first) => {
    const files = folder(testModel('mnist-8/samples/png'), 'png');
    const whole = await createEvaluateApi(ort).loadSamples(files);
    const api = createEvaluateApi(ort);
    api.stageSampleFiles([file(testModel('mnist-8/samples/samples.npz'), 'samples.npz')], true); // an old set
    const sizes = [...first, files.length - first.reduce((a, b) => a + b, 0)];
    let at = 0;
    for (const [i, n] of sizes.entries()) {
      expect(api.stageSampleFiles(files.slice(at, at + n), i === 0)).toBe(at + n);
      at += n;
    }
    expect(at).toBe(files.length);
    expect(await api.loadStagedSamples()).toEqual(whole);
    expect(whole).toMatchObject({ kind: 'images', count: 1000, labeled: true });
  });

  it('reads nothing staged as an empty drop (a clear error, not the previous set)', async () => {
    const api = createEvaluateApi(ort);
    api.stageSampleFiles([], true);
    await expect(api.loadStagedSamples()).rejects.toThrow();
  });
});
