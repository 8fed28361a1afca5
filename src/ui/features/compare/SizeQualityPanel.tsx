import { useMemo } from 'react';
import type { PlotData } from 'plotly.js-dist-min';
import { useShallow } from 'zustand/react/shallow';
import { resultOf, selectResultVariants, useAppStore } from '../../../state';
import { Panel } from '../../components/Panel';
import { Plot } from '../../components/Plot';
import { precisionColor } from '../../components/plot-theme';
import { variantShortLabel } from '../variants/variant-label';

/** Size against quality, one point per variant: up and to the left is better. */
export function SizeQualityPanel() {
  const variants = useAppStore(useShallow(selectResultVariants));
  const data = useMemo<PlotData[]>(
    () =>
      variants.flatMap((v, i) => {
        const r = resultOf(v);
        if (!r) return [];
        const label = variantShortLabel(v);
        return [
          {
            type: 'scatter',
            mode: 'text+markers',
            name: label,
            x: [r.fileBytesAfter / 1024],
            y: [Number.isFinite(r.overallSqnrDb) ? r.overallSqnrDb : null],
            text: [label],
            textposition: 'top center',
            cliponaxis: false,
            marker: { size: 12, color: precisionColor(v.precision, i), line: { width: 1, color: '#fff' } },
            hovertemplate: `${label}<br>%{x:.1f} KB<br>%{y:.1f} dB<extra></extra>`,
            meta: { runId: r.runId },
          },
        ];
      }),
    [variants],
  );
  const layout = useMemo(() => {
    const xs = data.map((t) => (t.x as number[])[0]);
    const ys = data.map((t) => (t.y as (number | null)[])[0]).filter((y): y is number => y !== null);
    const yMin = Math.min(...ys, 0);
    const yMax = Math.max(...ys, 10);
    return {
      xaxis: { title: 'file size (KB)', range: [0, Math.max(...xs, 1) * 1.25] },
      yaxis: { title: 'overall SQNR (dB)', range: [Math.max(0, yMin - 8), yMax + 8] },
      margin: { t: 24 },
      showlegend: false,
    };
  }, [data]);
  return (
    <Panel title="Size vs quality" subtitle="Each point is a variant." id="size-quality">
      <Plot
        testId="plot-size-quality"
        label="File size against SQNR for each variant"
        data={data}
        layout={layout}
        height={260}
        emptyText="Quantize to compare sizes."
      />
    </Panel>
  );
}
