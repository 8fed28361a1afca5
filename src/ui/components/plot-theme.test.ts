import { describe, expect, it } from 'vitest';
import type { Layout } from 'plotly.js/lib/core';
import { MODEBAR_GUTTER, PLOT_CONFIG, themedLayout } from './plot-theme';

describe('themedLayout margins and mode bar', () => {
  it.each<[string, Partial<Layout['margin']> | undefined, Layout['margin']]>([
    ['theme margins', undefined, { l: 64, r: MODEBAR_GUTTER, t: 28, b: 48 }],
    [
      'one side set: the others stay the theme’s (not plotly’s 80 px)',
      { t: 24 },
      { l: 64, r: MODEBAR_GUTTER, t: 24, b: 48 },
    ],
    [
      'a narrow right margin still leaves the mode bar its gutter',
      { r: 8, b: 90 },
      { l: 64, r: MODEBAR_GUTTER, t: 28, b: 90 },
    ],
    ['a wider right margin is kept', { r: 60 }, { l: 64, r: 60, t: 28, b: 48 }],
  ])('%s', (_, margin, want) => {
    const out = themedLayout('light', margin ? ({ margin } as Layout) : {});
    expect(out.margin).toEqual(want);
    expect(out.modebar).toMatchObject({ orientation: 'v' });
  });
  it('one mode bar for every plot: download and reset only, no plotly logo', () => {
    expect(PLOT_CONFIG).toMatchObject({ displaylogo: false, modeBarButtons: [['toImage', 'resetScale2d']] });
  });
});
