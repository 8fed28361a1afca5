import { useMemo } from 'react';
import type { Layout } from 'plotly.js-cartesian-dist-min';
import { useShallow } from 'zustand/react/shallow';
import type { EvalMode, EvalReport } from '../../../../protocol/eval-dto';
import { EVAL_MODE_LABELS } from '../eval-modes';
import { useAppStore, selectVariantLabels } from '../../../../state';
import { selectEvalView } from '../../../../state/actions/evaluate-run';
import { Panel } from '../../../components/Panel';
import { Plot } from '../../../components/Plot';
import { PALETTES } from '../../../components/plot-theme';
import { useVariantColor } from '../../../components/variant-colors';
import { useEffectiveTheme } from '../../../hooks/useEffectiveTheme';
import { confusionTrace, perClassTraces } from './confusion-traces';

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

const HEAT_LAYOUT = {
  xaxis: { title: 'predicted', type: 'category', side: 'bottom' },
  yaxis: { title: 'true class', type: 'category', autorange: 'reversed' },
  margin: { t: 12, l: 64, r: 8, b: 48 },
} as Layout;

/** Confusion matrix (rows: true class, share of the class) and per-class accuracy of a chosen model vs float. */
export function ConfusionPanel() {
  const report = useAppStore((s) => s.evalResult?.report ?? null);
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
  const heat = useMemo(
    () => (chosen && report ? [confusionTrace(chosen, report.classes, theme)] : []),
    [chosen, report, theme],
  );
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
    return {
      barmode: 'group',
      xaxis: { title: 'class', type: 'category' },
      yaxis: { title: 'top-1 accuracy (%)', range: [lo, 100.5] },
      margin: { t: 28, l: 56, r: 8, b: 48 },
      bargap: 0.25,
    } as Layout;
  }, [bars]);
  if (!report || !report.labeled || !floatAcc) return null;
  const value = variant ? `${variant.id}|${mode}` : 'float';
  const n = chosen?.numClasses ?? 0;
  const height = Math.min(520, Math.max(300, 60 + n * 26));
  return (
    <Panel
      title="Per class"
      subtitle={`Confusion matrix of ${name} (each row is one true class, shaded by its share) and per-class accuracy next to the float model’s.`}
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
          layout={HEAT_LAYOUT}
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
