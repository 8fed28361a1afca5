import { describe, expect, it } from 'vitest';
import { chooseClassificationOutput, classRowLength } from './output';

const batched = { kind: 'dynamic', symbol: 'N' } as const;

describe('chooseClassificationOutput', () => {
  it('picks the float [batch, classes] output over labels and feature maps', () => {
    const { output, note } = chooseClassificationOutput(
      [
        { name: 'label', dtype: 'int64', shape: ['N'] },
        { name: 'features', dtype: 'float32', shape: ['N', 128, 7, 7] },
        { name: 'probs', dtype: 'float32', shape: ['N', 1000, 1, 1] },
      ],
      batched,
    )!;
    expect(output.name).toBe('probs');
    expect(note).toMatch(/scoring output 'probs' as class scores \(3 outputs/);
  });

  it.each([
    ['no float output', [{ name: 'label', dtype: 'int64', shape: ['N'] }]],
    ['a mask', [{ name: 'mask', dtype: 'float32', shape: ['N', 1, 64, 64] }]],
    ['an embedding sequence', [{ name: 'last_hidden', dtype: 'float32', shape: ['N', 'seq', 32] }]],
  ])('finds no class scores in %s (per-output fidelity only)', (_, outputs) => {
    expect(chooseClassificationOutput(outputs, batched)).toBeNull();
  });

  it('takes a lone float output of unknown shape, to be checked on the first run', () => {
    expect(
      chooseClassificationOutput([{ name: 'y', dtype: 'float32', shape: [] }], batched)?.output.name,
    ).toBe('y');
  });
});

describe('classRowLength', () => {
  it.each([
    [[1, 10], 1, 10],
    [[32, 3], 32, 3],
    [[1, 1000, 1, 1], 1, 1000],
  ])('%j for %i sample(s) -> %i per row', (dims, n, row) => {
    expect(classRowLength(dims, n, batched, 'y')).toBe(row);
  });

  it('handles a model without batch axis', () => {
    expect(classRowLength([10], 1, { kind: 'none' }, 'y')).toBe(10);
  });

  it.each([
    [[4, 10], 2, /expected the batch axis first/],
    [[2, 3, 4], 2, /one row of class scores per sample/],
    [[2, 1], 2, /1 value per sample/],
  ])('rejects %j for %i samples', (dims, n, message) => {
    expect(() => classRowLength(dims, n, batched, 'y')).toThrow(
      expect.objectContaining({ name: 'EvaluationError', message: expect.stringMatching(message) }),
    );
  });
});
