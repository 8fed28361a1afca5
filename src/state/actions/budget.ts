// Mixed precision from the studio: plan bits per layer for the user's budget in the worker, then quantize the
// assignment as one more variant (its config lists every layer, so it re-runs and downloads like any other).
import { calibrationBlocker } from './calibration';
import { getEvaluateSession, getQuantizeSession } from '../../bridge';
import { StudioError } from '../../core/errors';
import { proxy } from 'comlink';
import type { BudgetRefineRemote } from '../../protocol/dto';
import { selectSamples } from '../eval-selectors';
import { selectSampleSplit } from '../sample-split';
import { defaultPreprocess } from './evaluate-samples';
import type { UserBudget } from '../../core/mixed/run';
import type { MeasuredLoss } from '../../core/mixed/plan';
import type { IntBits, QuantConfig } from '../../core/quant/config';
import { measuredLossFromSensitivity } from '../../core/sensitivity/losses';
import type { BudgetPhase, BudgetSetting } from '../slices';
import { getState, setState } from '../store';
import { selectLoaded } from '../selectors';
import { isAbortLike, toUiError } from '../ui-error';
import { variantIdOf } from '../variant-key';
import { beginBatch, finishBatch, isBatch, runOne, type PlannedVariant } from './quantize';
import { measureBudgetOnSamples, sensitivityBlocker } from './sensitivity';
import {
  budgetMeasuresFirst,
  selectBudgetSensitivity,
  sensitivitySource,
  sourceText,
  type BudgetSensitivity,
} from './sensitivity-data';
import { askFirst, budgetPlanConfirm } from './sensitivity-plan';

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
 * Plan and quantize a mixed-precision variant for the current budget with the current global settings, as one
 * batch the user can cancel at any point (Cancel in the budget field or the Quantize bar): measure, plan, refine,
 * quantize. The loss each layer is predicted to add is, in this order: `measured` when given; measured sensitivity
 * on the loaded sample set — measured first, at every width the solver picks from, when it is not yet (as the CLI's
 * `--calibration`) —, or on whatever data every width was measured on (`selectBudgetSensitivity`); else the
 * weight-error proxy. With measured sensitivity the solver's answer is refined end to end on the same samples, for
 * both budget kinds, by the same core code as the CLI. The variant's config says which (`mixed.proxy`,
 * `mixed.measuredOn`, `mixed.refined`), and so does its id. A cancel adds no variant.
 *
 * A measurement first that is estimated to take longer than a minute (the Sensitivity panel's estimate) asks before
 * anything starts (`sensitivityConfirm` with purpose `plan`, answered by `confirmBudgetPlan`): go on
 * (`confirmed`), plan with the weight-error proxy instead (`proxy`), or not now.
 */
export async function quantizeToBudget(
  opts: { measured?: MeasuredLoss; confirmed?: boolean; proxy?: boolean } = {},
): Promise<void> {
  const { measured, confirmed = false, proxy: useProxy = false } = opts;
  const s = getState();
  const loaded = selectLoaded(s);
  const budget = userBudget(s.budget);
  if (!loaded || !budget || s.model.status === 'loading' || s.batch.status !== 'idle') return;
  if (calibrationBlocker(s) !== null) return; // the Quantize bar says why
  const measuresFirst = !measured && !useProxy && budgetMeasuresFirst(s);
  if (measuresFirst && !confirmed && s.sensitivityRun.status !== 'running' && !sensitivityBlocker(s)) {
    const ask = budgetPlanConfirm(s);
    if (ask) {
      setState({ budgetError: null });
      return askFirst(ask);
    }
  }
  if (s.sensitivityConfirm?.purpose === 'plan') setState({ sensitivityConfirm: null });
  const { batchId, signal } = beginBatch();
  setState({ batch: { status: 'running', batchId, variantIds: [] }, budgetError: null });
  const stopped = () => signal.aborted || !isBatch(batchId);
  const phase = (p: BudgetPhase) => {
    if (!stopped()) setState({ budgetPhase: p });
  };
  const ids: string[] = [];
  try {
    let sensitivity = measured || useProxy ? null : selectBudgetSensitivity(s);
    if (measuresFirst) {
      const blocked =
        s.sensitivityRun.status === 'running'
          ? 'Wait for the sensitivity measurement to finish (or cancel it).'
          : sensitivityBlocker(s);
      if (blocked) throw new StudioError('EvaluationError', blocked);
      phase({ phase: 'measuring' });
      sensitivity = await measureBudgetOnSamples(signal);
      if (stopped()) return;
      const run = getState().sensitivityRun;
      if (run.status === 'error') return setState({ budgetError: run.error });
      if (!sensitivity) return; // cancelled in the sensitivity panel: the plan stops with it
    }
    const loss = measured ?? (sensitivity ? budgetLoss(sensitivity) : undefined);
    const refine = sensitivity ? refineRemote(sensitivity, signal, (p) => phase(p)) : undefined;
    phase({ phase: 'planning' });
    const planId = `budget-plan-${batchId}`;
    const plan = await getQuantizeSession().cancellable(loaded, planId, signal, (api) =>
      api.planBudget(loaded.id, planId, s.config, budget, loss, refine && proxy(refine)),
    );
    if (stopped()) return;
    phase({ phase: 'quantizing' });
    const config = sensitivity ? withMeasuredOn(plan.config, sensitivity) : plan.config;
    const floor = plan.floor ?? 4;
    const p: PlannedVariant = {
      id: variantIdOf(config),
      bits: Math.min(8, Math.max(2, floor)) as IntBits, // the variant's colour: its narrowest width
      config,
      plan: {
        averageBits: plan.averageBits,
        floor: plan.floor,
        storedBytes: plan.storedBytes,
        ...(plan.refineSkipped ? { refineSkipped: plan.refineSkipped } : {}),
      },
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
    setState({ budgetPhase: null });
    await getQuantizeSession().idle();
    if (isBatch(batchId)) finishBatch(ids);
  }
}

/** The user's answer to a long measurement before a budget plan: measure and plan, plan on the proxy, or not now. */
export function confirmBudgetPlan(choice: 'measure' | 'proxy' | 'cancel'): Promise<void> {
  const c = getState().sensitivityConfirm;
  if (c?.purpose !== 'plan') return Promise.resolve();
  setState({ sensitivityConfirm: null });
  if (choice === 'cancel') return Promise.resolve();
  return quantizeToBudget(choice === 'proxy' ? { proxy: true } : { confirmed: true });
}

/**
 * What the quantize worker calls back to refine the plan end to end (src/core/mixed/refined.ts, the same code as the
 * CLI's): whole assignments run in the evaluate worker on the data the sensitivity was measured on. Aborting
 * `signal` restarts the evaluate worker and rejects the call in flight.
 */
function refineRemote(
  m: BudgetSensitivity,
  signal: AbortSignal,
  onPhase: (p: BudgetPhase) => void,
): BudgetRefineRemote {
  const s = getState();
  const loaded = selectLoaded(s)!;
  const samples = m.synthetic ? null : selectSamples(s);
  // Whole assignments run on the samples the per-layer losses came from: the first m.samples of the same set.
  const now = sensitivitySource(s);
  if (!m.synthetic && (now.name !== m.sourceName || now.samples !== m.samples)) {
    throw new StudioError(
      'SampleSetError',
      `the sensitivity was measured on the first ${m.samples} samples of ${m.sourceName}, not on the calibration samples chosen now (${sourceText(now)}): measure again`,
    );
  }
  const images = samples ? samples.info.kind === 'images' : true; // as the sensitivity run
  const preprocess = images ? (s.preprocess ?? defaultPreprocess(loaded.summary)).options : null;
  const float = {
    blob: loaded.file,
    label: loaded.fileName,
    externalData: loaded.sidecars.map((f) => ({ path: f.name, blob: f.blob })),
  };
  return {
    measure: (assignments) =>
      getEvaluateSession().measureAssignments(
        samples,
        {
          float,
          config: s.config,
          source: m.synthetic ? 'synthetic' : 'samples',
          preprocess,
          range: m.synthetic ? undefined : selectSampleSplit(s)?.calibration,
          maxSamples: m.synthetic ? undefined : m.samples,
          assignments,
        },
        signal,
      ),
    onProgress: (done, cap) => onPhase({ phase: 'refining', done, cap }),
  };
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
