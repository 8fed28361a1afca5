import type { Config, Layout } from 'plotly.js/lib/core';
import type { Bits } from '../../core/quant/config';
import type { Theme } from '../../state';

interface Palette {
  text: string;
  muted: string;
  grid: string;
  line: string;
  float: string;
  hoverBg: string;
}

export const PALETTES: Record<Theme, Palette> = {
  light: {
    text: '#1e2430',
    muted: '#5b6474',
    grid: '#e6e9ef',
    line: '#c9ced8',
    float: '#94a3b8',
    hoverBg: '#ffffff',
  },
  dark: {
    text: '#dfe3ea',
    muted: '#9aa3b2',
    grid: '#262c38',
    line: '#394152',
    float: '#64748b',
    hoverBg: '#1a1f2a',
  },
};

/** One color per bit width, the same in every plot (readable on both themes). */
const PRECISION_COLORS: Record<string, string> = {
  '8': '#6366f1',
  '7': '#0ea5e9',
  '6': '#14b8a6',
  '5': '#84cc16',
  '4': '#f59e0b',
  '3': '#f97316',
  '2': '#e11d48',
  fp16: '#a855f7',
};
const EXTRA = ['#ec4899', '#22c55e', '#06b6d4', '#eab308'];

export const bitsColor = (p: Bits, index = 0): string =>
  PRECISION_COLORS[String(p)] ?? EXTRA[index % EXTRA.length];

const AXES = ['xaxis', 'yaxis', 'xaxis2', 'yaxis2', 'yaxis3'] as const;

/**
 * plotly's mode bar, the same on every plot: two buttons (download as PNG, reset axes; drag still zooms and a
 * double click resets), standing vertically in the right margin so it never covers a legend (legends sit above
 * the plot area, within its width), tick labels or the data. Every plot keeps at least MODEBAR_GUTTER px on the right.
 */
export const PLOT_CONFIG: Partial<Config> = {
  responsive: true,
  displaylogo: false,
  modeBarButtons: [['toImage', 'resetScale2d']],
};
export const MODEBAR_GUTTER = 34;
/** How far down the mode bar reaches from the top of a plot (two buttons, stacked). */
export const MODEBAR_DEPTH = 64;

const MARGIN = { l: 64, r: MODEBAR_GUTTER, t: 28, b: 48 };

/** Merge a plot's layout over the theme's: transparent background, theme text and grid colors. */
export function themedLayout(theme: Theme, layout: Layout = {}): Layout {
  const p = PALETTES[theme];
  const axis = {
    gridcolor: p.grid,
    linecolor: p.line,
    zerolinecolor: p.line,
    tickcolor: p.line,
    // automargin makes plotly measure and redraw several times: slow on the main thread. Margins are set instead.
    automargin: false,
    title: { font: { size: 12, color: p.muted } },
  };
  const ownMargin = (layout.margin ?? {}) as Partial<typeof MARGIN>;
  const out: Layout = {
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: {
      family: 'Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
      size: 12,
      color: p.text,
    },
    hoverlabel: { bgcolor: p.hoverBg, bordercolor: p.line, font: { color: p.text } },
    legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom', font: { size: 11 } },
    autosize: true,
    ...layout,
    // Per side: a plot that sets one side keeps the theme's others (not plotly's 80 px defaults).
    margin: { ...MARGIN, ...ownMargin, r: Math.max(ownMargin.r ?? MARGIN.r, MODEBAR_GUTTER) },
    modebar: {
      orientation: 'v',
      bgcolor: 'rgba(0,0,0,0)',
      color: p.muted,
      activecolor: p.text,
      ...(layout.modebar as object | undefined),
    },
  };
  for (const k of AXES) {
    if (k in layout || k === 'xaxis' || k === 'yaxis') {
      const own = (layout[k] ?? {}) as Record<string, unknown>;
      const ownTitle =
        typeof own.title === 'string' ? { text: own.title } : (own.title as object | undefined);
      out[k] = { ...axis, ...own, title: { ...axis.title, ...ownTitle } };
    }
  }
  return out;
}
