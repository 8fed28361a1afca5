import { describe, expect, it } from 'vitest';
import { TITLE_BAND, categoryTicks, labelWidthPx } from './plot-labels';

const FMNIST = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

describe('categoryTicks', () => {
  it.each<[string, string[], number, number]>([
    ['digits fit flat', ['0', '1', '9'], 40, 0],
    ['Fashion-MNIST names in 50 px slots are rotated', FMNIST, 50, -45],
    ['short names in wide slots stay flat', ['cat', 'dog'], 200, 0],
  ])('%s', (_, labels, slot, angle) => {
    const t = categoryTicks(labels, slot);
    expect(t.angle).toBe(angle);
    const longest = Math.max(...labels.map((l) => labelWidthPx(l)));
    // The margins hold the longest name (rotated: its diagonal) plus the axis title.
    expect(t.left).toBeGreaterThanOrEqual(longest + TITLE_BAND);
    expect(t.bottom).toBeGreaterThanOrEqual((angle ? longest * Math.SQRT1_2 : 12) + TITLE_BAND);
    expect(t.overhangLeft >= 0).toBe(true);
  });
  it('estimates widths generously (Inter at 12 px averages under 7 px a character)', () => {
    expect(labelWidthPx('T-shirt/top')).toBeGreaterThanOrEqual(11 * 7);
    expect(labelWidthPx('T-shirt/top', 24)).toBeGreaterThanOrEqual(2 * 11 * 7);
  });
});
