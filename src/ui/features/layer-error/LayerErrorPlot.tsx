import { useMemo } from 'react';
import type { PlotMouseEvent } from 'plotly.js/lib/core';
import { resultOf, selectSummary, useAppStore, type Variant, variantShortLabel } from '../../../state';
import { selectWeight } from '../../../state/actions/ui';
import { Plot } from '../../components/Plot';
import { PALETTES } from '../../components/plot-theme';
import { useVariantColors } from '../../components/variant-colors';
import { useEffectiveTheme } from '../../hooks/useEffectiveTheme';
import { COMPACT_METRIC_LABELS, layerErrorTraces, METRIC_LABELS } from './layer-error-traces';
import { compactTicks } from './tick-labels';

interface LayerErrorPlotProps {
  variants: readonly Variant[];
  testId: string;
  height?: number;
  /** A y range shared with a neighbouring plot (side by side), so equal heights mean equal error. */
  yRange?: [number, number] | null;
  /** Narrow (side by side): short layer names laid out so they do not overlap, no legend, a short axis title. */
  compact?: boolean;
}

/** Longer layer names are shortened on the axis (from the left: the end of a name is the telling part). */
const MAX_TICK_CHARS = 28;
/** Plot area width of a compact plot at 1280 px (half the main column, less the margins). */
const COMPACT_PLOT_WIDTH = 330;

const onClick = (ev: PlotMouseEvent) => {
  const x = ev.points[0]?.x;
  if (typeof x === 'string') selectWeight(x);
};

/** Per-layer error of the given variants; click a bar to select that layer. */
export function LayerErrorPlot({ variants, testId, height = 300, yRange, compact }: LayerErrorPlotProps) {
  const summary = useAppStore(selectSummary);
  const metric = useAppStore((s) => s.errorMetric);
  const selected = useAppStore((s) => s.selectedWeight);
  const theme = useEffectiveTheme();
  const colors = useVariantColors();
  const data = useMemo(() => {
    const order = summary?.weights.map((w) => w.name) ?? [];
    const vs = variants.flatMap((v) => {
      const r = resultOf(v);
      return r ? [{ label: variantShortLabel(v), color: colors[v.id], summary: r }] : [];
    });
    return layerErrorTraces(vs, order, metric, selected, PALETTES[theme].text);
  }, [summary, variants, metric, selected, theme, colors]);
  const names = useMemo(() => (data[0]?.x as string[] | undefined) ?? [], [data]);
  const layout = useMemo(() => {
    const yaxis = {
      title: compact ? COMPACT_METRIC_LABELS[metric] : METRIC_LABELS[metric],
      type: metric === 'sqnrDb' ? 'linear' : 'log',
      ...(yRange ? { range: yRange, autorange: false } : {}),
    };
    if (compact) {
      // Narrow (side by side): shortened names, vertical or hidden so they never overlap; full margins.
      const t = compactTicks(names, COMPACT_PLOT_WIDTH);
      return {
        barmode: 'group',
        bargap: 0.25,
        showlegend: false,
        margin: { l: 56, r: 12, t: 12, b: t.marginBottom },
        xaxis: {
          title: t.show && t.angle === 0 ? 'layer' : t.show ? '' : 'layer (hover for names)',
          type: 'category',
          tickangle: t.angle,
          showticklabels: t.show,
          tickvals: names,
          ticktext: t.text,
        },
        yaxis,
      };
    }
    const many = names.length;
    const rotate = many > 6;
    const short = names.map((n) => (n.length > MAX_TICK_CHARS ? `…${n.slice(-(MAX_TICK_CHARS - 1))}` : n));
    const longest = Math.max(0, ...short.map((n) => n.length));
    return {
      barmode: 'group',
      bargap: 0.25,
      // Fixed margins sized to the labels (plotly's automargin costs several main-thread redraws).
      margin: { b: many > 60 ? 40 : rotate ? 44 + Math.round(longest * 6.5 * 0.6) : 48 },
      xaxis: {
        title: many > 60 || rotate ? '' : 'layer',
        type: 'category',
        tickangle: rotate ? -35 : 0,
        showticklabels: many <= 60,
        tickvals: names,
        ticktext: short,
      },
      yaxis,
    };
  }, [metric, names, yRange, compact]);
  // Vertical labels take their room from below the bars, not from the bars.
  const plotHeight = height + Math.max(0, ((layout.margin as { b: number }).b ?? 48) - 48);
  return (
    <div className="plot-block" data-selected-weight={selected ?? ''}>
      <Plot
        testId={testId}
        label="Quantization error per layer"
        data={data}
        layout={layout}
        height={plotHeight}
        onPointClick={onClick}
        emptyText="Quantize to see the error of each layer."
      />
    </div>
  );
}
