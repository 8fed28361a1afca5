import type { PlotData } from 'plotly.js-cartesian-dist-min';
import type { ChannelErrorsDto, ChannelRangesDto } from '../../../protocol/dto';

/** One variant's per-channel errors for the selected weight. */
export interface VariantChannels {
  id: string;
  label: string;
  color: string;
  runId: string;
  errors: ChannelErrorsDto;
  /** Equalized runs rescale channels: their step does not apply to the original ranges drawn. */
  equalized: boolean;
}

const channelAxis = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Per-channel [min, max] as floating bars, so outlier channels (which hurt per-tensor scales) stand out. */
export function channelRangeTraces(weight: string, r: ChannelRangesDto): PlotData[] {
  return [
    {
      type: 'bar',
      name: 'range',
      x: channelAxis(r.min.length),
      base: Array.from(r.min),
      y: Array.from(r.max, (mx, i) => mx - r.min[i]),
      marker: { color: '#14b8a6', opacity: 0.8 },
      customdata: Array.from(r.max),
      hovertemplate: 'channel %{x}<br>min %{base:.4g}<br>max %{customdata:.4g}<extra></extra>',
      showlegend: false,
      meta: { weight, axis: r.axis, kind: 'range' },
    } as PlotData,
  ];
}

/**
 * Each per-tensor variant's grid over the ranges: the band |w| < step/2 that rounds to 0 (filled), and every level
 * as a dotted line when there are few enough. A channel inside the band loses all its weights.
 */
export function stepTraces(channels: number, variants: readonly VariantChannels[]): PlotData[] {
  const x0 = -0.5;
  const x1 = channels - 0.5;
  return variants.flatMap((v): PlotData[] => {
    const { step, levels } = v.errors;
    if (step === null || v.equalized) return [];
    const h = step / 2;
    const band = {
      type: 'scatter',
      mode: 'lines',
      name: `${v.label}: rounds to 0 (|w| < step/2 = ${h.toPrecision(3)})`,
      x: [x0, x1, x1, x0, x0],
      y: [-h, -h, h, h, -h],
      fill: 'toself',
      fillcolor: v.color,
      opacity: 0.3,
      line: { color: v.color, width: 1 },
      hoverinfo: 'name',
      meta: { kind: 'step', runId: v.runId, step },
    } as unknown as PlotData;
    if (!levels) return [band];
    const lx: (number | null)[] = [];
    const ly: (number | null)[] = [];
    for (const l of levels) {
      lx.push(x0, x1, null);
      ly.push(l, l, null);
    }
    const grid = {
      type: 'scatter',
      mode: 'lines',
      name: `${v.label} levels (step ${step.toPrecision(3)})`,
      x: lx,
      y: ly,
      line: { color: v.color, width: 1, dash: 'dot' },
      hoverinfo: 'skip',
      meta: { kind: 'levels', runId: v.runId, step },
    } as unknown as PlotData;
    return [grid, band];
  });
}

/** Per-channel SQNR bars per variant (exact channels at the top of the finite ones), zeroed channels marked ×. */
export function channelErrorTraces(variants: readonly VariantChannels[]): PlotData[] {
  const finite = variants.flatMap((v) => Array.from(v.errors.sqnrDb).filter(Number.isFinite));
  const top = finite.length > 0 ? Math.max(...finite) : 0;
  return variants.flatMap((v): PlotData[] => {
    const n = v.errors.sqnrDb.length;
    const x = channelAxis(n);
    const y = Array.from(v.errors.sqnrDb, (d) => (Number.isNaN(d) ? null : d === Infinity ? top : d));
    const bars = {
      type: 'bar',
      name: v.label,
      x,
      y,
      marker: { color: v.color },
      customdata: Array.from(v.errors.rmsError),
      hovertemplate: `channel %{x}<br>SQNR %{y:.3g} dB<br>RMS error %{customdata:.3g}<extra>${v.label}</extra>`,
      meta: { kind: 'channel-sqnr', runId: v.runId },
    } as unknown as PlotData;
    const zx = x.filter((i) => v.errors.zeroed[i] === 1);
    if (zx.length === 0) return [bars];
    const zeroed = {
      type: 'scatter',
      mode: 'markers',
      name: `${v.label}: all weights 0 (${zx.length})`,
      x: zx,
      y: zx.map(() => 0),
      marker: { symbol: 'x-thin-open', size: 9, color: v.color, line: { width: 2, color: v.color } },
      hovertemplate: `channel %{x}: every weight rounds to 0<extra>${v.label}</extra>`,
      meta: { kind: 'zeroed', runId: v.runId },
    } as unknown as PlotData;
    return [bars, zeroed];
  });
}
