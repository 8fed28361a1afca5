import { useMemo } from 'react';
import type { PlotMouseEvent } from 'plotly.js/lib/core';
import type { SensitivityReport } from '../../../protocol/eval-dto';
import { selectWeight } from '../../../state/actions/ui';
import { Plot } from '../../components/Plot';
import { PALETTES } from '../../components/plot-theme';
import { useEffectiveTheme } from '../../hooks/useEffectiveTheme';
import { measuredLabel, sensitivityTraces } from './sensitivity-traces';

/** One colour for measured loss in both themes (variant colours mean variants elsewhere). */
const MEASURED_COLOR = '#e8590c';

const onClick = (ev: PlotMouseEvent) => {
  const x = ev.points[0]?.x;
  if (typeof x === 'string') selectWeight(x);
};

/** Ranked bars of measured sensitivity with the weight-SQNR proxy beside each; click a layer to inspect it. */
export function SensitivityChart({ report }: { report: SensitivityReport }) {
  const theme = useEffectiveTheme();
  const data = useMemo(() => {
    const p = PALETTES[theme];
    return sensitivityTraces(report, MEASURED_COLOR, p.text);
  }, [report, theme]);
  const layout = useMemo(
    () => ({
      // Room for the left title beside ticks like "2.2e-4" (automargin is off: the theme sets margins).
      margin: { l: 84, b: report.layers.length > 6 ? 90 : 48, r: 60 },
      legend: { orientation: 'h', y: 1.12 },
      xaxis: { type: 'category', tickangle: report.layers.length > 6 ? -35 : 0, title: '' },
      // KL spans many decades (a saturated softmax gives 1e-200): "1.5e-4", close to the table's scientific form.
      yaxis: { title: measuredLabel(report), rangemode: 'tozero', exponentformat: 'e' },
      yaxis2: { title: 'weight SQNR dB', overlaying: 'y', side: 'right', showgrid: false },
    }),
    [report],
  );
  return (
    <Plot
      testId="plot-sensitivity"
      label="Measured sensitivity per layer, most sensitive first, with the weight-SQNR proxy"
      data={data}
      layout={layout}
      height={320}
      onPointClick={onClick}
    />
  );
}
