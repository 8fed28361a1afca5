import { useShallow } from 'zustand/react/shallow';
import { EVAL_MODE_LABELS } from '../eval-modes';
import { selectVariantAccuracy, useAppStore } from '../../../../state';
import { formatCount } from '../../../format';
import { deltaClass, deltaPt, pct } from '../eval-format';

/** The variants table's accuracy cell: top-1 and its change vs float (agreement without labels). */
export function AccuracyCell({ variantId }: { variantId: string }) {
  const acc = useAppStore(useShallow(selectVariantAccuracy(variantId)));
  if (!acc) {
    return (
      <td
        className="num muted"
        data-testid={`variant-accuracy-${variantId}`}
        title="Evaluate on a sample set to fill this in"
      >
        –
      </td>
    );
  }
  const title = [
    `${acc.top1 !== null ? `top-1 ${pct(acc.top1)}` : 'no labels'}, agreement with float ${pct(acc.agreement)}`,
    `${EVAL_MODE_LABELS[acc.mode]}, ${formatCount(acc.samples)} samples of ${acc.samplesName}`,
    acc.otherTop1 !== null
      ? `${acc.mode === 'exact' ? EVAL_MODE_LABELS.deployed : EVAL_MODE_LABELS.exact}: ${pct(acc.otherTop1)}`
      : '',
  ]
    .filter(Boolean)
    .join('\n');
  return (
    <td
      className="num acc-cell"
      data-testid={`variant-accuracy-${variantId}`}
      data-value={acc.top1 ?? ''}
      data-agreement={acc.agreement}
      title={title}
    >
      {acc.top1 !== null ? (
        <>
          <span className="strong">{pct(acc.top1)}</span>
          <span className={`acc-delta ${deltaClass(acc.delta)}`}>{deltaPt(acc.delta)}</span>
        </>
      ) : (
        <>
          <span className="strong">{pct(acc.agreement)}</span>
          <span className="acc-delta muted">agreement</span>
        </>
      )}
    </td>
  );
}
