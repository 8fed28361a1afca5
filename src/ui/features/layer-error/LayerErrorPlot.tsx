import { useMemo } from 'react';
import type { PlotMouseEvent } from 'plotly.js-dist-min';
import { resultOf, selectSummary, useAppStore, type Variant } from '../../../state';
import { selectWeight } from '../../../state/actions/ui';
import { Plot } from '../../components/Plot';
import { PALETTES, precisionColor } from '../../components/plot-theme';
import { useEffectiveTheme } from '../../hooks/useEffectiveTheme';
import { variantShortLabel } from '../variants/variant-label';
import { layerErrorTraces, METRIC_LABELS } from './layer-error-traces';

interface LayerErrorPlotProps {
  variants: readonly Variant[];
  testId: string;
  height?: number;
}

const onClick = (ev: PlotMouseEvent) => {
  const x = ev.points[0]?.x;
  if (typeof x === 'string') selectWeight(x);
};

/** Per-layer error of the given variants; click a bar to select that layer. */
export function LayerErrorPlot({ variants, testId, height = 300 }: LayerErrorPlotProps) {
  const summary = useAppStore(selectSummary);
  const metric = useAppStore((s) => s.errorMetric);
  const selected = useAppStore((s) => s.selectedWeight);
  const theme = useEffectiveTheme();
  const data = useMemo(() => {
    const order = summary?.weights.map((w) => w.name) ?? [];
    const vs = variants.flatMap((v, i) => {
      const r = resultOf(v);
      return r ? [{ label: variantShortLabel(v), color: precisionColor(v.precision, i), summary: r }] : [];
    });
    return layerErrorTraces(vs, order, metric, selected, PALETTES[theme].text);
  }, [summary, variants, metric, selected, theme]);
  const many = (data[0]?.x as unknown[] | undefined)?.length ?? 0;
  const layout = useMemo(
    () => ({
      barmode: 'group',
      bargap: 0.25,
      xaxis: { title: 'layer', tickangle: many > 6 ? -35 : 0, showticklabels: many <= 60, type: 'category' },
      yaxis: { title: METRIC_LABELS[metric], type: metric === 'sqnrDb' ? 'linear' : 'log' },
    }),
    [metric, many],
  );
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
