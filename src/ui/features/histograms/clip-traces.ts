import type { PlotData } from 'plotly.js/lib/core';
import type { ClipView } from '../../../protocol/dto';

export interface VariantClip {
  label: string;
  color: string;
  runId: string;
  view: ClipView;
}

const fmt = (x: number) => x.toPrecision(4);
const what = (v: ClipView) => (v.method === 'mse' ? 'MSE clip' : 'percentile clip');

/**
 * Vertical lines at each variant's chosen clip bounds on the histogram (on the 0..1 overlay axis `y2`). One scale
 * group: its two bounds. Several (channels, blocks): the widest bounds over groups (dashed) and the narrowest
 * (dotted), so the band between them is where every group's bounds lie.
 */
export function clipBoundTraces(weight: string, clips: readonly VariantClip[]): PlotData[] {
  return clips.flatMap((c) => {
    const line = (lo: number, hi: number, dash: string, name: string, kind: string): PlotData =>
      ({
        type: 'scatter',
        mode: 'lines',
        name,
        x: [lo, lo, null, hi, hi],
        y: [0, 1, null, 0, 1],
        yaxis: 'y2',
        line: { color: c.color, width: 1.5, dash },
        hovertemplate: `${name}: %{x:.4g}<extra></extra>`,
        meta: { weight, kind, runId: c.runId, groups: c.view.groups },
      }) as PlotData;
    const v = c.view;
    if (v.groups === 1)
      return [line(v.lo, v.hi, 'dash', `${c.label} ${what(v)} [${fmt(v.lo)}, ${fmt(v.hi)}]`, 'clip')];
    return [
      line(v.lo, v.hi, 'dash', `${c.label} ${what(v)}, widest of ${v.groups} groups`, 'clip'),
      line(
        v.innerLo,
        v.innerHi,
        'dot',
        `${c.label} ${what(v)}, narrowest of ${v.groups} groups`,
        'clip-inner',
      ),
    ];
  });
}

/**
 * Reconstruction MSE against the clip ratio (every group clipped to that fraction of its own extremes; 1 is
 * min/max) per variant, and the variant's chosen clip as a marker. With several groups the chosen point is each
 * group's own choice (x: their mean ratio), and asymmetric search moves each end alone: it lies on or below the curve.
 */
export function clipCurveTraces(weight: string, clips: readonly VariantClip[]): PlotData[] {
  return clips.flatMap(({ label, color, runId, view: v }) => {
    const note =
      v.groups > 1
        ? `mean ratio over ${v.groups} groups, each clipped on its own`
        : `ratio ${v.chosenAlpha.toFixed(3)}`;
    return [
      {
        type: 'scatter',
        mode: 'lines',
        name: label,
        x: v.alphas,
        y: v.mse,
        line: { color, width: 1.75 },
        hovertemplate: `clip ratio %{x:.3f}: MSE %{y:.4g}<extra>${label}</extra>`,
        meta: { weight, kind: 'clip-curve', runId },
      },
      {
        type: 'scatter',
        mode: 'markers',
        name: `${label} chosen (${what(v)})`,
        x: [v.chosenAlpha],
        y: [v.chosenMse],
        marker: { color, size: 11, symbol: 'star', line: { width: 1, color: 'white' } },
        hovertemplate: `chosen: MSE %{y:.4g} (min/max ${fmt(v.minmaxMse)}), ${note}<extra>${label}</extra>`,
        meta: { weight, kind: 'clip-chosen', runId, groups: v.groups },
      } as PlotData,
    ] as PlotData[];
  });
}
