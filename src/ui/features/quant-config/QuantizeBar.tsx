import { useShallow } from 'zustand/react/shallow';
import {
  bitsLabel,
  mixedLabel,
  selectLoaded,
  selectNothingToQuantize,
  useAppStore,
  type AppState,
} from '../../../state';
import { cancelQuantize, quantizeSelected } from '../../../state/actions/quantize';
import { calibrationBlocker } from '../../../state/actions/calibration';
import { ProgressBar } from '../../components/ProgressBar';
import { budgetPhaseText } from './BudgetProgress';

const selectBar = (s: AppState) => {
  const b = s.batch;
  const ids = b.status === 'idle' ? [] : b.variantIds;
  let done = 0;
  let current: {
    label: string;
    fraction: number;
    tensor: string | null;
    step: string | null;
  } | null = null;
  for (const id of ids) {
    const v = s.variants[id];
    const r = v?.run;
    if (!v || !r) continue;
    if (r.status === 'running') {
      current = {
        label: mixedLabel(v.config) ?? bitsLabel(v.bits),
        fraction: r.progress,
        tensor: r.stage && 'tensor' in r.stage ? (r.stage.tensor ?? null) : null,
        step:
          r.stage?.status === 'quantizing' && r.stage.step !== undefined
            ? `AdaRound step ${r.stage.step}/${r.stage.steps}`
            : null,
      };
      done += r.progress;
    } else if (r.status === 'done' || r.status === 'error') done += 1;
  }
  const nothing = selectNothingToQuantize(s);
  const blocker = b.status === 'idle' ? calibrationBlocker(s) : null;
  const capture = b.status === 'running' ? (b.capture ?? null) : null;
  return {
    canRun:
      selectLoaded(s) !== null &&
      s.model.status !== 'loading' &&
      s.chosenBits.length > 0 &&
      nothing === null &&
      blocker === null,
    blocker,
    captureDone: capture?.done ?? null,
    captureTotal: capture?.total ?? 0,
    nothing,
    status: b.status,
    total: ids.length,
    fraction: ids.length ? done / ids.length : 0,
    label: current?.label ?? null,
    currentFraction: current?.fraction ?? 0,
    tensor: current?.tensor ?? null,
    step: current?.step ?? null,
    nothingChosen: s.chosenBits.length === 0,
    budgetText: budgetPhaseText(s),
  };
};

/** Quantize / Cancel, with the batch's progress. */
export function QuantizeBar() {
  const bar = useAppStore(useShallow(selectBar));
  const running = bar.status !== 'idle';
  return (
    <div className="quantize-bar" data-testid="quantize-batch" data-status={bar.status}>
      <div className="row">
        <button
          type="button"
          className="btn btn-primary btn-wide"
          disabled={!bar.canRun || running}
          title={bar.nothing ? `Nothing to quantize: ${bar.nothing}` : undefined}
          onClick={() => void quantizeSelected()}
        >
          Quantize
        </button>
        {running && (
          <button
            type="button"
            className="btn"
            disabled={bar.status === 'cancelling'}
            onClick={() => void cancelQuantize()}
          >
            {bar.status === 'cancelling' ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
      </div>
      {bar.nothingChosen && <p className="muted small">Check at least one bit width.</p>}
      {bar.blocker && !bar.nothing && (
        <p className="note small" role="status" data-testid="quantize-blocker">
          {bar.blocker}
        </p>
      )}
      {bar.nothing && (
        <p className="note small" role="status" data-testid="nothing-to-quantize">
          Nothing to quantize: {bar.nothing}.
        </p>
      )}
      {running && (
        <div className="batch-progress" aria-live="polite">
          <ProgressBar value={bar.fraction} label="Quantization progress" testId="quantize-progress" />
          <p className="muted small" data-testid="quantize-stage">
            {bar.status === 'cancelling'
              ? 'Stopping…'
              : bar.captureDone !== null
                ? `Calibration: ${bar.captureDone}/${bar.captureTotal} samples through the float model`
                : bar.label
                  ? `${bar.label}: ${Math.round(bar.currentFraction * 100)}%${bar.tensor ? ` · ${bar.tensor}` : ''}${bar.step ? ` · ${bar.step}` : ''}`
                  : bar.total === 0
                    ? `Budget plan: ${bar.budgetText ?? 'starting…'}`
                    : 'Starting…'}
          </p>
        </div>
      )}
    </div>
  );
}
