import { describe, expect, it } from 'vitest';
import { parseModel } from '../onnx';
import { tokenModel, VOCAB } from '../../../test/fixtures/token-model';
import { createProbeSet, PROBE_LENGTH, seededRandom, tokenVocabularies } from './probe';
import type { TensorSpec } from './types';

const minMax = (v: ArrayLike<number>) => {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < v.length; i++) [lo, hi] = [Math.min(lo, v[i]), Math.max(hi, v[i])];
  return [lo, hi];
};

describe('synthetic probe', () => {
  it('is the same every time, and differs with the seed', () => {
    const inputs: TensorSpec[] = [{ name: 'x', dtype: 'float32', shape: ['N', 3, 8, 8] }];
    const a = createProbeSet(inputs);
    const b = createProbeSet(inputs);
    expect(a.arrays?.[0].values).toEqual(b.arrays?.[0].values);
    expect(createProbeSet(inputs, { seed: 2 }).arrays?.[0].values).not.toEqual(a.arrays?.[0].values);
    expect(seededRandom(5)()).toBe(seededRandom(5)());
  });

  it.each<[string, TensorSpec, number[], [number, number], RegExp]>([
    [
      'image in 0..1',
      { name: 'img', dtype: 'float32', shape: [1, 3, 32, 32] },
      [3, 32, 32],
      [0, 1],
      /range 0\.\.1/,
    ],
    [
      'image sides from the preprocessing',
      { name: 'img', dtype: 'float32', shape: ['N', 3, 'H', 'W'] },
      [3, 224, 224],
      [0, 1],
      /open dims set to H = 224, W = 224/,
    ],
    [
      'token ids below the default vocabulary',
      { name: 'input_ids', dtype: 'int64', shape: ['batch', 'seq'] },
      [PROBE_LENGTH],
      [0, 999],
      /token ids uniform in 0\.\.999 \(no embedding table found: assumed 1000 rows\)/,
    ],
    [
      'mask all ones',
      { name: 'attention_mask', dtype: 'int64', shape: ['batch', 'seq'] },
      [PROBE_LENGTH],
      [1, 1],
      /all ones/,
    ],
    [
      'token types zeros',
      { name: 'token_type_ids', dtype: 'int32', shape: ['batch', 7] },
      [7],
      [0, 0],
      /zeros/,
    ],
    ['uint8 pixels', { name: 'pixels', dtype: 'uint8', shape: ['N', 4] }, [4], [0, 255], /0\.\.255/],
    [
      'features N(0,1)',
      { name: 'features', dtype: 'float32', shape: ['N', 64] },
      [64],
      [-5, 5],
      /standard normal/,
    ],
  ])('%s', (_, input, dims, [lo, hi], how) => {
    const set = createProbeSet([input], { samples: 4 });
    const a = set.arrays![0];
    expect(a.sampleDims).toEqual(dims);
    expect(a.values.length).toBe(4 * dims.reduce((x, y) => x * y, 1));
    const [min, max] = minMax(a.values);
    expect(min).toBeGreaterThanOrEqual(lo);
    expect(max).toBeLessThanOrEqual(hi);
    if (!input.dtype.startsWith('float')) expect(a.values.every(Number.isInteger)).toBe(true);
    expect(set.notes.join('\n')).toMatch(how);
    expect(set).toMatchObject({ source: 'synthetic', labels: null, count: 4 });
  });

  it('applies the mean/std of the preprocessing to images', () => {
    const set = createProbeSet([{ name: 'img', dtype: 'float32', shape: [1, 1, 4, 4] }], {
      preprocess: {
        width: 4,
        height: 4,
        channels: 'gray',
        layout: 'NCHW',
        range: '0..255',
        mean: [127.5],
        std: [127.5],
        flatten: false,
      },
    });
    const [min, max] = minMax(set.arrays![0].values);
    expect(min).toBeGreaterThanOrEqual(-1);
    expect(max).toBeLessThanOrEqual(1);
  });

  it('leaves recurrent state inputs to the evaluator (zeros) and says the set is made up', () => {
    const set = createProbeSet([
      { name: 'x', dtype: 'float32', shape: [1, 10] },
      { name: 'h0', dtype: 'float32', shape: [1, 1, 8] },
    ]);
    expect(set.arrays?.map((a) => a.name)).toEqual(['x']);
    expect(set.notes[0]).toMatch(/^synthetic probe: 8 made-up inputs \(seed 1\).*not your data/);
  });

  it('finds the vocabulary size from the embedding table a token input indexes', () => {
    expect(tokenVocabularies(parseModel(tokenModel(), 't.onnx'))).toEqual({ input_ids: VOCAB });
  });
});
