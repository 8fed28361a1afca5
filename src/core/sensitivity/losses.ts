// Measured sensitivity as the mixed-precision solver's per-layer loss (src/core/mixed: layerTables(…, measured)).
import { StudioError } from '../errors';
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
  for (const r of reports) {
    if (r.layers.some((l) => l.members))
      throw new StudioError(
        'QuantConfigError',
        'a measurement grouped by block ranks blocks, not layers: measure layers alone to assign bits per layer',
      );
    if (r.measuredLayers !== undefined && r.layers.length < r.measuredLayers)
      throw new StudioError(
        'QuantConfigError',
        `a sampled measurement (${r.layers.length} of ${r.measuredLayers} layers) leaves layers without a measured loss: measure every layer to assign bits`,
      );
  }
  const loss: MeasuredLoss = {};
  for (const r of reports) {
    for (const l of r.layers) (loss[l.name] ??= {})[r.spec.bits] = l.score;
  }
  return loss;
}
