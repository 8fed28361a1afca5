// The benchmarks' evaluation sets (scripts/bench/eval-sets.ts): index arithmetic with known answers, and the
// loaders on committed data only (the fixtures, the MNIST t10k in test/data, a tiny Fashion-MNIST stand-in).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { evalSplit, readSet } from '../scripts/bench/eval-sets';
import {
  complementIndices,
  discordant,
  firstPerClass,
  maxAbsDiff,
  mnistNormalized,
  rowsFoundIn,
  signTestP,
  takeRows,
} from '../scripts/bench/eval-split';
import { fixtureModel, testModel } from './paths';

describe('complementIndices', () => {
  it.each([
    { n: 10, exclude: [3, 0, 9], want: [1, 2, 4, 5, 6, 7, 8] },
    { n: 4, exclude: [], want: [0, 1, 2, 3] },
    { n: 3, exclude: [2, 2, 0, 1], want: [] },
  ])('0..$n minus $exclude', ({ n, exclude, want }) => {
    expect(complementIndices(n, exclude)).toEqual(want);
  });
  it.each([[10], [-1], [1.5]])('rejects index %s outside 0..9', (k) => {
    expect(() => complementIndices(10, [k])).toThrow(/outside 0\.\.9/);
  });
});

describe('firstPerClass', () => {
  it.each([
    { labels: [2, 0, 2, 1, 0, 2, 0], k: 2, want: [0, 1, 2, 3, 4] },
    { labels: [2, 0, 2, 1, 0, 2, 0], k: 1, want: [0, 1, 3] },
    { labels: [1, 1, 1], k: 5, want: [0, 1, 2] },
  ])('first $k of each class of $labels', ({ labels, k, want }) => {
    expect(firstPerClass(labels, k, 3)).toEqual(want);
  });
});

describe('takeRows / rowsFoundIn / maxAbsDiff', () => {
  it('takes rows in the given order', () => {
    expect(Array.from(takeRows(Uint8Array.from([0, 1, 2, 3, 4, 5]), 2, [2, 0]))).toEqual([4, 5, 0, 1]);
    expect(Array.from(takeRows(BigInt64Array.from([7n, 8n, 9n]), 1, [1, 1]))).toEqual([8n, 8n]);
  });
  it('finds the rows of a that occur in b', () => {
    const a = Uint8Array.from([1, 2, 3, 4, 1, 2, 5, 6]);
    const b = Uint8Array.from([5, 6, 1, 2, 9, 9]);
    expect(rowsFoundIn(a, b, 2)).toEqual([0, 2, 3]);
    expect(rowsFoundIn(a, Uint8Array.from([2, 1]), 2)).toEqual([]);
  });
  it('measures the largest difference', () => {
    expect(maxAbsDiff([1, 2, 3], [1, 2.5, 2])).toBe(1);
    expect(maxAbsDiff([1], [1, 2])).toBe(Infinity);
  });
});

describe('signTestP', () => {
  it.each([
    { b: 0, c: 0, p: 1 },
    { b: 1, c: 1, p: 1 },
    { b: 0, c: 5, p: 2 / 32 },
    { b: 10, c: 0, p: 2 / 1024 },
    { b: 2, c: 8, p: (2 * (1 + 10 + 45)) / 1024 },
  ])('b $b, c $c: p $p', ({ b, c, p }) => {
    expect(signTestP(b, c)).toBeCloseTo(p, 12);
  });
  it('stays finite for thousands of discordant samples', () => {
    expect(signTestP(1000, 1000)).toBeCloseTo(1, 9);
    expect(signTestP(900, 1100)).toBeLessThan(1e-5);
  });
});

describe('discordant', () => {
  it('counts the samples only one side gets right', () => {
    expect(discordant([0, 1, 2, 0, 1], [0, 2, 1, 1, 1], [0, 1, 1, 1, 2])).toEqual([1, 2]);
  });
});

describe('mnistNormalized', () => {
  it('equals numpy float32 (x/255 - 0.1307)/0.3081', () => {
    // numpy 2.4: ((np.array([0, 1, 128, 255], np.float32) / 255 - 0.1307) / 0.3081)
    const want = [-0.4242129623889923, -0.4114847183227539, 1.2050011157989502, 2.821486711502075];
    expect(Array.from(mnistNormalized([0, 1, 128, 255]))).toEqual(want);
  });
});

const idx = (dims: number[], data: Uint8Array) => {
  const head = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  head.setUint8(2, 8);
  head.setUint8(3, dims.length);
  dims.forEach((d, i) => head.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(head.byteLength + data.length);
  out.set(new Uint8Array(head.buffer));
  out.set(data, head.byteLength);
  return gzipSync(out);
};

describe('evalSplit', () => {
  const tmp = () => mkdtempSync(join(tmpdir(), 'qstudio-eval-sets-'));
  const paths = (over: object = {}) => ({
    fixtures: dirname(fixtureModel('dwcnn')),
    models: dirname(testModel('mnist-8')),
    tmp: tmp(),
    fashion: join(tmpdir(), 'no-such-fashion-mnist'),
    ...over,
  });

  it('falls back to the committed fixture set when Fashion-MNIST is missing', () => {
    const s = evalSplit('dwcnn', paths())!;
    expect(s).toMatchObject({ large: false, evalCount: 1000, calibrationCount: 256 });
    expect(s.evalDir).toBe(fixtureModel('dwcnn', 'eval'));
    expect(s.note).toMatch(/dataset-fashion-mnist. is not installed/);
  });

  it('evaluates on the whole test split, minus any image equal to a calibration image', () => {
    // A stand-in test split: the committed 1,000 (so they are its first 100 per class), then a calibration image
    // and an unseen one.
    const committed = readSet(fixtureModel('mlp', 'eval'));
    const cal = readSet(fixtureModel('mlp', 'calibration'));
    const per = 784;
    const extra = new Uint8Array(2 * per).fill(3);
    extra.set(cal.inputs[0].data.subarray(0, per));
    const images = new Uint8Array([...committed.inputs[0].data, ...extra]);
    const labels = new Uint8Array([...committed.labels, 9, 9]);
    const fashion = tmp();
    writeFileSync(join(fashion, 't10k-images-idx3-ubyte.gz'), idx([1002, 28, 28], images));
    writeFileSync(join(fashion, 't10k-labels-idx1-ubyte.gz'), idx([1002], labels));
    const s = evalSplit('mlp', paths({ fashion }))!;
    expect(s).toMatchObject({ large: true, evalCount: 1001 });
    expect(s.note).toMatch(/1 test image\(s\) equal a calibration image byte for byte and were left out/);
    const got = readSet(s.evalDir);
    expect(got.inputs[0].shape).toEqual([1001, 1, 28, 28]);
    expect(Array.from(got.inputs[0].data.subarray(1000 * per))).toEqual(Array.from(extra.subarray(per)));
  });

  it('refuses a test split that does not hold the committed evaluation images', () => {
    const fashion = tmp();
    writeFileSync(join(fashion, 't10k-images-idx3-ubyte.gz'), idx([1000, 28, 28], new Uint8Array(784000)));
    writeFileSync(
      join(fashion, 't10k-labels-idx1-ubyte.gz'),
      idx(
        [1000],
        new Uint8Array(1000).map((_, i) => i % 10),
      ),
    );
    expect(() => evalSplit('dwcnn', paths({ fashion }))).toThrow(/not the same data/);
  });

  it.each(['mnist-8', 'mnist-onnx-mlir'])('%s: MNIST t10k minus the 256 calibration images', (id) => {
    const s = evalSplit(id, paths())!;
    expect(s).toMatchObject({ large: true, evalCount: 9744, calibrationCount: 256 });
    const ev = readSet(s.evalDir).inputs[0].data;
    const samples = readSet(testModel(id, 'samples')).inputs.find((a) => a.name === 'inputs')!.data;
    const per = 784 * 4;
    // Of the 1,000-image sample set, exactly the 744 after the calibration images are evaluated; no calibration one.
    expect(rowsFoundIn(samples, ev, per)).toEqual(Array.from({ length: 744 }, (_, i) => 256 + i));
    expect(rowsFoundIn(readSet(s.calibrationDir).inputs[0].data, ev, per)).toEqual([]);
  });

  it('iris keeps its 150 rows: 50 calibrate, 100 evaluate', () => {
    expect(evalSplit('iris-mlp-winml', paths())).toMatchObject({
      evalCount: 100,
      calibrationCount: 50,
      large: false,
    });
  });
});
