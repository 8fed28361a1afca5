// Mixed precision from the studio: plan bits per layer for the user's budget in the worker, then quantize the
// assignment as one more variant (its config lists every layer, so it re-runs and downloads like any other).
import { calibrationBlocker } from './calibration';
import { getEvaluateSession, getQuantizeSession } from '../../bridge';
import { StudioError } from '../../core/errors';
import { chosenOf, refineAssignment, UNMEASURABLE } from '../../core/mixed/refine';
import { refinedFields } from '../../core/mixed/refined';
import type { BudgetPlanDto } from '../../protocol/dto';
import { selectSamples } from '../eval-selectors';
import { selectSampleSplit } from '../sample-split';
import { defaultPreprocess } from './evaluate-samples';
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
import { selectBudgetSensitivity, sensitivitySource, type BudgetSensitivity } from './sensitivity';

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
    const refine = sensitivity !== null && 'targetBits' in budget;
    let plan = await getQuantizeSession().callModel(loaded, (api) =>
      api.planBudget(loaded.id, s.config, budget, loss, refine),
    );
    if (signal.aborted || !isBatch(batchId)) return;
    if (plan.refine && sensitivity) {
      const refined = await refinePlan(plan, sensitivity, signal, batchId).catch((e: unknown) => {
        // A layer the evaluator cannot write back: the solver's plan stands (its recipe then says no "refined").
        if (e instanceof Error && e.message.includes(UNMEASURABLE)) return undefined;
        throw e;
      });
      if (refined === null) return;
      if (refined) plan = { ...plan, ...refined };
    }
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
    setState({ budgetRefine: null });
    await getQuantizeSession().idle();
    if (isBatch(batchId)) finishBatch(ids);
  }
}

/**
 * Refine a plan made on measured losses end to end (src/core/mixed/refined.ts): whole assignments run in the evaluate
 * worker on the data the sensitivity was measured on, the one with the least loss kept. Cancelled with the batch
 * (its signal restarts the evaluate worker). null when cancelled or the data changed meanwhile.
 */
async function refinePlan(
  plan: BudgetPlanDto,
  m: BudgetSensitivity,
  signal: AbortSignal,
  batchId: number,
): Promise<ReturnType<typeof refinedFields> | null> {
  const s = getState();
  const loaded = selectLoaded(s)!;
  const samples = m.synthetic ? null : selectSamples(s);
  // The source name carries the calibration samples when they are fewer than a measurement's (sensitivitySource).
  if (!m.synthetic && sensitivitySource(s).name !== m.sourceName) {
    throw new StudioError(
      'SampleSetError',
      `the sensitivity was measured on ${m.sourceName}, not on the calibration samples loaded now (${sensitivitySource(s).name}): load them again or measure again`,
    );
  }
  const images = samples ? samples.info.kind === 'images' : true; // as the sensitivity run
  const preprocess = images ? (s.preprocess ?? defaultPreprocess(loaded.summary)).options : null;
  const input = plan.refine!;
  const float = {
    blob: loaded.file,
    label: loaded.fileName,
    externalData: loaded.sidecars.map((f) => ({ path: f.name, blob: f.blob })),
  };
  const r = await refineAssignment(
    input.options,
    input.limit,
    input.starts,
    (picks) =>
      getEvaluateSession().measureAssignments(
        samples,
        {
          float,
          config: s.config,
          source: m.synthetic ? 'synthetic' : 'samples',
          preprocess,
          range: m.synthetic ? undefined : selectSampleSplit(s)?.calibration,
          maxSamples: m.synthetic ? undefined : m.samples,
          assignments: picks.map((p) => chosenOf(input.tables, p)),
        },
        signal,
      ),
    {
      isCancelled: () => signal.aborted || !isBatch(batchId),
      onProgress: (done, cap) => setState({ budgetRefine: { done, cap } }),
    },
  );
  if (signal.aborted || !isBatch(batchId)) return null;
  return refinedFields(plan.config, input.tables, r);
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
