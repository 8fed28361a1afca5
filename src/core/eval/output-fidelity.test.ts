import { describe, expect, it } from 'vitest';
import { sqnrDb } from '../metrics/error';
import { createOutputFidelityAccumulator, outputRole } from './output-fidelity';

describe('per-output fidelity (known answers)', () => {
  it.each<
    [string, number[][], number[][], { sqnr: number; cosine: number; maxAbs: number; iou: number | null }]
  >([
    ['identical', [[1, 2, 3]], [[1, 2, 3]], { sqnr: Infinity, cosine: 1, maxAbs: 0, iou: 1 }],
    // signal 1+4+9 = 14, noise 0.01+0+0.04 = 0.05: 10·log10(280)
    [
      'small error',
      [[1, 2, 3]],
      [[1.1, 2, 2.8]],
      { sqnr: 10 * Math.log10(280), cosine: 13.5 / Math.sqrt(14 * 13.05), maxAbs: 0.2, iou: 1 },
    ],
    ['sign flipped', [[1, -1]], [[-1, 1]], { sqnr: 10 * Math.log10(2 / 8), cosine: -1, maxAbs: 2, iou: 0 }],
    // cosine is the mean over units: (1 + 0) / 2
    [
      'two units',
      [
        [1, 0],
        [0, 1],
      ],
      [
        [2, 0],
        [1, 0],
      ],
      { sqnr: 10 * Math.log10(2 / 3), cosine: 0.5, maxAbs: 1, iou: 1 / 3 },
    ],
  ])('%s', (_, ref, q, want) => {
    const acc = createOutputFidelityAccumulator('y', 'map', 0.5);
    ref.forEach((r, i) => acc.add(r, q[i]));
    const r = acc.result();
    expect(r.sqnrDb).toBeCloseTo(want.sqnr, 10);
    expect(r.cosine).toBeCloseTo(want.cosine, 12);
    expect(r.maxAbsDiff).toBeCloseTo(want.maxAbs, 6);
    expect(r.iou).toBeCloseTo(want.iou as number, 12);
    expect(r.units).toBe(ref.length);
  });

  it.each([
    [0.5, 1], // both above at {1, 2}
    [0.65, 0.5], // float {1}, variant {1, 2}
    [0.85, 0], // float {1}, variant {}
    [0.95, 1], // both empty: nothing to disagree on
  ])('IoU at threshold %f is %f', (t, iou) => {
    const acc = createOutputFidelityAccumulator('mask', 'map', t);
    acc.add([0.1, 0.9, 0.6, 0.2], [0.1, 0.8, 0.7, 0.3]);
    expect(acc.result().iou).toBeCloseTo(iou, 12);
    expect(acc.result().iouThreshold).toBe(t);
  });

  it('IoU of masks that overlap in one of three pixels', () => {
    const acc = createOutputFidelityAccumulator('mask', 'map', 0.5);
    acc.add([1, 1, 0, 0], [0, 1, 1, 0]);
    expect(acc.result().iou).toBeCloseTo(1 / 3, 12);
  });

  it('has no IoU for vectors and class scores', () => {
    for (const role of ['vector', 'class-scores'] as const) {
      const acc = createOutputFidelityAccumulator('e', role, 0.5);
      acc.add([1, 2], [1, 2]);
      expect(acc.result().iou).toBeNull();
    }
  });

  it('counts NaN/Inf pairs apart instead of poisoning the numbers', () => {
    const acc = createOutputFidelityAccumulator('y', 'vector', 0.5);
    acc.add([1, 2, NaN, 3], [1, NaN, NaN, Infinity]);
    const r = acc.result();
    expect(r.nonFinite).toBe(2);
    expect(r.sqnrDb).toBe(Infinity);
    expect(r.maxAbsDiff).toBe(0);
  });

  it.each([
    [1, 0, Infinity],
    [0, 1, -Infinity],
    [100, 1, 20],
  ])('sqnrDb(%f, %f) = %f', (s, n, db) => expect(sqnrDb(s, n)).toBe(db));

  it.each<[number[], boolean, string]>([
    [[10], true, 'class-scores'],
    [[1, 64, 64], false, 'map'],
    [[8, 16], false, 'map'],
    [[384], false, 'vector'],
    [[1, 384, 1], false, 'vector'],
  ])('role of per-sample dims %j (class scores: %s) is %s', (dims, scores, role) => {
    expect(outputRole(dims, scores)).toBe(role);
  });
});
