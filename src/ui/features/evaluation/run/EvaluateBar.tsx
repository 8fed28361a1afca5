import { useShallow } from 'zustand/react/shallow';
import type { EvalModeRequest, EvalProgress } from '../../../../protocol/eval-dto';
import { EVAL_MODE_HINTS, EVAL_MODE_LABELS } from '../eval-modes';
import {
  selectEvalBusy,
  selectResultVariants,
  useAppStore,
  type AppState,
  variantShortLabel,
} from '../../../../state';
import {
  cancelEvaluation,
  dismissEvalError,
  evaluateAll,
  evaluateBlocker,
  setEvalMode,
} from '../../../../state/actions/evaluate-run';
import { ErrorNotice } from '../../../components/ErrorNotice';
import { ProgressBar } from '../../../components/ProgressBar';
import { Segmented } from '../../../components/Segmented';
import { formatCount } from '../../../format';
import { SplitField } from './SplitField';

const MODES = [
  { value: 'exact', label: EVAL_MODE_LABELS.exact },
  { value: 'deployed', label: EVAL_MODE_LABELS.deployed },
  { value: 'both', label: 'both' },
] as const satisfies readonly { value: EvalModeRequest; label: string }[];

const selectBar = (s: AppState) => ({
  mode: s.evalMode,
  status: s.evalRun.status,
  blocker: evaluateBlocker(s),
  busy: selectEvalBusy(s),
  variants: selectResultVariants(s).length,
  resultRun: s.evalResult?.runId ?? 0,
});

function progressText(p: EvalProgress, who: string): string {
  if (p.phase === 'latency') {
    return `Timing every model in turn: ${formatCount(p.done)} / ${formatCount(p.total)} runs · step ${p.step} of ${p.steps}`;
  }
  const mode = p.phase === 'float' ? '' : ` · ${EVAL_MODE_LABELS[p.mode]}`;
  return `${who}${mode}: ${formatCount(p.done)} / ${formatCount(p.total)} samples · step ${p.step} of ${p.steps}`;
}

function Progress() {
  const run = useAppStore((s) => s.evalRun);
  const p = run.status === 'running' ? run.progress : null;
  const variant = useAppStore((s) => (p?.variantId ? s.variants[p.variantId] : undefined));
  if (run.status === 'preparing' || run.status === 'cancelling') {
    const text = run.status === 'preparing' ? run.step : 'Stopping…';
    return (
      <div className="eval-progress" aria-live="polite">
        <ProgressBar value={null} label={text} testId="eval-progress" />
        <p className="muted small">{text}</p>
      </div>
    );
  }
  if (run.status !== 'running') return null;
  const fraction = p ? (p.step - 1 + (p.total > 0 ? p.done / p.total : 1)) / p.steps : 0;
  const who = !p || p.variantId === null ? 'float model' : variant ? variantShortLabel(variant) : p.variantId;
  return (
    <div className="eval-progress" aria-live="polite">
      <ProgressBar value={fraction} label="Evaluation progress" testId="eval-progress" />
      <p className="muted small">{p ? progressText(p, who) : 'Starting onnxruntime…'}</p>
    </div>
  );
}

/** Mode, Evaluate / Cancel, progress and the run's error. */
export function EvaluateBar() {
  const bar = useAppStore(useShallow(selectBar));
  const error = useAppStore((s) => (s.evalRun.status === 'error' ? s.evalRun.error : null));
  const count = bar.variants;
  return (
    <div className="eval-bar" data-testid="eval-run" data-status={bar.status} data-result={bar.resultRun}>
      <div className="eval-bar-row">
        <div className="eval-mode">
          <span className="field-label" title={`${EVAL_MODE_HINTS.exact}\n\n${EVAL_MODE_HINTS.deployed}`}>
            Run variants
          </span>
          <Segmented
            label="Evaluation mode"
            value={bar.mode}
            options={MODES}
            onChange={setEvalMode}
            testId="eval-mode"
          />
        </div>
        <div className="row">
          <button
            type="button"
            className="btn btn-primary"
            data-testid="evaluate-button"
            disabled={bar.busy || bar.blocker !== null}
            title={bar.blocker ?? undefined}
            onClick={() => void evaluateAll()}
          >
            Evaluate float{count > 0 ? ` + ${count} variant${count > 1 ? 's' : ''}` : ' model'}
          </button>
          {bar.busy && (
            <button
              type="button"
              className="btn"
              disabled={bar.status === 'cancelling'}
              onClick={cancelEvaluation}
            >
              {bar.status === 'cancelling' ? 'Cancelling…' : 'Cancel'}
            </button>
          )}
        </div>
      </div>
      <p className="muted small eval-mode-hint">
        {bar.mode === 'deployed' ? EVAL_MODE_HINTS.deployed : EVAL_MODE_HINTS.exact}
        {bar.mode === 'both' && ' Both modes run each variant twice and show where they differ.'}
      </p>
      <SplitField />
      {bar.blocker && !bar.busy && <p className="muted small">{bar.blocker}</p>}
      <Progress />
      {error && (
        <ErrorNotice error={error} context="Evaluation failed" testId="eval-error">
          <p className="small">Earlier results are kept.</p>
          <button type="button" className="btn btn-small btn-ghost" onClick={dismissEvalError}>
            Dismiss
          </button>
        </ErrorNotice>
      )}
    </div>
  );
}
