// Measured sensitivity as the mixed-precision solver's per-layer loss (src/core/mixed: layerTables(…, measured)).
import type { MeasuredLoss } from '../mixed/plan';
import type { SensitivityReport } from './types';

/**
 * Per layer and width, the measured score of quantizing that layer alone (KL, or output noise-to-signal ratio):
 * the solver sums these as the predicted loss of an assignment, which assumes layers' losses add (accurate for the
 * small per-layer errors a budget aims for). Give one report per candidate width; widths without a report keep the
 * weight-error proxy, which is on another scale, so measure every width the solver may pick. fp16 and 8-bit
 * reports are used like any other; float is always loss 0. Reports must share one metric.
 */
export function measuredLossFromSensitivity(reports: readonly SensitivityReport[]): MeasuredLoss {
  const metrics = new Set(reports.map((r) => r.metric));
  if (metrics.size > 1) throw new Error('sensitivity reports mix KL and output-NSR metrics');
  const loss: MeasuredLoss = {};
  for (const r of reports) {
    for (const l of r.layers) (loss[l.name] ??= {})[r.spec.bits] = l.score;
  }
  return loss;
}
