import { useEffect, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { resultOf, selectModelId, useAppStore, type Variant, variantShortLabel } from '../../../state';
import { ensureHistogram, histogramKey } from '../../../state/actions/views';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Plot } from '../../components/Plot';
import { PALETTES } from '../../components/plot-theme';
import { useVariantColors } from '../../components/variant-colors';
import { useEffectiveTheme } from '../../hooks/useEffectiveTheme';
import { countRange, gridShapes, histogramTraces } from './histogram-traces';
import { clipBoundTraces } from './clip-traces';
import { useClipViews } from './useClipViews';

/** Height a legend row adds (11 px labels). */
const LEGEND_ROW_PX = 21;

interface HistogramPlotProps {
  weight: string;
  variants: readonly Variant[];
  testId: string;
  height?: number;
  /** Count ranges shared with a neighbouring plot (side by side), so equal heights mean equal counts. */
  sharedCounts?: { floatMax: number; quantizedMax: number } | null;
}

/** Histogram of one weight's float values with the given variants' dequantized values overlaid. */
export function HistogramPlot({ weight, variants, testId, height = 300, sharedCounts }: HistogramPlotProps) {
  const modelId = useAppStore(selectModelId);
  const scale = useAppStore((s) => s.histogramScale);
  const theme = useEffectiveTheme();
  const colors = useVariantColors();
  const runs = variants.flatMap((v) => {
    const r = resultOf(v);
    return r ? [{ variant: v, runId: r.runId }] : [];
  });
  const keys = modelId
    ? [histogramKey(modelId, weight, null), ...runs.map((r) => histogramKey(modelId, weight, r.runId))]
    : [];
  const entries = useAppStore(useShallow((s) => keys.map((k) => s.histograms[k])));
  const runKey = runs.map((r) => r.runId).join(',');
  const clips = useClipViews(weight, variants);

  useEffect(() => {
    void ensureHistogram(weight, null);
    for (const r of runs) void ensureHistogram(weight, { runId: r.runId, config: r.variant.config });
    // runs is derived from runKey
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [weight, runKey, modelId]);

  const [floatEntry, ...runEntries] = entries;
  const pending = entries.some((e) => !e || e.status === 'loading');
  const overlays = useMemo(
    () =>
      runs.flatMap((r, i) => {
        const e = runEntries[i];
        return e?.status === 'ready'
          ? [
              {
                label: variantShortLabel(r.variant),
                color: colors[r.variant.id],
                runId: r.runId,
                hist: e.data,
              },
            ]
          : [];
      }),
    // useShallow keeps `entries` stable until one of them changes; runs follow runKey.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [entries, runKey, colors],
  );
  const data = useMemo(() => {
    if (floatEntry?.status !== 'ready') return [];
    return [
      ...histogramTraces(weight, floatEntry.data, overlays, scale, PALETTES[theme].float),
      ...clipBoundTraces(weight, clips),
    ];
  }, [weight, scale, theme, floatEntry, overlays, clips]);
  const shapes = useMemo(() => gridShapes(overlays), [overlays]);

  const overlaid = data.some((t) => t.yaxis === 'y3');
  // The legend stands above the plot, and at half the page's width names like "4-bit · channel · GPTQ" fit one a
  // row: the figure grows by the rows past the first so the plot keeps its height (5 variants left it 114 px of 300).
  const legendEntries = data.filter((t) => t.showlegend !== false).length;
  const legendRows = legendEntries > 3 ? legendEntries : 1;
  const figureHeight = height + (legendRows - 1) * LEGEND_ROW_PX;
  const floatMax = sharedCounts?.floatMax;
  const quantizedMax = sharedCounts?.quantizedMax;
  const layout = useMemo(() => {
    const type = scale === 'log' ? 'log' : 'linear';
    const fixed = (max: number | undefined) =>
      max !== undefined ? { range: countRange(max, scale), autorange: false } : { rangemode: 'tozero' };
    return {
      shapes,
      margin: { l: 64, r: overlaid ? 60 : 16, t: 28, b: 48 },
      xaxis: { title: 'weight value', zeroline: false },
      yaxis: { title: overlaid ? 'count, float32 (area)' : 'count', type, ...fixed(floatMax) },
      yaxis2: { overlaying: 'y', range: [0, 1], visible: false, fixedrange: true },
      yaxis3: {
        overlaying: 'y',
        side: 'right',
        title: 'count, quantized (lines)',
        type,
        showgrid: false,
        tickmode: 'auto', // not aligned to the left axis's grid lines (odd values like 3430)
        nticks: 6,
        visible: overlaid,
        ...fixed(quantizedMax),
      },
    };
  }, [scale, overlaid, floatMax, quantizedMax, shapes]);

  const error = entries.find((e) => e?.status === 'error');
  return (
    <div className="plot-block" data-weight={weight}>
      {error?.status === 'error' && (
        <ErrorNotice error={error.error} context="Couldn’t compute the histogram" />
      )}
      <Plot
        testId={testId}
        label={`Histogram of ${weight}`}
        data={data}
        layout={layout}
        height={figureHeight}
        pending={pending}
        emptyText={pending ? 'Computing histogram…' : 'No histogram.'}
      />
    </div>
  );
}
