import type { ErrorMetric } from '../../../state';

/**
 * One y range for plots shown side by side, so equal bar heights mean equal error: linear from 0 for SQNR, log10
 * units (plotly's range for a log axis) for MSE / max error. null when there is nothing finite to show.
 */
export function sharedErrorRange(
  layers: readonly { [k in ErrorMetric]: number }[],
  metric: ErrorMetric,
): [number, number] | null {
  const values = layers
    .map((l) => l[metric])
    .filter((v) => Number.isFinite(v) && (metric === 'sqnrDb' || v > 0));
  if (values.length === 0) return null;
  const max = Math.max(...values);
  if (metric === 'sqnrDb') return [Math.min(0, ...values), max * 1.08 || 1];
  const lo = Math.log10(Math.min(...values));
  const hi = Math.log10(max);
  return [lo - 0.3, hi + 0.3];
}
