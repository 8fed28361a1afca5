import type { PlotData } from 'plotly.js/lib/core';
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

/**
 * Bars drawn at most per trace. Each bar is an SVG path plotly styles one by one on the main thread (640 channels ×
 * 2 variants took hundreds of ms); past this, adjacent channels share a bar, which at this width is under 4 px per
 * channel anyway.
 */
export const MAX_CHANNEL_BARS = 128;

/** Channels per bar for `n` channels (1: one bar per channel). */
export const channelsPerBar = (n: number): number => Math.max(1, Math.ceil(n / MAX_CHANNEL_BARS));

/** Each bar's channels [first, last] and its x (their middle, in channel units, so the step band still spans). */
function barGroups(n: number): { first: number; last: number; x: number }[] {
  const k = channelsPerBar(n);
  return Array.from({ length: Math.ceil(n / k) }, (_, g) => {
    const first = g * k;
    const last = Math.min(n, first + k) - 1;
    return { first, last, x: k === 1 ? first : (first + last) / 2 };
  });
}

const channelsText = (k: number) => (k === 1 ? 'channel %{customdata[1]}' : 'channels %{customdata[1]}');

/**
 * Per-channel [min, max] as floating bars, so outlier channels (which hurt per-tensor scales) stand out. Past
 * MAX_CHANNEL_BARS channels a bar spans several: their lowest min to their highest max (the envelope).
 */
export function channelRangeTraces(weight: string, r: ChannelRangesDto): PlotData[] {
  const n = r.min.length;
  const groups = barGroups(n);
  const lo = groups.map(({ first, last }) => Math.min(...r.min.subarray(first, last + 1)));
  const hi = groups.map(({ first, last }) => Math.max(...r.max.subarray(first, last + 1)));
  return [
    {
      type: 'bar',
      name: 'range',
      x: groups.map((g) => g.x),
      base: lo,
      y: hi.map((mx, i) => mx - lo[i]),
      marker: { color: '#14b8a6', opacity: 0.8 },
      customdata: hi.map((mx, i) => [mx, rangeText(groups[i])]),
      hovertemplate: `${channelsText(channelsPerBar(n))}<br>min %{base:.4g}<br>max %{customdata[0]:.4g}<extra></extra>`,
      showlegend: false,
      meta: { weight, axis: r.axis, kind: 'range', channelsPerBar: channelsPerBar(n) },
    } as PlotData,
  ];
}

const rangeText = ({ first, last }: { first: number; last: number }) =>
  first === last ? String(first) : `${first}–${last}`;

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

/**
 * Per-channel SQNR bars per variant (exact channels at the top of the finite ones), zeroed channels marked ×. Past
 * MAX_CHANNEL_BARS channels a bar spans several and shows their worst (lowest) SQNR, the channel that would explain a
 * collapse; a × marks a bar with at least one zeroed channel.
 */
export function channelErrorTraces(variants: readonly VariantChannels[]): PlotData[] {
  const finite = variants.flatMap((v) => Array.from(v.errors.sqnrDb).filter(Number.isFinite));
  const top = finite.length > 0 ? Math.max(...finite) : 0;
  return variants.flatMap((v): PlotData[] => {
    const n = v.errors.sqnrDb.length;
    const k = channelsPerBar(n);
    const groups = barGroups(n);
    const sqnr = Array.from(v.errors.sqnrDb, (d) => (Number.isNaN(d) ? null : d === Infinity ? top : d));
    const worst = groups.map(({ first, last }) => {
      let w: number | null = null;
      for (let c = first; c <= last; c++) if (sqnr[c] !== null && (w === null || sqnr[c]! < w)) w = sqnr[c];
      return w;
    });
    const rms = groups.map(({ first, last }) => Math.max(...v.errors.rmsError.subarray(first, last + 1)));
    const bars = {
      type: 'bar',
      name: v.label,
      x: groups.map((g) => g.x),
      y: worst,
      marker: { color: v.color },
      customdata: rms.map((e, i) => [e, rangeText(groups[i])]),
      hovertemplate: `${channelsText(k)}<br>${k === 1 ? '' : 'worst '}SQNR %{y:.3g} dB<br>RMS error %{customdata[0]:.3g}<extra>${v.label}</extra>`,
      meta: { kind: 'channel-sqnr', runId: v.runId, channelsPerBar: k },
    } as unknown as PlotData;
    const zeroedChannels = channelAxis(n).filter((i) => v.errors.zeroed[i] === 1);
    if (zeroedChannels.length === 0) return [bars];
    const zx = groups.filter(({ first, last }) => zeroedChannels.some((c) => c >= first && c <= last));
    const zeroed = {
      type: 'scatter',
      mode: 'markers',
      name: `${v.label}: all weights 0 (${zeroedChannels.length})`,
      x: zx.map((g) => g.x),
      y: zx.map(() => 0),
      customdata: zx.map((g) => [0, rangeText(g)]),
      marker: { symbol: 'x-thin-open', size: 9, color: v.color, line: { width: 2, color: v.color } },
      hovertemplate: `${channelsText(k)}: ${k === 1 ? 'every weight rounds' : 'a channel’s weights all round'} to 0<extra>${v.label}</extra>`,
      meta: { kind: 'zeroed', runId: v.runId },
    } as unknown as PlotData;
    return [bars, zeroed];
  });
}
