// The ranked sensitivity chart's traces: measured loss per layer (bars, most sensitive first) and the weight-SQNR
// proxy beside it on its own axis (markers), so the two orders can be compared by eye.
import type { PlotData } from 'plotly.js/lib/core';
import type { SensitivityReport } from '../../../protocol/eval-dto';

export const measuredLabel = (r: SensitivityReport) =>
  r.metric === 'kl' ? 'output KL (nats), measured' : 'output noise/signal, measured';

/** ±∞ cannot be drawn: left out of the trace (null), the table shows them. */
const drawable = (x: number) => (Number.isFinite(x) ? x : null);

export function sensitivityTraces(r: SensitivityReport, barColor: string, proxyColor: string): PlotData[] {
  const x = r.layers.map((l) => l.name);
  return [
    {
      type: 'bar',
      name: measuredLabel(r),
      x,
      y: r.layers.map((l) => drawable(l.score)),
      marker: { color: barColor },
      hovertemplate: `%{x}<br>%{y:.3g}<extra>measured</extra>`,
    },
    {
      type: 'scatter',
      mode: 'markers',
      name: 'weight SQNR dB (proxy; lower = worse)',
      x,
      y: r.layers.map((l) => drawable(l.weightSqnrDb)),
      yaxis: 'y2',
      marker: { color: proxyColor, size: 9, symbol: 'diamond' },
      hovertemplate: `%{x}<br>%{y:.1f} dB<extra>weight SQNR</extra>`,
    },
  ] as PlotData[];
}

/** "ρ = 0.83", honestly labelled; undefined ρ said as such. */
export function spearmanText(r: SensitivityReport): string {
  const what = r.metric === 'kl' ? 'measured KL' : 'measured output SQNR';
  const rho =
    r.spearman === null ? 'undefined (fewer than 2 layers, or one side constant)' : r.spearman.toFixed(2);
  return `Rank correlation of the weight-SQNR proxy with the ${what}: Spearman ρ = ${rho} (+1: the proxy orders the layers as the measurement does; 0: no relation)`;
}
