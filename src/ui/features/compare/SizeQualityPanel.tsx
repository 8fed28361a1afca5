import { useMemo } from 'react';
import type { PlotData } from 'plotly.js/lib/core';
import { useShallow } from 'zustand/react/shallow';
import {
  resultOf,
  selectResultVariants,
  useAppStore,
  variantAccuracy,
  type EvalResult,
  type SizeQualityAxis,
  type Variant,
  variantShortLabel,
} from '../../../state';
import { setSizeQualityAxis } from '../../../state/actions/ui';
import { Panel } from '../../components/Panel';
import { Plot } from '../../components/Plot';
import { PALETTES } from '../../components/plot-theme';
import { useVariantColors } from '../../components/variant-colors';
import { WeightSqnrTerm } from '../../components/WeightSqnr';
import { Segmented } from '../../components/Segmented';
import { useEffectiveTheme } from '../../hooks/useEffectiveTheme';
import { paretoFront } from '../../../core/mixed/pareto';

const AXES = [
  { value: 'sqnr', label: 'SQNR' },
  { value: 'accuracy', label: 'Accuracy' },
] as const satisfies readonly { value: SizeQualityAxis; label: string }[];

const point = (
  label: string,
  kb: number,
  y: number | null,
  color: string,
  unit: string,
  meta: Record<string, unknown>,
): PlotData =>
  ({
    // Points of similar size and quality sit on top of each other: named in the legend and the hover, not by text
    // beside them (labels beside close points overlap).
    type: 'scatter',
    mode: 'markers',
    name: label,
    x: [kb],
    y: [y],
    cliponaxis: false,
    marker: { size: 12, color, line: { width: 1, color: '#fff' } },
    hovertemplate: `${label}<br>%{x:.1f} KiB<br>%{y:.${unit === 'dB' ? 1 : 2}f} ${unit}<extra></extra>`,
    meta,
  }) as PlotData;

function sqnrTraces(variants: Variant[], colors: Record<string, string>): PlotData[] {
  return variants.flatMap((v) => {
    const r = resultOf(v);
    if (!r) return [];
    const y = Number.isFinite(r.overallSqnrDb) ? r.overallSqnrDb : null;
    return [
      point(variantShortLabel(v), r.fileBytesAfter / 1024, y, colors[v.id], 'dB', {
        runId: r.runId,
      }),
    ];
  });
}

/** Top-1 accuracy (agreement with float without labels) of the evaluated variants, and the float model. */
function accuracyTraces(
  variants: Variant[],
  result: EvalResult,
  floatColor: string,
  colors: Record<string, string>,
): PlotData[] {
  const labeled = result.report.labeled;
  const f = result.report.float;
  const out: PlotData[] = [];
  if (labeled && f.accuracy) {
    out.push(
      point('float', f.sizeBytes / 1024, f.accuracy.top1Accuracy * 100, floatColor, '%', { variantId: null }),
    );
  }
  variants.forEach((v) => {
    const r = resultOf(v);
    const acc = variantAccuracy(result, v.id, r?.runId ?? null);
    if (!r || !acc || (!labeled && acc.agreement === null)) return; // no class scores: nothing to plot
    const y = (labeled ? (acc.top1 ?? 0) : (acc.agreement ?? 0)) * 100;
    out.push(
      point(variantShortLabel(v), r.fileBytesAfter / 1024, y, colors[v.id], '%', {
        runId: r.runId,
        variantId: v.id,
        accuracy: acc.top1,
      }),
    );
  });
  return out;
}

/**
 * A line through the points no other point beats in both size and quality (smaller and better), drawn under them;
 * none when fewer than two points are on it.
 */
function frontTrace(points: PlotData[], color: string): PlotData[] {
  const xy = points.map((t) => ({
    size: (t.x as number[])[0],
    quality: (t.y as (number | null)[])[0] ?? NaN,
  }));
  const front = paretoFront(xy);
  if (front.length < 2) return [];
  return [
    {
      type: 'scatter',
      mode: 'lines',
      name: 'Pareto front',
      x: front.map((i) => xy[i].size),
      y: front.map((i) => xy[i].quality),
      line: { color, width: 1.5, dash: 'dot', shape: 'hv' },
      hoverinfo: 'skip',
      meta: { pareto: true, members: front.map((i) => points[i].name) },
    } as PlotData,
  ];
}

/** Size against quality (SQNR, or accuracy once evaluated), one point per variant: up and to the left is better. */
export function SizeQualityPanel() {
  const variants = useAppStore(useShallow(selectResultVariants));
  const result = useAppStore((s) => s.evalResult);
  const chosen = useAppStore((s) => s.sizeQualityAxis);
  const theme = useEffectiveTheme();
  const colors = useVariantColors();
  const axis: SizeQualityAxis = chosen === 'accuracy' && result ? 'accuracy' : 'sqnr';
  const labeled = result?.report.labeled ?? false;
  const points = useMemo<PlotData[]>(
    () =>
      axis === 'accuracy' && result
        ? accuracyTraces(variants, result, PALETTES[theme].float, colors)
        : sqnrTraces(variants, colors),
    [axis, variants, result, theme, colors],
  );
  const data = useMemo(() => [...frontTrace(points, PALETTES[theme].float), ...points], [points, theme]);
  const layout = useMemo(() => {
    const xs = points.map((t) => (t.x as number[])[0]);
    const ys = points.map((t) => (t.y as (number | null)[])[0]).filter((y): y is number => y !== null);
    const x = { title: 'file size (KiB)', range: [0, Math.max(...xs, 1) * 1.25] };
    if (axis === 'accuracy') {
      const lo = Math.min(...ys, 100);
      const pad = Math.max(1, (100 - lo) * 0.25);
      return {
        xaxis: x,
        yaxis: {
          title: labeled ? 'top-1 accuracy (%)' : 'agreement with float (%)',
          range: [Math.max(0, lo - pad), 100 + pad * 0.5],
        },
        showlegend: true, // also for one point: the legend names the points
      };
    }
    const yMin = Math.min(...ys, 0);
    const yMax = Math.max(...ys, 10);
    return {
      xaxis: x,
      yaxis: { title: 'weight SQNR, whole model (dB)', range: [Math.max(0, yMin - 8), yMax + 8] },
      showlegend: true,
    };
  }, [points, axis, labeled]);
  return (
    <Panel
      title="Size vs quality"
      subtitle={
        axis === 'accuracy' ? (
          `Each point is a model, ${result?.samplesLabel ?? 'on your sample set'}.`
        ) : (
          <>
            Each point is a variant; quality is its <WeightSqnrTerm>weight SQNR</WeightSqnrTerm>.
          </>
        )
      }
      id="size-quality"
      actions={
        result ? (
          <Segmented
            label="Quality axis"
            value={axis}
            options={AXES}
            onChange={setSizeQualityAxis}
            testId="size-quality-axis"
          />
        ) : undefined
      }
    >
      <Plot
        testId="plot-size-quality"
        label={`File size against ${axis === 'accuracy' ? 'accuracy' : 'SQNR'} for each variant`}
        data={data}
        layout={layout}
        height={260}
        emptyText="Quantize to compare sizes."
      />
    </Panel>
  );
}
