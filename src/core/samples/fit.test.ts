import { describe, expect, it } from 'vitest';
import { expectSampleSetError } from '../../../test/fixtures/samples/entries';
import { checkSamplesFit, type ModelInputSpec } from './fit';

const input = (shape: ModelInputSpec['shape'], dtype = 'float32'): ModelInputSpec => ({
  name: 'x',
  shape,
  dtype,
});

describe('checkSamplesFit accepts', () => {
  it.each([
    [
      'mnist-8 batch fixed at 1',
      [1, 28, 28],
      input([1, 1, 28, 28]),
      { kind: 'fixed', size: 1 },
      [-1, 1, 28, 28],
      false,
    ],
    ['iris dynamic batch', [4], input(['batch', 4]), { kind: 'dynamic', symbol: 'batch' }, [-1, 4], false],
    [
      'unknown dims filled from the samples',
      [3, 32, 32],
      input([null, 3, 'h', 'w']),
      { kind: 'dynamic', symbol: null },
      [-1, 3, 32, 32],
      false,
    ],
    [
      'flat [784] into [1,1,28,28]',
      [784],
      input([1, 1, 28, 28]),
      { kind: 'fixed', size: 1 },
      [-1, 1, 28, 28],
      true,
    ],
    ['[1,28,28] into [1,784]', [1, 28, 28], input([1, 784]), { kind: 'fixed', size: 1 }, [-1, 784], true],
    [
      '[28,28] into [N,1,28,28] (drop/add 1s)',
      [28, 28],
      input(['N', 1, 28, 28]),
      { kind: 'dynamic', symbol: 'N' },
      [-1, 1, 28, 28],
      true,
    ],
    ['fixed batch 128', [784], input([128, 784]), { kind: 'fixed', size: 128 }, [-1, 784], false],
    ['no batch axis', [784], input([784]), { kind: 'none' }, [784], false],
  ] as const)('%s', (_n, dims, spec, batch, feedDims, reshaped) => {
    const fit = checkSamplesFit(dims, spec, 'inputs.npy');
    expect(fit.batch).toEqual(batch);
    expect(fit.feedDims).toEqual(feedDims);
    expect(fit.reshaped).toBe(reshaped);
    expect(fit.castTo).toBe('float32');
  });
  it('describes batch handling and dtype conversion', () => {
    expect(checkSamplesFit([3, 224, 224], input([1, 3, 224, 224], 'float16')).description).toBe(
      'batch fixed at 1: one sample per run; converted to float16',
    );
    expect(checkSamplesFit([4], input(['batch', 4])).description).toBe(
      "dynamic batch 'batch': samples can be run in batches",
    );
  });
});

describe('checkSamplesFit rejects with the file and both shapes', () => {
  it.each([
    [
      'wrong size',
      [1, 28, 28],
      input([1, 3, 224, 224]),
      "inputs.npy: each sample has shape [1,28,28] but model input 'x' expects [1,3,224,224] (per sample [3,224,224])",
    ],
    [
      'NHWC samples for an NCHW model (same size is not a reshape)',
      [224, 224, 3],
      input([1, 3, 224, 224]),
      'each sample has shape [224,224,3] but',
    ],
    [
      'feature count',
      [4],
      input(['batch', 5]),
      "each sample has shape [4] but model input 'x' expects [batch,5]",
    ],
    ['rank', [2, 3], input([1, 2, 2, 2]), '(rank 4 vs 2 + a batch axis)'],
    [
      'string input',
      [4],
      input([1, 4], 'string'),
      "model input 'x' has dtype string; inputs.npy holds numbers",
    ],
  ] as const)('%s', async (_n, dims, spec, message) => {
    await expectSampleSetError(() => checkSamplesFit(dims, spec, 'inputs.npy'), message);
  });
});
