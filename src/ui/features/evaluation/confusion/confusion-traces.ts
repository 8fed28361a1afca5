// Plotly traces of a confusion matrix (rows = true class, normalized per row) and per-class accuracy bars.
import type { PlotData } from 'plotly.js/lib/core';
import type { ClassificationResult } from '../../../../protocol/eval-dto';
import type { Theme } from '../../../../state';
import { PALETTES } from '../../../components/plot-theme';
import { className } from '../eval-format';

/** Counts are written in the cells up to this many classes. */
export const MAX_ANNOTATED_CLASSES = 20;

const SCALES: Record<Theme, [number, string][]> = {
  light: [
    [0, '#f5f6fb'],
    [0.02, '#e3e5fb'],
    [0.5, '#8b8ff0'],
    [1, '#3730a3'],
  ],
  dark: [
    [0, '#1b2029'],
    [0.02, '#272b52'],
    [0.5, '#4a4db8'],
    [1, '#6d70f0'],
  ],
};

export const classLabels = (n: number, classes: string[] | null): string[] =>
  Array.from({ length: n }, (_, i) => className(i, classes));

/**
 * `colorbarPx`: the colour bar's length in px, anchored at the bottom of the plot area (so the mode bar, at the top
 * of the right margin, does not cover it); default: the full height.
 */
export function confusionTrace(
  acc: ClassificationResult,
  classes: string[] | null,
  theme: Theme,
  colorbarPx?: number,
): PlotData {
  const n = acc.numClasses;
  const labels = classLabels(n, classes);
  const z: (number | null)[][] = [];
  const text: string[][] = [];
  for (let t = 0; t < n; t++) {
    const total = acc.perClassTotal[t];
    const row: (number | null)[] = [];
    const rowText: string[] = [];
    for (let p = 0; p < n; p++) {
      const c = acc.confusion[t * n + p];
      row.push(total > 0 ? c / total : null);
      rowText.push(c > 0 ? String(c) : '');
    }
    z.push(row);
    text.push(rowText);
  }
  const annotate = n <= MAX_ANNOTATED_CLASSES;
  return {
    type: 'heatmap',
    x: labels,
    y: labels,
    z,
    text,
    texttemplate: annotate ? '%{text}' : undefined,
    textfont: { size: 11 },
    colorscale: SCALES[theme],
    zmin: 0,
    zmax: 1,
    xgap: annotate ? 1 : 0,
    ygap: annotate ? 1 : 0,
    colorbar: {
      thickness: 10,
      ...(colorbarPx ? { lenmode: 'pixels', len: colorbarPx, y: 0, yanchor: 'bottom' } : {}),
      tickformat: '.0%',
      outlinewidth: 0,
      tickfont: { color: PALETTES[theme].muted },
    },
    hovertemplate: 'true %{y} → predicted %{x}<br>%{text} samples (%{z:.1%} of the class)<extra></extra>',
  } as unknown as PlotData;
}

export function perClassTraces(
  series: { name: string; acc: ClassificationResult; color: string }[],
  classes: string[] | null,
): PlotData[] {
  return series.map(
    (s) =>
      ({
        type: 'bar',
        name: s.name,
        x: classLabels(s.acc.numClasses, classes),
        y: Array.from(s.acc.perClassAccuracy, (v) => (Number.isFinite(v) ? v * 100 : null)),
        marker: { color: s.color },
        customdata: Array.from(s.acc.perClassTotal),
        hovertemplate: `${s.name}<br>class %{x}: %{y:.1f}% of %{customdata}<extra></extra>`,
      }) as unknown as PlotData,
  );
}
