import { formatDb } from '../format';

/**
 * The one SQNR the studio shows for a variant, named the same everywhere: the whole model's weight SQNR. Per-layer
 * figures use the same formula over one layer's weights.
 */
export const WEIGHT_SQNR_DEFINITION =
  'Weight SQNR = 10·log10(Σ w² / Σ (w − ŵ)²) over every quantized weight of the model (w float, ŵ dequantized); ' +
  "per layer, the same over that layer's weights. It measures weight rounding, not accuracy: see Evaluate.";

/** The term, with its definition as a tooltip. */
export function WeightSqnrTerm({ children = 'Weight SQNR' }: { children?: string }) {
  return (
    <abbr className="term" title={WEIGHT_SQNR_DEFINITION} data-testid="sqnr-term">
      {children}
    </abbr>
  );
}

/** A variant's whole-model weight SQNR, with the definition on hover. */
export function WeightSqnrValue({ db, testId }: { db: number; testId?: string }) {
  return (
    <span title={WEIGHT_SQNR_DEFINITION} data-testid={testId} data-value={Number.isFinite(db) ? db : ''}>
      {formatDb(db)}
    </span>
  );
}
