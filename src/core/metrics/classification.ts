// Classification metrics that accumulate one output row at a time (samples stream through the evaluator):
// accuracy (top-1/top-k, per class, confusion matrix) and fidelity of a variant vs the float model.
import { StudioError } from '../errors';

export type OutputKind = 'logits' | 'probabilities' | 'log-probabilities';

/** A row is a distribution when it sums to 1 within this (float32 softmax over 1000 classes is ~1e-6 off). */
export const PROB_SUM_TOLERANCE = 1e-3;
/**
 * KL for 'probabilities' outputs: log(max(p, KL_EPSILON)), so a variant that rounds a class to exactly 0
 * gives a large but finite term. Logits and log-probabilities use an exact log-softmax and need no epsilon.
 */
export const KL_EPSILON = 1e-7;

/** The kind one row looks like; logits when it is neither kind of distribution. */
export function rowKind(row: ArrayLike<number>): OutputKind {
  let sum = 0;
  let expSum = 0;
  let nonNegative = true;
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (!(v >= 0)) nonNegative = false;
    sum += v;
    expSum += Math.exp(v);
  }
  if (nonNegative && Math.abs(sum - 1) <= PROB_SUM_TOLERANCE) return 'probabilities';
  if (Math.abs(expSum - 1) <= PROB_SUM_TOLERANCE) return 'log-probabilities';
  return 'logits';
}

/** Streams rows; the kind holds only if every row has it (one logits row makes the output logits). */
export function createOutputKindDetector() {
  let prob = true;
  let logProb = true;
  let rows = 0;
  return {
    add(row: ArrayLike<number>): void {
      const k = rowKind(row);
      rows++;
      if (k !== 'probabilities') prob = false;
      if (k !== 'log-probabilities') logProb = false;
    },
    result(): OutputKind {
      if (rows === 0) return 'logits';
      return prob ? 'probabilities' : logProb ? 'log-probabilities' : 'logits';
    },
  };
}

export function detectOutputKind(rows: ArrayLike<number>, numClasses: number): OutputKind {
  const d = createOutputKindDetector();
  const data = Array.from(rows);
  for (let o = 0; o + numClasses <= data.length; o += numClasses) d.add(data.slice(o, o + numClasses));
  return d.result();
}

/** log-softmax in float64, max-shifted so logits in the thousands (mnist-8) do not overflow. */
export function logSoftmax(row: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i] > max) max = row[i];
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i] - max);
  const logSum = Math.log(sum);
  return Float64Array.from(row, (v) => v - max - logSum); // shift first: keeps precision near the max
}

export function softmax(row: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i] > max) max = row[i];
  const e = Float64Array.from(row, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** log-probabilities of a row of the given kind. */
export function toLogProbabilities(row: ArrayLike<number>, kind: OutputKind): Float64Array {
  if (kind === 'logits') return logSoftmax(row);
  if (kind === 'log-probabilities') return Float64Array.from(row);
  return Float64Array.from(row, (p) => Math.log(Math.max(p, KL_EPSILON)));
}

/** Index of the largest value (first on ties, like numpy.argmax); -1 if the row has a NaN. */
export function argmax(row: ArrayLike<number>): number {
  let best = -1;
  let bestV = -Infinity;
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (Number.isNaN(v)) return -1;
    if (best < 0 || v > bestV) {
      best = i;
      bestV = v;
    }
  }
  return best;
}

/** 0-based rank of `label` (ties broken by index, consistent with argmax); Infinity for NaN rows. */
export function rankOf(row: ArrayLike<number>, label: number): number {
  const v = row[label];
  if (Number.isNaN(v)) return Infinity;
  let rank = 0;
  for (let i = 0; i < row.length; i++) {
    if (Number.isNaN(row[i])) return Infinity;
    if (row[i] > v || (row[i] === v && i < label)) rank++;
  }
  return rank;
}

export interface ClassificationResult {
  count: number;
  numClasses: number;
  topK: number;
  top1Correct: number;
  topKCorrect: number;
  top1Accuracy: number;
  topKAccuracy: number;
  /** Rows with a NaN: counted as wrong, not in the confusion matrix. */
  nanRows: number;
  perClassTotal: Uint32Array;
  perClassCorrect: Uint32Array;
  /** NaN for classes with no samples. */
  perClassAccuracy: Float64Array;
  /** Row-major [trueLabel * numClasses + predicted]. */
  confusion: Uint32Array;
}

export interface ClassificationOptions {
  /** Default: the first row's length. */
  numClasses?: number;
  topK?: number;
}

export function createClassificationAccumulator(options: ClassificationOptions = {}) {
  const topK = options.topK ?? 5;
  let n = options.numClasses ?? 0;
  let total: Uint32Array | null = null;
  let correct: Uint32Array | null = null;
  let confusion: Uint32Array | null = null;
  let count = 0;
  let top1 = 0;
  let topk = 0;
  let nanRows = 0;
  const init = (classes: number) => {
    n = classes;
    total = new Uint32Array(n);
    correct = new Uint32Array(n);
    confusion = new Uint32Array(n * n);
  };
  if (n > 0) init(n);
  return {
    add(row: ArrayLike<number>, label: number): void {
      if (!total) init(row.length);
      if (row.length !== n)
        throw new StudioError(
          'EvaluationError',
          `output row has ${row.length} values, expected ${n} (one per class)`,
        );
      if (!(Number.isInteger(label) && label >= 0 && label < n)) {
        throw new StudioError(
          'SampleSetError',
          `sample ${count}: label ${label} is outside the model's ${n} classes (0..${n - 1})`,
        );
      }
      count++;
      (total as Uint32Array)[label]++;
      const pred = argmax(row);
      if (pred < 0) {
        nanRows++;
        return;
      }
      (confusion as Uint32Array)[label * n + pred]++;
      if (pred === label) {
        top1++;
        (correct as Uint32Array)[label]++;
      }
      if (rankOf(row, label) < topK) topk++;
    },
    result(): ClassificationResult {
      const t = total ?? new Uint32Array(n);
      const c = correct ?? new Uint32Array(n);
      return {
        count,
        numClasses: n,
        topK,
        top1Correct: top1,
        topKCorrect: topk,
        nanRows,
        top1Accuracy: count ? top1 / count : NaN,
        topKAccuracy: count ? topk / count : NaN,
        perClassTotal: t.slice(),
        perClassCorrect: c.slice(),
        perClassAccuracy: Float64Array.from(t, (tot, i) => (tot ? c[i] / tot : NaN)),
        confusion: (confusion ?? new Uint32Array(n * n)).slice(),
      };
    },
  };
}

export interface FidelityResult {
  count: number;
  /** Fraction of samples where the variant's top-1 equals the float model's. */
  top1Agreement: number;
  /** Mean over samples of KL(float ‖ variant) in nats. */
  meanKl: number;
  /** Largest |float − variant| over all raw output values. */
  maxAbsDiff: number;
  meanAbsDiff: number;
}

/** Compares a variant's output rows with the float model's, row by row. `kind` is the float model's output kind. */
export function createFidelityAccumulator(options: { kind: OutputKind }) {
  let count = 0;
  let agree = 0;
  let klSum = 0;
  let maxAbs = 0;
  let absSum = 0;
  let values = 0;
  return {
    add(reference: ArrayLike<number>, variant: ArrayLike<number>): void {
      if (reference.length !== variant.length) {
        throw new StudioError(
          'EvaluationError',
          `variant output has ${variant.length} values, the float model's has ${reference.length}`,
        );
      }
      count++;
      if (argmax(reference) === argmax(variant)) agree++;
      const lp = toLogProbabilities(reference, options.kind);
      const lq = toLogProbabilities(variant, options.kind);
      let kl = 0;
      for (let i = 0; i < lp.length; i++) {
        const p = options.kind === 'probabilities' ? reference[i] : Math.exp(lp[i]);
        if (p > 0) kl += p * (lp[i] - lq[i]);
      }
      // KL ≥ 0; a saturated softmax leaves rounding noise around 0 (e.g. −1.6e-272), which is no information.
      klSum += kl < 0 ? 0 : kl;
      for (let i = 0; i < reference.length; i++) {
        const d = Math.abs(reference[i] - variant[i]);
        if (d > maxAbs || Number.isNaN(d)) maxAbs = d;
        absSum += d;
      }
      values += reference.length;
    },
    result(): FidelityResult {
      return {
        count,
        top1Agreement: count ? agree / count : NaN,
        meanKl: count ? klSum / count : NaN,
        maxAbsDiff: maxAbs,
        meanAbsDiff: values ? absSum / values : NaN,
      };
    },
  };
}

export type OutputKindDetector = ReturnType<typeof createOutputKindDetector>;
export type ClassificationAccumulator = ReturnType<typeof createClassificationAccumulator>;
export type FidelityAccumulator = ReturnType<typeof createFidelityAccumulator>;
