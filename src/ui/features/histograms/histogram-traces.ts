import type { PlotData } from 'plotly.js/lib/core';
import type { HistogramDto } from '../../../protocol/dto';
import type { HistogramScale } from '../../../state';

export interface VariantHistogram {
  label: string;
  color: string;
  runId: string;
  hist: HistogramDto;
}

/** Grids with more distinct values than this are not drawn (per-channel scales give one grid per channel). */
export const MAX_GRID_POINTS = 300;

function centersAndWidths(edges: Float32Array): { x: number[]; w: number[] } {
  const n = edges.length - 1;
  const x = new Array<number>(n);
  const w = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    x[i] = (edges[i] + edges[i + 1]) / 2;
    w[i] = edges[i + 1] - edges[i];
  }
  return { x, w };
}

/** Counts as plot values; on a log axis empty bins become gaps instead of -∞. */
const countsFor = (counts: Uint32Array, scale: HistogramScale): (number | null)[] =>
  Array.from(counts, (c) => (scale === 'log' && c === 0 ? null : c));

/**
 * Traces for one weight: the float values as a filled step area (left axis), each variant's dequantized values as a step line on
 * the same bins on their own axis (right, `y3`: the quantized values pile up on a few levels, and on the float
 * axis their spikes, ~520 at 0 against a float peak of ~80, would flatten the float distribution). The grid is
 * drawn by gridShapes.
 */
export function histogramTraces(
  weight: string,
  float: HistogramDto,
  variants: readonly VariantHistogram[],
  scale: HistogramScale,
  floatColor: string,
): PlotData[] {
  const { x } = centersAndWidths(float.edges);
  const traces: PlotData[] = [
    {
      // A filled step line, not bars: one SVG path instead of one per bin (128), so the draw stays short.
      type: 'scatter',
      mode: 'lines',
      name: 'float32',
      x,
      y: countsFor(float.float, scale),
      fill: 'tozeroy',
      fillcolor: withOpacity(floatColor, 0.55),
      line: { color: floatColor, width: 0, shape: 'hvh' },
      connectgaps: false,
      hovertemplate: '%{x:.4g}: %{y} weights<extra>float32</extra>',
      meta: { weight, kind: 'float', runId: null },
    },
  ];
  for (const v of variants) {
    if (!v.hist.quantized) continue;
    const own = centersAndWidths(v.hist.edges);
    traces.push({
      type: 'scatter',
      mode: 'lines',
      name: v.label,
      x: own.x,
      y: countsFor(v.hist.quantized, scale),
      line: { color: v.color, width: 1.75, shape: 'hvh' },
      yaxis: 'y3',
      connectgaps: false,
      hovertemplate: `%{x:.4g}: %{y} weights<extra>${v.label}</extra>`,
      meta: { weight, kind: 'quantized', runId: v.runId },
    });
  }
  return traces;
}

/**
 * Each variant's quantization grid (when the worker sent one) as ticks along the bottom of the plot: one path shape
 * per variant, not a trace (a trace with hundreds of levels costs a long main-thread draw). Levels are listed in
 * the shape's name for tests; the y band is in plot-area (paper) units.
 */
export function gridShapes(variants: readonly VariantHistogram[]): Record<string, unknown>[] {
  const shapes: Record<string, unknown>[] = [];
  variants.forEach((v, i) => {
    const grid = v.hist.grid;
    if (!grid || grid.length === 0 || grid.length > MAX_GRID_POINTS) return;
    const y0 = 0.01 + i * 0.05;
    const y1 = y0 + 0.04;
    shapes.push({
      type: 'path',
      xref: 'x',
      yref: 'paper',
      path: Array.from(grid, (g) => `M${g},${y0}V${y1}`).join(''),
      line: { color: v.color, width: 1.5 },
      name: `${v.label} grid`,
      layer: 'above',
    });
  });
  return shapes;
}

/** `#rrggbb` at an opacity, as plotly's fill colour takes it. */
function withOpacity(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) return hex;
  const n = parseInt(m[1], 16);
  return `rgba(${n >> 16},${(n >> 8) & 255},${n & 255},${alpha})`;
}

/** The largest quantized count over `hists` (for one right-axis range shared by plots side by side). */
export function maxQuantizedCount(hists: readonly (HistogramDto | null | undefined)[]): number {
  let max = 0;
  for (const h of hists) if (h?.quantized) for (const c of h.quantized) if (c > max) max = c;
  return max;
}

/** A count axis range from 0 (linear) or from 0.8 (log, in log10 units as plotly takes it) up to `max`. */
export function countRange(max: number, scale: HistogramScale): [number, number] {
  if (scale === 'log') return [Math.log10(0.8), Math.log10(Math.max(1, max)) + 0.1];
  return [0, Math.max(1, max) * 1.05];
}
