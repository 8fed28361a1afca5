// Per-sample top-1 predictions kept after an evaluation, and the "flips" (samples whose class changed) built from them.
import { argmax, softmax, type OutputKind } from '../metrics/classification';
import type { FlipDto, FlipsResult, EvalMode } from './results';

/** Top-1 class and its probability per sample (−1 / NaN for rows with a NaN). */
export interface Predictions {
  pred: Int32Array;
  prob: Float32Array;
}

export interface VariantPredictions extends Predictions {
  /** The variant's probability of the class the float model chose. */
  probOfFloatPred: Float32Array;
}

/** Probabilities of one output row: softmax of logits, exp of log-probabilities, probabilities as they are. */
export function toProbabilities(row: ArrayLike<number>, kind: OutputKind): Float64Array {
  if (kind === 'logits') return softmax(row);
  if (kind === 'log-probabilities') return Float64Array.from(row, Math.exp);
  return Float64Array.from(row);
}

/** Probability of class `index` in `row` (NaN for index −1), without allocating for probability outputs. */
export function probabilityOf(row: ArrayLike<number>, index: number, kind: OutputKind): number {
  if (index < 0) return NaN;
  if (kind === 'probabilities') return row[index];
  if (kind === 'log-probabilities') return Math.exp(row[index]);
  return toProbabilities(row, kind)[index];
}

export const createPredictions = (count: number): Predictions => ({
  pred: new Int32Array(count).fill(-1),
  prob: new Float32Array(count).fill(NaN),
});

export const createVariantPredictions = (count: number): VariantPredictions => ({
  ...createPredictions(count),
  probOfFloatPred: new Float32Array(count).fill(NaN),
});

/** Record sample `i`'s row; `floatPred` (variants only) is the float model's class for that sample. */
export function recordPrediction(
  p: Predictions | VariantPredictions,
  i: number,
  row: ArrayLike<number>,
  kind: OutputKind,
  floatPred?: number,
): number {
  const pred = argmax(row);
  p.pred[i] = pred;
  if (pred >= 0) {
    const probs = toProbabilities(row, kind);
    p.prob[i] = probs[pred];
    if ('probOfFloatPred' in p && floatPred !== undefined && floatPred >= 0)
      p.probOfFloatPred[i] = probs[floatPred];
  }
  return pred;
}

export interface FlipCounts {
  total: number;
  broken: number | null;
  fixed: number | null;
}

export function countFlips(float: Int32Array, variant: Int32Array, labels: Int32Array | null): FlipCounts {
  let total = 0;
  let broken = 0;
  let fixed = 0;
  for (let i = 0; i < variant.length; i++) {
    if (variant[i] === float[i]) continue;
    total++;
    if (labels) {
      if (float[i] === labels[i]) broken++;
      else if (variant[i] === labels[i]) fixed++;
    }
  }
  return { total, broken: labels ? broken : null, fixed: labels ? fixed : null };
}

export interface FlipSource {
  variantId: string;
  mode: EvalMode;
  float: Predictions;
  variant: VariantPredictions;
  labels: Int32Array | null;
  classes: string[] | null;
  nameOf: (index: number) => string;
  /** Feature values to show for a sample (CSV rows), or null. */
  featuresOf?: (index: number) => { column: string; value: string }[] | null;
}

/** Flips, broken ones first (float right → variant wrong), each group in sample order, cut at `limit`. */
export function selectFlips(src: FlipSource, limit: number): FlipsResult {
  const { float, variant, labels } = src;
  const first: number[] = [];
  const rest: number[] = [];
  for (let i = 0; i < variant.pred.length; i++) {
    if (variant.pred[i] === float.pred[i]) continue;
    (labels && float.pred[i] === labels[i] ? first : rest).push(i);
  }
  const counts = countFlips(float.pred, variant.pred, labels);
  const take = [...first, ...rest].slice(0, Math.max(0, limit));
  const flips: FlipDto[] = take.map((i) => {
    const label = labels ? labels[i] : null;
    return {
      index: i,
      name: src.nameOf(i),
      label,
      labelName: label !== null && src.classes ? (src.classes[label] ?? null) : null,
      floatPrediction: float.pred[i],
      floatProbability: float.prob[i],
      variantPrediction: variant.pred[i],
      variantProbability: variant.prob[i],
      variantProbabilityOfFloatClass: variant.probOfFloatPred[i],
      features: src.featuresOf?.(i) ?? null,
    };
  });
  return { variantId: src.variantId, mode: src.mode, ...counts, flips };
}
