// Mixed precision from the studio: plan bits per layer for the user's budget in the worker, then quantize the
// assignment as one more variant (its config lists every layer, so it re-runs and downloads like any other).
import { getQuantizeSession } from '../../bridge';
import type { UserBudget } from '../../core/mixed/run';
import type { MeasuredLoss } from '../../core/mixed/plan';
import type { IntBits } from '../../core/quant/config';
import type { BudgetSetting } from '../slices';
import { getState, setState } from '../store';
import { selectLoaded } from '../selectors';
import { isAbortLike, toUiError } from '../ui-error';
import { variantIdOf } from '../variant-key';
import { beginBatch, finishBatch, isBatch, runOne, type PlannedVariant } from './quantize';

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
 * Plan and quantize a mixed-precision variant for the current budget with the current global settings. `measured`
 * (per-layer loss at each width, e.g. from measured sensitivity) replaces the weight-error proxy when given.
 */
export async function quantizeToBudget(measured?: MeasuredLoss): Promise<void> {
  const s = getState();
  const loaded = selectLoaded(s);
  const budget = userBudget(s.budget);
  if (!loaded || !budget || s.model.status === 'loading' || s.batch.status !== 'idle') return;
  const { batchId, signal } = beginBatch();
  setState({ batch: { status: 'running', batchId, variantIds: [] }, budgetError: null });
  const ids: string[] = [];
  try {
    // Planning is one worker call (not cancellable inside); a cancel meanwhile drops its answer.
    const plan = await getQuantizeSession().callModel(loaded, (api) =>
      api.planBudget(loaded.id, s.config, budget, measured),
    );
    if (signal.aborted || !isBatch(batchId)) return;
    const floor = plan.floor ?? 4;
    const p: PlannedVariant = {
      id: variantIdOf(plan.config),
      bits: Math.min(8, Math.max(2, floor)) as IntBits, // the variant's colour: its narrowest width
      config: plan.config,
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
