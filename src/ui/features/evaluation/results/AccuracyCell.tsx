import { useShallow } from 'zustand/react/shallow';
import { EVAL_MODE_LABELS } from '../eval-modes';
import { selectVariantAccuracy, useAppStore } from '../../../../state';
import { formatCount, formatDb } from '../../../format';
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
    acc.agreement === null && acc.outputSqnrDb !== null
      ? `no class scores: output ${acc.outputName} SQNR ${formatDb(acc.outputSqnrDb)} vs float (worst output)`
      : `${acc.top1 !== null ? `top-1 ${pct(acc.top1)}` : 'no labels'}, agreement with float ${pct(acc.agreement)}`,
    `${EVAL_MODE_LABELS[acc.mode]}, ${formatCount(acc.samples)} samples of ${acc.samplesName}`,
    acc.samplesLabel,
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
      ) : acc.agreement === null && acc.outputSqnrDb !== null ? (
        // No class scores (maps, embeddings): the worst output's SQNR vs float is the quality number.
        <span data-testid="variant-output-sqnr" data-value={acc.outputSqnrDb}>
          <span className="strong">{formatDb(acc.outputSqnrDb)}</span>
          <span className="acc-delta muted">{acc.outputName} SQNR</span>
        </span>
      ) : (
        <>
          <span className="strong">{pct(acc.agreement)}</span>
          <span className="acc-delta muted">agreement</span>
        </>
      )}
    </td>
  );
}
