import { describe, expect, it } from 'vitest';
import { isStudioError } from '../errors';
import {
  KL_EPSILON,
  argmax,
  createClassificationAccumulator,
  createFidelityAccumulator,
  createOutputKindDetector,
  detectOutputKind,
  logSoftmax,
  rankOf,
  rowKind,
  softmax,
  type OutputKind,
} from './classification';

describe('output kind detection', () => {
  it.each([
    [[0.2, 0.3, 0.5], 'probabilities'],
    [[0.5, 0.5, 0.0005], 'probabilities'], // sum 1.0005, inside the 1e-3 tolerance
    [[0.2, 0.3, 0.5].map(Math.log), 'log-probabilities'],
    [[2, 1, 0], 'logits'],
    [[0.5, 0.6], 'logits'], // sums to 1.1
    [[1.2, -0.2], 'logits'], // sums to 1 but has a negative value
    [[-6500, 3200, 12], 'logits'], // mnist-8 style magnitudes
  ] as [number[], OutputKind][])('%j -> %s', (row, kind) => {
    expect(rowKind(row)).toBe(kind);
  });
  it('a stream is probabilities only if every row is', () => {
    const d = createOutputKindDetector();
    d.add([0.5, 0.5]);
    expect(d.result()).toBe('probabilities');
    d.add([3, 1]);
    expect(d.result()).toBe('logits');
    expect(detectOutputKind(Float32Array.of(0.1, 0.9, 0.7, 0.3), 2)).toBe('probabilities');
    expect(detectOutputKind(Float32Array.of(Math.log(0.1), Math.log(0.9), 5, 1), 2)).toBe('logits');
  });
});

describe('softmax / logSoftmax / argmax / rank', () => {
  it('is stable for large logits', () => {
    expect(Array.from(softmax([1000, 1000]))).toEqual([0.5, 0.5]);
    expect(Array.from(softmax([1000, 0]))).toEqual([1, Math.exp(-1000)]);
    expect(logSoftmax([1000, 1000])[0]).toBeCloseTo(-Math.LN2, 12);
  });
  it.each([
    [[1, 3, 3], 1], // first on ties, like numpy.argmax
    [[-1, -2], 0],
    [[0, NaN], -1],
  ])('argmax(%j) = %i', (row, i) => {
    expect(argmax(row)).toBe(i);
  });
  it('rankOf breaks ties by index, consistent with argmax', () => {
    expect(rankOf([1, 1, 0], 0)).toBe(0);
    expect(rankOf([1, 1, 0], 1)).toBe(1);
    expect(rankOf([4, 0, 1], 1)).toBe(2);
  });
});

describe('classification accumulator on a hand-computed table (3 classes, top-2)', () => {
  // row, label, predicted, rank of the label
  const TABLE: [number[], number][] = [
    [[2, 1, 0], 0], // pred 0 ✓, rank 0
    [[0, 3, 1], 2], // pred 1 ✗, rank 1 (top-2 ✓)
    [[1, 1, 5], 2], // pred 2 ✓
    [[4, 0, 1], 1], // pred 0 ✗, rank 2 (top-2 ✗)
  ];
  it('top-1, top-k, per class and confusion', () => {
    const acc = createClassificationAccumulator({ topK: 2 });
    for (const [row, label] of TABLE) acc.add(Float32Array.from(row), label);
    const r = acc.result();
    expect(r).toMatchObject({
      count: 4,
      numClasses: 3,
      topK: 2,
      top1Correct: 2,
      topKCorrect: 3,
      top1Accuracy: 0.5,
      topKAccuracy: 0.75,
      nanRows: 0,
    });
    expect(Array.from(r.perClassTotal)).toEqual([1, 1, 2]);
    expect(Array.from(r.perClassCorrect)).toEqual([1, 0, 1]);
    expect(Array.from(r.perClassAccuracy)).toEqual([1, 0, 0.5]);
    // rows = true label, columns = predicted
    expect(Array.from(r.confusion)).toEqual([1, 0, 0, /**/ 1, 0, 0, /**/ 0, 1, 1]);
  });
  it('default top-5 with 10 classes; NaN rows count as wrong', () => {
    const acc = createClassificationAccumulator();
    acc.add([9, 8, 7, 6, 5, 4, 3, 2, 1, 0], 4); // rank 4: top-5 ✓, top-1 ✗
    acc.add([9, 8, 7, 6, 5, 4, 3, 2, 1, 0], 5); // rank 5: ✗
    acc.add([NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0], 1);
    const r = acc.result();
    expect(r).toMatchObject({ count: 3, top1Correct: 0, topKCorrect: 1, nanRows: 1 });
    expect(Number.isNaN(r.perClassAccuracy[9])).toBe(true);
  });
  it('rejects labels outside the model classes and rows of another width', () => {
    const acc = createClassificationAccumulator();
    acc.add([1, 2, 3], 0);
    expect(() => acc.add([1, 2, 3], 3)).toThrow("sample 1: label 3 is outside the model's 3 classes (0..2)");
    expect(() => acc.add([1, 2], 0)).toThrow('output row has 2 values, expected 3');
    try {
      acc.add([1, 2, 3], -1);
    } catch (e) {
      expect(isStudioError(e, 'SampleSetError')).toBe(true);
    }
  });
});

describe('fidelity accumulator (float model vs variant)', () => {
  const KL = 0.5 * Math.log(4 / 3); // KL([.5,.5] || [.25,.75])
  it.each([
    ['probabilities', [0.5, 0.5], [0.25, 0.75], 0.25],
    ['logits', [0, 0], [0, Math.log(3)], Math.log(3)],
    ['log-probabilities', [Math.log(0.5), Math.log(0.5)], [Math.log(0.25), Math.log(0.75)], Math.LN2],
  ] as [OutputKind, number[], number[], number][])('%s', (kind, p, q, maxAbs) => {
    const f = createFidelityAccumulator({ kind });
    f.add(p, q); // top-1 differs (tie -> 0 vs 1)
    f.add(q, q); // identical
    const r = f.result();
    expect(r.count).toBe(2);
    expect(r.top1Agreement).toBe(0.5);
    expect(r.meanKl).toBeCloseTo(KL / 2, 12);
    expect(r.maxAbsDiff).toBeCloseTo(maxAbs, 12);
  });
  it('probabilities rounded to 0 give a finite KL through KL_EPSILON', () => {
    const f = createFidelityAccumulator({ kind: 'probabilities' });
    f.add([1, 0], [0, 1]);
    expect(f.result().meanKl).toBeCloseTo(-Math.log(KL_EPSILON), 10);
  });
  it('logits in the thousands (mnist-8) need no epsilon', () => {
    const f = createFidelityAccumulator({ kind: 'logits' });
    f.add([6500, 0], [6499, 0]);
    expect(Number.isFinite(f.result().meanKl)).toBe(true);
    expect(f.result().meanKl).toBe(0); // both softmaxes are exactly one-hot in float64
  });
  it('a saturated softmax (KL below 0 by rounding, as the demo model gave) counts as 0', () => {
    const f = createFidelityAccumulator({ kind: 'logits' });
    f.add([626, 0], [624, 0]);
    expect(f.result().meanKl).toBe(0);
  });
  it('rejects rows of different widths', () => {
    expect(() => createFidelityAccumulator({ kind: 'logits' }).add([1, 2], [1])).toThrow(
      "variant output has 1 values, the float model's has 2",
    );
  });
});

describe('on real reference outputs', () => {
  it('iris: test_data_set_0/output_0.pb logits vs Iris.csv labels give the documented 98.0% (147/150)', async () => {
    const { readFileSync } = await import('node:fs');
    const { testModel } = await import('../../../test/paths');
    const { folderEntries } = await import('../../../test/fixtures/samples/entries');
    const { detectSampleSet } = await import('../samples/detect');
    const { referenceOutput } = await import('../samples/access');
    const { readTabularCsv } = await import('../samples/tabular');
    const dir = testModel('iris-mlp-winml');
    const outputs = await detectSampleSet(folderEntries(`${dir}/samples/test_data_set_0`, 'test_data_set_0'));
    const table = readTabularCsv(readFileSync(`${dir}/data/Iris.csv`, 'utf8'), 'Iris.csv');
    const rows = Array.from({ length: 150 }, (_, i) => referenceOutput(outputs, i) as Float32Array);
    const kind = createOutputKindDetector();
    const acc = createClassificationAccumulator();
    rows.forEach((row, i) => {
      kind.add(row);
      acc.add(row, table.labels?.[i] as number);
    });
    expect(kind.result()).toBe('logits');
    expect(acc.result()).toMatchObject({ count: 150, top1Correct: 147, numClasses: 3 });
  });
});
