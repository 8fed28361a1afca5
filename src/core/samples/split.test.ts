import { describe, expect, it } from 'vitest';
import {
  calibrationLabel,
  evaluationLabel,
  rangeText,
  sliceSampleSet,
  splitSamples,
  type SplitMode,
} from './split';
import type { ImageSampleSet, TensorSampleSet } from './types';

describe('splitSamples', () => {
  it.each<[string, number, number, SplitMode, [number, number], [number, number], boolean]>([
    // name, total, N, mode, calibration [start, end), evaluation [start, end), held out
    ['demo digits: 300 ≥ 2 × 128', 300, 128, 'holdout', [0, 128], [128, 300], true],
    ['exactly 2N', 256, 128, 'holdout', [0, 128], [128, 256], true],
    ['one short of 2N', 255, 128, 'holdout', [0, 128], [0, 255], false],
    ['fewer than N', 50, 128, 'holdout', [0, 50], [0, 50], false],
    ['N = 1, two samples', 2, 1, 'holdout', [0, 1], [1, 2], true],
    ['one sample', 1, 1, 'holdout', [0, 1], [0, 1], false],
    ['large set, same by choice', 1000, 128, 'same', [0, 128], [0, 1000], false],
    ['1000 samples', 1000, 128, 'holdout', [0, 128], [128, 1000], true],
  ])('%s', (_, total, n, mode, cal, ev, heldOut) => {
    const s = splitSamples(total, n, mode);
    expect([s.calibration.start, s.calibration.end]).toEqual(cal);
    expect([s.evaluation.start, s.evaluation.end]).toEqual(ev);
    expect(s.heldOut).toBe(heldOut);
    // Never mixed: held out means disjoint ranges that cover the set.
    if (heldOut) expect(s.calibration.end).toBe(s.evaluation.start);
    expect(s.evaluation.end).toBe(total);
    // A fallback is said exactly when a hold-out was asked for and not given.
    expect(s.fallback !== null).toBe(mode === 'holdout' && !heldOut);
  });

  it.each([
    [0, 128],
    [10, 0],
    [10, 1.5],
    [Number.NaN, 4],
  ])('refuses total %s with N %s', (total, n) => {
    expect(() => splitSamples(total, n, 'holdout')).toThrow(/sample/);
  });
});

describe('labels', () => {
  it.each<[string, number, number, SplitMode, string, string]>([
    [
      'held out',
      1000,
      128,
      'holdout',
      'evaluated on samples 129–1000 (872); calibration uses 1–128',
      'calibration on samples 1–128 (128); evaluation on the other 872',
    ],
    [
      'too small',
      200,
      128,
      'holdout',
      "evaluated on samples 1–200 (200), including calibration's 1–128: not held out (too few samples to hold out: 200 is fewer than 2 × 128 calibration samples)",
      'calibration on samples 1–128 (128); evaluation on all 200',
    ],
    [
      'same by choice',
      300,
      128,
      'same',
      "evaluated on samples 1–300 (300), including calibration's 1–128: not held out",
      'calibration on samples 1–128 (128); evaluation on all 300',
    ],
    [
      'one calibration sample',
      2,
      1,
      'holdout',
      'evaluated on sample 2 (1); calibration uses 1',
      'calibration on sample 1 (1); evaluation on the other 1',
    ],
  ])('%s', (_, total, n, mode, evaluation, calibration) => {
    const s = splitSamples(total, n, mode);
    expect(evaluationLabel(s)).toBe(evaluation);
    expect(calibrationLabel(s)).toBe(calibration);
  });

  it('counts from 1, end inclusive', () => {
    expect(rangeText({ start: 128, end: 300 })).toBe('samples 129–300 (172)');
  });
});

describe('sliceSampleSet', () => {
  const tensor: TensorSampleSet = {
    kind: 'tensor',
    source: 'npy',
    sourceName: 'x.npy',
    count: 4,
    labels: Int32Array.of(0, 1, 2, 3),
    classes: null,
    notes: [],
    // sample i holds i, i
    inputs: Float32Array.of(0, 0, 1, 1, 2, 2, 3, 3),
    sampleDims: [2],
    referenceOutputs: { data: Float32Array.of(10, 11, 12, 13), sampleDims: [1] },
    tabular: null,
    arrays: [
      {
        name: 'a',
        dtype: 'float32',
        sampleDims: [2],
        values: Float32Array.of(0, 0, 1, 1, 2, 2, 3, 3),
        source: 'x',
      },
      { name: 'm', dtype: 'int64', sampleDims: [1], values: Float64Array.of(5, 6, 7, 8), source: 'm' },
    ],
  };

  it('takes the rows of every per-sample array', () => {
    const s = sliceSampleSet(tensor, { start: 1, end: 3 }) as TensorSampleSet;
    expect(s.count).toBe(2);
    expect([...s.inputs]).toEqual([1, 1, 2, 2]);
    expect([...s.labels!]).toEqual([1, 2]);
    expect([...s.referenceOutputs!.data]).toEqual([11, 12]);
    expect(s.arrays!.map((a) => [...a.values])).toEqual([
      [1, 1, 2, 2],
      [6, 7],
    ]);
  });

  it('returns the set itself for the whole range', () => {
    expect(sliceSampleSet(tensor, { start: 0, end: 4 })).toBe(tensor);
  });

  it('shifts image loads and names', async () => {
    const images: ImageSampleSet = {
      kind: 'images',
      source: 'images',
      sourceName: 'png',
      count: 3,
      labels: null,
      classes: null,
      notes: [],
      names: ['a.png', 'b.png', 'c.png'],
      firstImage: null,
      load: async (i) => ({ width: i, height: 1, data: new Uint8Array(4) }),
    };
    const s = sliceSampleSet(images, { start: 1, end: 3 }) as ImageSampleSet;
    expect(s.names).toEqual(['b.png', 'c.png']);
    expect((await s.load(1)).width).toBe(2);
  });

  it.each([
    [0, 0],
    [2, 1],
    [0, 5],
    [-1, 2],
  ])('refuses range %s..%s of 4 samples', (start, end) => {
    expect(() => sliceSampleSet(tensor, { start, end })).toThrow(/not within the set's 4 samples/);
  });
});
