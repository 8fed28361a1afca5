import { mixedBudgetText, mixedLossText, useAppStore, resultOf, variantLabel } from '../../../state';
import { removeVariant } from '../../../state/actions/quantize';
import { CloseIcon } from '../../components/icons';
import { ErrorNotice } from '../../components/ErrorNotice';
import { ProgressBar } from '../../components/ProgressBar';
import { useVariantColor } from '../../components/variant-colors';
import { WeightSqnrValue } from '../../components/WeightSqnr';
import { formatBytes } from '../../format';
import { VariantRecipe } from './VariantRecipe';
import { roundingSummary } from './rounding-summary';

/** A mixed variant's tooltip: what predicted each layer's loss when its bits were chosen. */
const lossTitle = (c: Parameters<typeof mixedLossText>[0]): string | undefined => {
  const text = mixedLossText(c);
  return text ? `Bits per layer chosen by predicted loss: ${text}` : undefined;
};

/** One variant's status in the sidebar; subscribes to this variant only. */
export function VariantRow({ id }: { id: string }) {
  const v = useAppStore((s) => s.variants[id]);
  const color = useVariantColor(id);
  if (!v) return null;
  const run = v.run;
  const result = resultOf(v);
  const label = variantLabel(v);
  // GPTQ / AdaRound / bias correction: which samples the run calibrated on (its first note, from the worker).
  const calibration = result?.notes.find((n) => n.startsWith('calibration: '));
  const rounding = result ? roundingSummary(result.layers) : null;
  return (
    <li
      className="variant-row"
      data-testid={`variant-${id}`}
      data-status={run.status}
      data-bits={String(v.bits)}
      data-file-bytes={result?.fileBytesAfter}
    >
      <span className="dot" style={{ background: color }} data-color={color} aria-hidden="true" />
      <div className="variant-main">
        <div className="variant-line">
          <span className="variant-name" title={lossTitle(v.config)}>
            {label}
          </span>
          <span className="variant-state">
            {run.status === 'idle' && 'queued'}
            {run.status === 'running' && `${Math.round(run.progress * 100)}%`}
            {run.status === 'done' && (
              <>
                {formatBytes(run.summary.fileBytesAfter)} ·{' '}
                <WeightSqnrValue db={run.summary.overallSqnrDb} testId={`variant-list-sqnr-${id}`} />
              </>
            )}
            {run.status === 'error' && 'failed'}
          </span>
        </div>
        {v.config.mixed && (
          <p className="muted small" data-testid={`variant-budget-${id}`}>
            Budget {mixedBudgetText(v.config)} ·{' '}
            <span data-testid={`variant-loss-${id}`} data-proxy={v.config.mixed.proxy}>
              {mixedLossText(v.config, v.plan?.refineSkipped)}
            </span>
          </p>
        )}
        <VariantRecipe v={v} />
        {calibration && (
          <p className="muted small" title={calibration} data-testid={`variant-calibration-${id}`}>
            Calibrated on {calibration.slice('calibration: '.length).split(' (')[0]}
          </p>
        )}
        {rounding && (
          <p
            className="muted small"
            title={rounding.details.join('\n')}
            data-testid={`variant-rounding-${id}`}
          >
            {rounding.text}
          </p>
        )}
        {run.status === 'running' && <ProgressBar value={run.progress} label={`Quantizing ${label}`} />}
        {run.status === 'error' && (
          <ErrorNotice error={run.error} context="Quantization failed" testId={`variant-error-${id}`}>
            {result && <p className="small">The previous result of this variant is kept.</p>}
          </ErrorNotice>
        )}
      </div>
      <button
        type="button"
        className="icon-btn"
        aria-label={`Remove ${label}`}
        title="Remove this variant"
        disabled={run.status === 'running'}
        onClick={() => removeVariant(id)}
      >
        <CloseIcon />
      </button>
    </li>
  );
}
