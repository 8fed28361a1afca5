import { describe, expect, it } from 'vitest';
import type { ClipView } from '../../../protocol/dto';
import { clipBoundTraces, clipCurveTraces, type VariantClip } from './clip-traces';

const view = (groups: number, method: ClipView['method'] = 'mse'): ClipView => ({
  method,
  alphas: [0.5, 1],
  mse: [0.2, 0.3],
  groups,
  chosenAlpha: 0.6,
  chosenMse: 0.1,
  minmaxMse: 0.3,
  lo: -2,
  hi: 2.5,
  innerLo: -1,
  innerHi: 1.5,
});
const clip = (v: ClipView): VariantClip => ({ label: '4-bit', color: '#123456', runId: 'r1', view: v });

describe('clip traces', () => {
  it.each([
    [
      'one group: its two bounds',
      1,
      'mse',
      [['clip', [-2, -2, null, 2.5, 2.5], /MSE clip \[-2\.000, 2\.500\]/]],
    ],
    [
      'several groups: widest and narrowest',
      8,
      'percentile',
      [
        ['clip', [-2, -2, null, 2.5, 2.5], /percentile clip, widest of 8 groups/],
        ['clip-inner', [-1, -1, null, 1.5, 1.5], /narrowest of 8 groups/],
      ],
    ],
  ] as const)('%s', (_name, groups, method, want) => {
    const traces = clipBoundTraces('w', [clip(view(groups, method))]);
    expect(traces).toHaveLength(want.length);
    want.forEach(([kind, x, name], i) => {
      expect(traces[i].meta).toMatchObject({ kind, runId: 'r1', weight: 'w' });
      expect(traces[i].x).toEqual(x);
      expect(traces[i].name).toMatch(name);
      expect(traces[i].yaxis).toBe('y2');
    });
  });

  it('draws each variant’s curve and its chosen point', () => {
    const traces = clipCurveTraces('w', [clip(view(1)), { ...clip(view(4)), runId: 'r2' }]);
    expect(traces.map((t) => (t.meta as { kind: string }).kind)).toEqual([
      'clip-curve',
      'clip-chosen',
      'clip-curve',
      'clip-chosen',
    ]);
    expect(traces[0]).toMatchObject({ x: [0.5, 1], y: [0.2, 0.3] });
    expect(traces[1]).toMatchObject({ x: [0.6], y: [0.1] });
    expect(traces[3].hovertemplate).toMatch(/mean ratio over 4 groups/);
  });

  it('draws nothing without clipping variants', () => {
    expect(clipBoundTraces('w', [])).toEqual([]);
    expect(clipCurveTraces('w', [])).toEqual([]);
  });
});
