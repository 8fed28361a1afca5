import type { PlotData } from 'plotly.js/lib/core';
import type { LayerResult, RunSummary } from '../../../protocol/dto';
import type { ErrorMetric } from '../../../state';

export interface VariantLayers {
  label: string;
  color: string;
  summary: RunSummary;
}

export const METRIC_LABELS: Record<ErrorMetric, string> = {
  sqnrDb: 'SQNR (dB, higher is better)',
  mse: 'MSE (lower is better)',
  maxAbsError: 'max |error| (lower is better)',
};

/** The same, short enough for a narrow plot's axis. */
export const COMPACT_METRIC_LABELS: Record<ErrorMetric, string> = {
  sqnrDb: 'SQNR (dB)',
  mse: 'MSE',
  maxAbsError: 'max |error|',
};

/** SQNR of an exact (lossless) layer is +∞; plot it at the top of the finite values instead of dropping it. */
const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** Layer names in model order (the order `weightOrder` gives), over all variants. */
export function layerAxis(variants: readonly VariantLayers[], weightOrder: readonly string[]): string[] {
  const present = new Set<string>();
  for (const v of variants) for (const l of v.summary.layers) present.add(l.name);
  const ordered = weightOrder.filter((n) => present.has(n));
  const rest = [...present].filter((n) => !weightOrder.includes(n));
  return [...ordered, ...rest];
}

/** One bar trace per variant over the layers, for the chosen metric; the selected layer is outlined. */
export function layerErrorTraces(
  variants: readonly VariantLayers[],
  weightOrder: readonly string[],
  metric: ErrorMetric,
  selected: string | null,
  outline: string,
): PlotData[] {
  const axis = layerAxis(variants, weightOrder);
  return variants.map((v) => {
    const byName = new Map<string, LayerResult>(v.summary.layers.map((l) => [l.name, l]));
    const y = axis.map((n) => {
      const l = byName.get(n);
      return l ? finite(l[metric]) : null;
    });
    return {
      type: 'bar',
      name: v.label,
      x: axis,
      y,
      marker: {
        color: v.color,
        line: { color: outline, width: axis.map((n) => (n === selected ? 2 : 0)) },
      },
      hovertemplate: `%{x}<br>%{y:.4g}<extra>${v.label}</extra>`,
      meta: { runId: v.summary.runId, metric },
    };
  });
}
