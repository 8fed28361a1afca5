// Mixed precision from the studio: plan bits per layer for the user's budget in the worker, then quantize the
// assignment as one more variant (its config lists every layer, so it re-runs and downloads like any other).
import { calibrationBlocker } from './calibration';
import { getQuantizeSession } from '../../bridge';
import type { UserBudget } from '../../core/mixed/run';
import type { MeasuredLoss } from '../../core/mixed/plan';
import type { IntBits, QuantConfig } from '../../core/quant/config';
import { measuredLossFromSensitivity } from '../../core/sensitivity/losses';
import type { BudgetSetting } from '../slices';
import { getState, setState } from '../store';
import { selectLoaded } from '../selectors';
import { isAbortLike, toUiError } from '../ui-error';
import { variantIdOf } from '../variant-key';
import { beginBatch, finishBatch, isBatch, runOne, type PlannedVariant } from './quantize';
import { selectBudgetSensitivity, type BudgetSensitivity } from './sensitivity';

export function setBudget(patch: Partial<BudgetSetting>): void {
  setState((s) => ({ budget: { ...s.budget, ...patch }, budgetError: null }));
}

/** The budget as the solver takes it; null when the number typed is not a usable budget. */
export function userBudget(b: BudgetSetting): UserBudget | null {
  if (b.mode === 'bits') return b.bits > 0 && b.bits <= 32 ? { targetBits: b.bits } : null;
  const bytes = Math.floor(b.megabytes * 1e6);
  return bytes > 0 ? { fileBytes: bytes } : null;
}

/**
 * Plan and quantize a mixed-precision variant for the current budget with the current global settings. The loss
 * each layer is predicted to add is, in this order: `measured` when given; measured sensitivity when the open model
 * has reports at every width the solver picks from for these settings (`selectBudgetSensitivity`); else the
 * weight-error proxy. The variant's config says which (`mixed.proxy`, `mixed.measuredOn`), and so does its id.
 */
export async function quantizeToBudget(measured?: MeasuredLoss): Promise<void> {
  const s = getState();
  const loaded = selectLoaded(s);
  const budget = userBudget(s.budget);
  if (!loaded || !budget || s.model.status === 'loading' || s.batch.status !== 'idle') return;
  if (calibrationBlocker(s) !== null) return; // the Quantize bar says why
  const sensitivity = measured ? null : selectBudgetSensitivity(s);
  const loss = measured ?? (sensitivity ? budgetLoss(sensitivity) : undefined);
  const { batchId, signal } = beginBatch();
  setState({ batch: { status: 'running', batchId, variantIds: [] }, budgetError: null });
  const ids: string[] = [];
  try {
    // Planning is one worker call (not cancellable inside); a cancel meanwhile drops its answer.
    const plan = await getQuantizeSession().callModel(loaded, (api) =>
      api.planBudget(loaded.id, s.config, budget, loss),
    );
    if (signal.aborted || !isBatch(batchId)) return;
    const config = sensitivity ? withMeasuredOn(plan.config, sensitivity) : plan.config;
    const floor = plan.floor ?? 4;
    const p: PlannedVariant = {
      id: variantIdOf(config),
      bits: Math.min(8, Math.max(2, floor)) as IntBits, // the variant's colour: its narrowest width
      config,
      plan: { averageBits: plan.averageBits, floor: plan.floor, storedBytes: plan.storedBytes },
    };
    ids.push(p.id);
    setState((st) => ({
      variants: { ...st.variants, [p.id]: { ...p, run: st.variants[p.id]?.run ?? { status: 'idle' } } },
      variantOrder: st.variantOrder.includes(p.id) ? st.variantOrder : [...st.variantOrder, p.id],
      batch: { status: 'running', batchId, variantIds: [p.id] },
    }));
    await runOne(loaded, p, signal);
  } catch (e) {
    if (!isAbortLike(e) && isBatch(batchId)) setState({ budgetError: toUiError(e) });
  } finally {
    await getQuantizeSession().idle();
    if (isBatch(batchId)) finishBatch(ids);
  }
}

/** The solver's per-layer loss from the reports (one per candidate width). */
export const budgetLoss = (m: BudgetSensitivity): MeasuredLoss =>
  measuredLossFromSensitivity(m.reports.map((r) => r.report));

/** Record in the recipe what the measured loss was measured on (the variant's details say it). */
function withMeasuredOn(config: QuantConfig, m: BudgetSensitivity): QuantConfig {
  if (config.mixed?.proxy !== 'measured') return config;
  const measuredOn = { samples: m.samples, source: m.sourceName, synthetic: m.synthetic };
  return { ...config, mixed: { ...config.mixed, measuredOn } };
}
