import { describe, expect, it } from 'vitest';
import {
  countFlips,
  createPredictions,
  createVariantPredictions,
  probabilityOf,
  recordPrediction,
  selectFlips,
  toProbabilities,
} from './predictions';

describe('probabilities', () => {
  it('softmaxes logits, exponentiates log-probabilities, keeps probabilities', () => {
    expect([...toProbabilities([0, Math.log(3)], 'logits')].map((p) => +p.toFixed(6))).toEqual([0.25, 0.75]);
    expect(toProbabilities([Math.log(0.2), Math.log(0.8)], 'log-probabilities')[1]).toBeCloseTo(0.8, 12);
    expect([...toProbabilities([0.1, 0.9], 'probabilities')]).toEqual([0.1, 0.9]);
    expect(probabilityOf([1000, 0], 0, 'logits')).toBe(1); // max-shifted: no overflow
    expect(probabilityOf([0.2, 0.8], -1, 'probabilities')).toBeNaN();
  });

  it('records top-1, its probability and the variant probability of the float class', () => {
    const p = createVariantPredictions(2);
    expect(recordPrediction(p, 0, [0.1, 0.6, 0.3], 'probabilities', 2)).toBe(1);
    expect(recordPrediction(p, 1, [NaN, 1, 0], 'probabilities', 0)).toBe(-1);
    expect([...p.pred]).toEqual([1, -1]);
    expect(p.prob[0]).toBeCloseTo(0.6);
    expect(p.probOfFloatPred[0]).toBeCloseTo(0.3);
    expect(p.prob[1]).toBeNaN();
  });
});

describe('flips', () => {
  const float = createPredictions(6);
  float.pred.set([0, 1, 2, 3, 0, 1]);
  float.prob.fill(0.9);
  const variant = createVariantPredictions(6);
  variant.pred.set([0, 2, 2, 0, 1, 1]); // samples 1, 3, 4 flip
  variant.prob.fill(0.6);
  variant.probOfFloatPred.fill(0.3);
  const labels = Int32Array.from([0, 2, 2, 3, 1, 1]); // 1: fixed, 3: broken, 4: fixed

  it('counts flips, broken and fixed', () => {
    expect(countFlips(float.pred, variant.pred, labels)).toEqual({ total: 3, broken: 1, fixed: 2 });
    expect(countFlips(float.pred, variant.pred, null)).toEqual({ total: 3, broken: null, fixed: null });
  });

  it('lists broken flips first, then sample order, cut at the limit', () => {
    const r = selectFlips(
      {
        variantId: 'v',
        mode: 'exact',
        float,
        variant,
        labels,
        classes: ['a', 'b', 'c', 'd'],
        nameOf: (i) => `s${i}`,
      },
      2,
    );
    expect(r).toMatchObject({ variantId: 'v', mode: 'exact', total: 3, broken: 1, fixed: 2 });
    expect(r.flips.map((f) => f.index)).toEqual([3, 1]);
    expect(r.flips[0]).toMatchObject({
      name: 's3',
      label: 3,
      labelName: 'd',
      floatPrediction: 3,
      variantPrediction: 0,
    });
    expect(r.flips[0].floatProbability).toBeCloseTo(0.9);
    expect(r.flips[0].variantProbabilityOfFloatClass).toBeCloseTo(0.3);
  });
});
