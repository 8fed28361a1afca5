import { selectSampleSplit } from '../../../state/sample-split';
import { setCalibrationCount } from '../../../state/actions/calibration';
import { useShallow } from 'zustand/react/shallow';
import { INT_BITS, type IntBits } from '../../../core/quant/config';
import type { SensitivityProgress } from '../../../protocol/eval-dto';
import { useAppStore, type AppState } from '../../../state';
import { MIXED_WIDTHS } from '../../../core/mixed/candidates';
import {
  cancelSensitivity,
  dismissSensitivityError,
  measureForBudget,
  runSensitivity,
  sensitivityBlocker,
  setSensitivityBits,
} from '../../../state/actions/sensitivity';
import {
  budgetWidthsToMeasure,
  selectBudgetSensitivity,
  sensitivitySource,
} from '../../../state/actions/sensitivity-data';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Panel } from '../../components/Panel';
import { ProgressBar } from '../../components/ProgressBar';
import { SensitivityChart } from './SensitivityChart';
import { SensitivityConfirm } from './SensitivityConfirm';
import { SensitivityTable } from './SensitivityTable';
import { spearmanText } from './sensitivity-traces';

const selectBar = (s: AppState) => ({
  bits: s.sensitivityBits,
  status: s.sensitivityRun.status,
  blocker: sensitivityBlocker(s),
  source: sensitivitySource(s).kind,
  sourceName: sensitivitySource(s).name,
  // The calibration part of the split: measurements feed the budget and keep-float choices, so they calibrate.
  measureCount: sensitivitySource(s).samples,
  calibrationCount: s.calibrationCount,
  heldOut: selectSampleSplit(s)?.heldOut ?? false,
  granularity: s.config.granularity,
  scheme: s.config.scheme,
  toMeasure: budgetWidthsToMeasure(s).join(','),
});

/** What "Quantize to budget" will use, as one line (a string: cheap to compare in the store subscription). */
const selectBudgetLine = (s: AppState): string => {
  const m = selectBudgetSensitivity(s);
  return m
    ? `“Quantize to budget” predicts each layer’s loss from these measurements (${MIXED_WIDTHS.join(', ')} bits on ${m.samples} ${m.synthetic ? 'synthetic samples' : `samples of ${m.sourceName}`}).`
    : `“Quantize to budget” uses the weight-error proxy until every width it picks from (${MIXED_WIDTHS.join(', ')} bits) is measured with these settings.`;
};

type Sweep = { bits: number; index: number; count: number } | null;

function progressText(p: SensitivityProgress | null, sweep: Sweep): string {
  const width = sweep ? `${sweep.bits}-bit (width ${sweep.index + 1} of ${sweep.count}) · ` : '';
  if (!p) return `${width}starting onnxruntime…`;
  const who = p.layer === null ? 'float model' : `layer ${p.done} of ${p.total}: ${p.layer}`;
  return `${width}${who} · ${p.sample} / ${p.samples} samples`;
}

function RunBar() {
  const bar = useAppStore(useShallow(selectBar));
  const run = useAppStore((s) => s.sensitivityRun);
  const budgetLine = useAppStore(selectBudgetLine);
  const measured = useAppStore((s) => selectBudgetSensitivity(s) !== null);
  const running = run.status === 'running';
  const p = running ? run.progress : null;
  const sweep = running ? run.sweep : null;
  const inner = p ? (p.done + (p.samples ? p.sample / p.samples : 1)) / (p.total + 1) : 0;
  const fraction = sweep ? (sweep.index + inner) / sweep.count : inner;
  const toMeasure = bar.toMeasure ? bar.toMeasure.split(',') : [];
  return (
    <div className="eval-bar" data-testid="sensitivity-run" data-status={bar.status}>
      <div className="eval-bar-row">
        <label className="field-label">
          Measure at{' '}
          <select
            className="select-small"
            aria-label="Bit width to measure at"
            value={bar.bits}
            disabled={running}
            onChange={(e) => setSensitivityBits(Number(e.currentTarget.value) as IntBits)}
          >
            {INT_BITS.map((b) => (
              <option key={b} value={b}>
                {b}-bit
              </option>
            ))}
          </select>
        </label>
        <span className="muted small">
          {bar.scheme}, per-{bar.granularity} (per-layer settings and equalization as configured) · on{' '}
          <span
            data-testid="sensitivity-next-source"
            data-source={bar.source}
            data-samples={bar.measureCount}
          >
            {bar.source === 'samples'
              ? `the first ${bar.measureCount} samples of ${bar.sourceName} (calibration samples${bar.heldOut ? ', held out of evaluation' : ''})`
              : `the synthetic probe (${bar.measureCount} made-up inputs: drop a sample set above for your data)`}
          </span>
        </span>
        {bar.source === 'samples' && (
          <label
            className="inline-select"
            title="The calibration count: the first N samples of the set calibrate GPTQ / AdaRound / bias correction and are what sensitivity, the budget’s measurement and its refinement run on (evaluation holds them out)"
          >
            <span className="muted small">calibration count N =</span>
            <input
              type="number"
              aria-label="Samples to measure on (calibration count)"
              min={1}
              step={1}
              value={bar.calibrationCount}
              disabled={running}
              onChange={(e) => setCalibrationCount(Number(e.currentTarget.value))}
            />
          </label>
        )}
        {running ? (
          <button type="button" className="btn" data-testid="sensitivity-cancel" onClick={cancelSensitivity}>
            Cancel
          </button>
        ) : (
          <button
            type="button"
            className="btn btn-primary"
            data-testid="sensitivity-button"
            disabled={bar.blocker !== null}
            title={bar.blocker ?? undefined}
            onClick={() => void runSensitivity()}
          >
            Measure sensitivity
          </button>
        )}
        {!running && (
          <button
            type="button"
            className="btn"
            data-testid="sensitivity-budget-button"
            disabled={bar.blocker !== null || toMeasure.length === 0}
            title={
              bar.blocker ??
              (toMeasure.length
                ? `Measures at ${toMeasure.join(', ')} bits, so that “Quantize to budget” uses measured loss`
                : 'Every width is measured on this data with these settings')
            }
            onClick={() => void measureForBudget()}
          >
            {toMeasure.length
              ? `Measure for the budget (${toMeasure.length} widths)`
              : 'Measured for the budget ✓'}
          </button>
        )}
      </div>
      <SensitivityConfirm purpose="panel" />
      {running && (
        <div className="eval-progress" aria-live="polite">
          <ProgressBar value={fraction} label="Sensitivity progress" testId="sensitivity-progress" />
          <p className="muted small">{progressText(p, sweep)}</p>
        </div>
      )}
      <p className="muted small" data-testid="sensitivity-budget" data-measured={String(measured)}>
        {budgetLine}
      </p>
      {run.status === 'error' && (
        <ErrorNotice error={run.error} context="Sensitivity failed" testId="sensitivity-error">
          <button type="button" className="btn" onClick={dismissSensitivityError}>
            Dismiss
          </button>
        </ErrorNotice>
      )}
    </div>
  );
}

function Result() {
  const result = useAppStore((s) => s.sensitivityResult);
  if (!result) return null;
  const r = result.report;
  const bits = r.spec.bits === 'fp16' ? 'fp16' : `${r.spec.bits}-bit`;
  return (
    <div data-testid="sensitivity-result" data-run={result.runId} data-synthetic={String(r.synthetic)}>
      <p className={r.synthetic ? 'warn small' : 'small'} data-testid="sensitivity-source">
        {r.synthetic
          ? `Synthetic probe: ${r.sampleCount} made-up inputs from the input shapes, not your data.`
          : `On your samples: ${r.sampleCount} of ${result.samplesName}.`}{' '}
        Each layer alone at {bits} {r.spec.scheme} per-{r.spec.granularity}, every other layer float;{' '}
        {r.metric === 'kl'
          ? 'ranked by the KL divergence of its outputs (softmax of the class scores) from the float model’s.'
          : 'no class-score output: ranked by the worst output’s SQNR.'}
      </p>
      <SensitivityChart report={r} />
      <p className="small" data-testid="sensitivity-spearman" data-rho={r.spearman ?? ''}>
        {spearmanText(r)}
      </p>
      <SensitivityTable report={r} />
      {r.notes.length > 0 && (
        <ul className="muted small" data-testid="sensitivity-notes">
          {r.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      {r.skipped.length > 0 && (
        <p className="muted small">
          Not measured: {r.skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}
        </p>
      )}
    </div>
  );
}

/** Which layer breaks the model: each layer quantized alone, measured on samples, ranked; act from the ranking. */
export function SensitivityPanel() {
  return (
    <Panel
      title="Which layer breaks it? Measured sensitivity"
      subtitle="Quantizes one layer at a time (all others float) and runs each such model on samples with onnxruntime-web, beside the data-free weight-SQNR proxy."
      id="sensitivity"
      testId="sensitivity"
    >
      <RunBar />
      <Result />
    </Panel>
  );
}
