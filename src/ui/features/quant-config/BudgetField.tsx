import { useShallow } from 'zustand/react/shallow';
import { selectLoaded, useAppStore, type AppState, type BudgetSetting } from '../../../state';
import { quantizeToBudget, setBudget, userBudget } from '../../../state/actions/budget';
import { calibrationBlocker } from '../../../state/actions/calibration';
import { cancelQuantize } from '../../../state/actions/quantize';
import {
  budgetMeasuresFirst,
  budgetWidthsToMeasure,
  selectBudgetSensitivity,
  sensitivitySource,
  sourceText,
} from '../../../state/actions/sensitivity-data';
import { BudgetProgress } from './BudgetProgress';
import { SensitivityConfirm } from '../sensitivity/SensitivityConfirm';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Segmented } from '../../components/Segmented';

const MODES: { value: BudgetSetting['mode']; label: string }[] = [
  { value: 'bits', label: 'Average bits' },
  { value: 'size', label: 'File size' },
];

const selectBudget = (s: AppState) => ({
  budget: s.budget,
  error: s.budgetError,
  busy: s.batch.status !== 'idle',
  ready: selectLoaded(s) !== null && s.model.status !== 'loading' && calibrationBlocker(s) === null,
  measuredOn: budgetSource(s),
  measuresFirst: measureFirstText(s),
});

/** With a sample set whose measurement is incomplete: what the plan measures first, else null. */
const measureFirstText = (s: AppState): string | null =>
  budgetMeasuresFirst(s)
    ? `${budgetWidthsToMeasure(s).join(', ')} bits on ${sourceText(sensitivitySource(s))} (the calibration count)`
    : null;

/** "128 samples of digits.npz" when measured sensitivity covers every width the solver picks, else null. */
const budgetSource = (s: AppState): string | null => {
  const m = selectBudgetSensitivity(s);
  return m
    ? `${m.samples} ${m.synthetic ? 'synthetic samples (made-up inputs)' : `samples of ${m.sourceName}`}`
    : null;
};

/** Mixed precision: a budget, and a button that makes the best variant under it (bits chosen per layer). */
function BudgetField() {
  const { budget, error, busy, ready, measuredOn, measuresFirst } = useAppStore(useShallow(selectBudget));
  const valid = userBudget(budget) !== null;
  const bits = budget.mode === 'bits';
  const measured = measuresFirst ?? measuredOn;
  return (
    <fieldset className="field" disabled={busy} data-testid="budget">
      <legend>Mixed precision under a budget</legend>
      <Segmented
        label="Budget kind"
        value={budget.mode}
        options={MODES}
        onChange={(mode) => setBudget({ mode })}
      />
      <div className="row">
        <label className="inline-select">
          <input
            type="number"
            aria-label={bits ? 'Average bits per weight' : 'File size in MB'}
            min={bits ? 2 : 0.001}
            max={bits ? 32 : undefined}
            step={bits ? 0.1 : 0.01}
            value={bits ? budget.bits : budget.megabytes}
            onChange={(e) => {
              const v = e.currentTarget.valueAsNumber;
              setBudget(bits ? { bits: v } : { megabytes: v });
            }}
          />
          <span className="muted small">{bits ? 'bits / weight' : 'MB (10⁶ bytes)'}</span>
        </label>
        <button
          type="button"
          className="btn"
          disabled={!ready || !valid}
          data-loss={measured ? 'measured' : 'weight-error'}
          title={
            measuresFirst
              ? `Measures each layer alone at ${measuresFirst} first, then plans and refines on them`
              : measuredOn
                ? `Predicted loss per layer: measured sensitivity on ${measuredOn}`
                : 'Predicted loss per layer: weight-error proxy (load a sample set to measure on your data first)'
          }
          onClick={() => void quantizeToBudget()}
        >
          Quantize to budget
        </button>
      </div>
      <p className="muted small">
        {bits
          ? 'Bits the levels carry, averaged over the quantized weights (uniform 4-bit = 4).'
          : 'Size of the exported file.'}{' '}
        Each layer gets 2–8 bits or stays float, by predicted loss:{' '}
        <span data-testid="budget-loss">
          {measured
            ? `${measuresFirst ? `measured sensitivity — measured first: each layer alone at ${measuresFirst}` : `measured sensitivity on ${measuredOn} (each layer alone at every width)`}; layers may trade bits freely; then up to 12 whole assignments (uniform included) are run on the same samples and the one closest to float kept.`
            : 'weight error (no data used), never below the widest uniform width that fits. With a sample set loaded, the plan measures each layer on it first and refines (as the CLI’s --calibration).'}
        </span>{' '}
        The result is a variant; its recipe lists every layer.
      </p>
      {!valid && <p className="small error-inline">Enter a budget above 0{bits ? ' and up to 32' : ''}.</p>}
      {error && <ErrorNotice error={error} context="No assignment for this budget" testId="budget-error" />}
    </fieldset>
  );
}

/** The budget field, and below it (outside the fieldset disabled while busy) the plan's progress and Cancel. */
export function BudgetSection() {
  return (
    <>
      <BudgetField />
      <SensitivityConfirm purpose="plan" />
      <BudgetProgress onCancel={() => void cancelQuantize()} />
    </>
  );
}
