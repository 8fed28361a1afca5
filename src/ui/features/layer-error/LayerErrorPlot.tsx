import { useMemo } from 'react';
import type { PlotMouseEvent } from 'plotly.js-cartesian-dist-min';
import { resultOf, selectSummary, useAppStore, type Variant, variantShortLabel } from '../../../state';
import { selectWeight } from '../../../state/actions/ui';
import { Plot } from '../../components/Plot';
import { PALETTES } from '../../components/plot-theme';
import { useVariantColors } from '../../components/variant-colors';
import { useEffectiveTheme } from '../../hooks/useEffectiveTheme';
import { layerErrorTraces, METRIC_LABELS } from './layer-error-traces';

interface LayerErrorPlotProps {
  variants: readonly Variant[];
  testId: string;
  height?: number;
  /** A y range shared with a neighbouring plot (side by side), so equal heights mean equal error. */
  yRange?: [number, number] | null;
  /** Narrow: rotate the layer names sooner so they do not overlap. */
  compact?: boolean;
}

/** Longer layer names are shortened on the axis (from the left: the end of a name is the telling part). */
const MAX_TICK_CHARS = 28;

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
    const many = names.length;
    const rotate = many > (compact ? 2 : 6);
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
      yaxis: {
        title: METRIC_LABELS[metric],
        type: metric === 'sqnrDb' ? 'linear' : 'log',
        ...(yRange ? { range: yRange, autorange: false } : {}),
      },
    };
  }, [metric, names, yRange, compact]);
  return (
    <div className="plot-block" data-selected-weight={selected ?? ''}>
      <Plot
        testId={testId}
        label="Quantization error per layer"
        data={data}
        layout={layout}
        height={height}
        onPointClick={onClick}
        emptyText="Quantize to see the error of each layer."
      />
    </div>
  );
}
