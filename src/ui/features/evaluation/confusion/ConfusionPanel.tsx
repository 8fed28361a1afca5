import { useMemo } from 'react';
import type { Layout } from 'plotly.js/lib/core';
import { useShallow } from 'zustand/react/shallow';
import type { EvalMode, EvalReport } from '../../../../protocol/eval-dto';
import { EVAL_MODE_LABELS } from '../eval-modes';
import { useAppStore, selectVariantLabels } from '../../../../state';
import { selectEvalView } from '../../../../state/actions/evaluate-run';
import { Panel } from '../../../components/Panel';
import { Plot } from '../../../components/Plot';
import { categoryTicks } from '../../../components/plot-labels';
import { MODEBAR_DEPTH, PALETTES } from '../../../components/plot-theme';
import { useVariantColor } from '../../../components/variant-colors';
import { useEffectiveTheme } from '../../../hooks/useEffectiveTheme';
import { classLabels, confusionTrace, perClassTraces } from './confusion-traces';

/** Options of the model picker: the float model, then each variant in each mode that ran. */
function choices(report: EvalReport, labels: Record<string, string>) {
  const both = report.modes.length > 1;
  return [
    { value: 'float', label: `float (${report.float.label})` },
    ...report.variants.flatMap((v) =>
      report.modes
        .filter((m) => v[m]?.accuracy)
        .map((m) => {
          const name = labels[v.id] ?? v.label;
          return { value: `${v.id}|${m}`, label: both ? `${name} · ${EVAL_MODE_LABELS[m]}` : name };
        }),
    ),
  ];
}

/** Width a class gets on the x axis of either plot (half the panel at 1280 px, ten classes): for tick angles. */
const slotPx = (n: number) => Math.max(12, 480 / Math.max(1, n));

/** Heatmap layout with margins sized to the class names (plotly's automargin is off, see plot-theme). */
function heatLayout(labels: string[]): Layout {
  const ticks = categoryTicks(labels, slotPx(labels.length));
  return {
    xaxis: { title: 'predicted', type: 'category', side: 'bottom', tickangle: ticks.angle },
    yaxis: { title: 'true class', type: 'category', autorange: 'reversed' },
    margin: { t: 12, l: Math.max(64, ticks.left, ticks.overhangLeft), r: 8, b: Math.max(48, ticks.bottom) },
  } as Layout;
}

/** Confusion matrix (rows: true class, share of the class) and per-class accuracy of a chosen model vs float. */
export function ConfusionPanel() {
  const report = useAppStore((s) => s.evalResult?.report ?? null);
  const samplesLabel = useAppStore((s) => s.evalResult?.samplesLabel ?? '');
  const selection = useAppStore((s) => s.evalSelection);
  const variantId = selection.variantId;
  const color = useVariantColor(variantId);
  const labels = useAppStore(useShallow(selectVariantLabels));
  const theme = useEffectiveTheme();
  const variant = report?.variants.find((v) => v.id === variantId) ?? null;
  const mode: EvalMode = variant && variant[selection.mode] ? selection.mode : (report?.modes[0] ?? 'exact');
  const chosen = variant ? (variant[mode]?.accuracy ?? null) : (report?.float.accuracy ?? null);
  const floatAcc = report?.float.accuracy ?? null;
  const name = variant ? (labels[variant.id] ?? variant.label) : 'float';
  const n = chosen?.numClasses ?? 0;
  const height = Math.min(520, Math.max(300, 60 + n * 26));
  const names = useMemo(() => classLabels(n, report?.classes ?? null), [n, report]);
  const heatLayoutMemo = useMemo(() => heatLayout(names), [names]);
  const heat = useMemo(() => {
    if (!chosen || !report) return [];
    const m = heatLayoutMemo.margin as { t: number; b: number };
    const plotArea = height - m.t - m.b;
    // The colour bar starts below the mode bar (top of the right margin).
    const bar = Math.max(60, plotArea - Math.max(0, MODEBAR_DEPTH - m.t));
    return [confusionTrace(chosen, report.classes, theme, bar)];
  }, [chosen, report, theme, heatLayoutMemo, height]);
  const bars = useMemo(() => {
    if (!floatAcc || !report) return [];
    const series = [{ name: 'float', acc: floatAcc, color: PALETTES[theme].float }];
    if (variant && chosen) {
      series.push({ name, acc: chosen, color });
    }
    return perClassTraces(series, report.classes);
  }, [floatAcc, chosen, variant, report, theme, color, name]);
  const barLayout = useMemo<Layout>(() => {
    // Zoom on the range the classes span (per-class accuracies are often all above 90%).
    const ys = bars.flatMap((t) => (t.y as (number | null)[]).filter((y): y is number => y !== null));
    const lo = Math.max(0, Math.floor(Math.min(100, ...ys) - 3));
    const ticks = categoryTicks(names, slotPx(names.length));
    return {
      barmode: 'group',
      xaxis: { title: 'class', type: 'category', tickangle: ticks.angle },
      yaxis: { title: 'top-1 accuracy (%)', range: [lo, 100.5] },
      margin: { t: 28, l: Math.max(56, ticks.overhangLeft), b: Math.max(48, ticks.bottom) },
      bargap: 0.25,
    } as Layout;
  }, [bars, names]);
  if (!report || !report.labeled || !floatAcc) return null;
  const value = variant ? `${variant.id}|${mode}` : 'float';
  return (
    <Panel
      title="Per class"
      subtitle={`Confusion matrix of ${name} (each row is one true class, shaded by its share) and per-class accuracy next to the float model’s (${samplesLabel}).`}
      id="eval-confusion"
      testId="eval-confusion"
      actions={
        <select
          className="select-small"
          aria-label="Model"
          data-testid="confusion-model"
          value={value}
          onChange={(e) => {
            const v = e.currentTarget.value;
            if (v === 'float') selectEvalView(null, selection.mode);
            else {
              const [id, m] = v.split('|');
              selectEvalView(id, m as EvalMode);
            }
          }}
        >
          {choices(report, labels).map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
      }
    >
      <div className="grid-2 confusion-grid">
        <Plot
          testId="plot-confusion"
          label={`Confusion matrix of ${name}: true class against predicted class`}
          data={heat}
          layout={heatLayoutMemo}
          height={height}
        />
        <Plot
          testId="plot-per-class"
          label="Top-1 accuracy per class"
          data={bars}
          layout={barLayout}
          height={height}
        />
      </div>
    </Panel>
  );
}
