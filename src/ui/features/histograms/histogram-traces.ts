import type { PlotData } from 'plotly.js-cartesian-dist-min';
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
 * Traces for one weight: the float values as bars (left axis), each variant's dequantized values as a step line on
 * the same bins on their own axis (right, `y3`: the quantized values pile up on a few levels, and on the float
 * axis their spikes, ~520 at 0 against a float peak of ~80, would flatten the float distribution), and each
 * variant's quantization grid as ticks along the bottom (when the worker sent one).
 */
export function histogramTraces(
  weight: string,
  float: HistogramDto,
  variants: readonly VariantHistogram[],
  scale: HistogramScale,
  floatColor: string,
): PlotData[] {
  const { x, w } = centersAndWidths(float.edges);
  const traces: PlotData[] = [
    {
      type: 'bar',
      name: 'float32',
      x,
      y: countsFor(float.float, scale),
      width: w,
      marker: { color: floatColor, opacity: 0.55 },
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
  variants.forEach((v, i) => {
    const grid = v.hist.grid;
    if (!grid || grid.length === 0 || grid.length > MAX_GRID_POINTS) return;
    // One path of short vertical ticks (a gap between levels), not a marker per level: one SVG element to style
    // instead of up to 300 keeps the plot's draw short on the main thread.
    const y0 = 0.01 + i * 0.05;
    const x: (number | null)[] = [];
    const y: (number | null)[] = [];
    for (const g of grid) {
      x.push(g, g, null);
      y.push(y0, y0 + 0.04, null);
    }
    traces.push({
      type: 'scatter',
      mode: 'lines',
      name: `${v.label} grid`,
      x,
      y,
      yaxis: 'y2',
      line: { color: v.color, width: 1.5 },
      connectgaps: false,
      hovertemplate: `level %{x:.5g}<extra>${v.label} grid</extra>`,
      showlegend: false,
      meta: { weight, kind: 'grid', runId: v.runId },
    });
  });
  return traces;
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
