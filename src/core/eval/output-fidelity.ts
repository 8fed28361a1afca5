// How close a variant's outputs are to the float model's, for any output (class scores, maps, masks, embeddings,
// audio features): SQNR, cosine similarity, max |Δ| and, for maps, IoU of the regions above a threshold.
import type { OutputFidelity, OutputRole } from './results';
import { sqnrDb } from '../metrics/error';

export const DEFAULT_IOU_THRESHOLD = 0.5;

/**
 * What an output is, from its per-sample dims (no batch axis): 'map' when two or more dims are above 1
 * (masks, heat maps, feature maps, sequences of vectors), else 'vector'. The class-score output is named by the caller.
 */
export function outputRole(sampleDims: readonly number[], isClassScores: boolean): OutputRole {
  if (isClassScores) return 'class-scores';
  return sampleDims.filter((d) => d > 1).length >= 2 ? 'map' : 'vector';
}

/**
 * Streams (float, variant) pairs of one output. Each `add` is one unit (a sample, or a run when the output has no
 * batch axis to split on): SQNR and max |Δ| pool every value, cosine similarity is the mean over units, IoU pools
 * the values above `threshold` (maps only). Pairs with a NaN/Inf on either side are counted apart, not pooled.
 */
export function createOutputFidelityAccumulator(name: string, role: OutputRole, threshold: number) {
  let signal = 0;
  let noise = 0;
  let maxAbs = 0;
  let cosSum = 0;
  let units = 0;
  let values = 0;
  let nonFinite = 0;
  let inter = 0;
  let union = 0;
  return {
    add(ref: ArrayLike<number>, q: ArrayLike<number>): void {
      let dot = 0;
      let aa = 0;
      let bb = 0;
      const n = Math.min(ref.length, q.length);
      for (let i = 0; i < n; i++) {
        const a = ref[i];
        const b = q[i];
        if (!Number.isFinite(a) || !Number.isFinite(b)) {
          if (!(Number.isNaN(a) && Number.isNaN(b))) nonFinite++;
          continue;
        }
        const d = a - b;
        signal += a * a;
        noise += d * d;
        const ad = Math.abs(d);
        if (ad > maxAbs) maxAbs = ad;
        dot += a * b;
        aa += a * a;
        bb += b * b;
        if (a > threshold || b > threshold) {
          union++;
          if (a > threshold && b > threshold) inter++;
        }
      }
      nonFinite += Math.abs(ref.length - q.length);
      values += n;
      units++;
      cosSum += aa === 0 && bb === 0 ? 1 : aa === 0 || bb === 0 ? 0 : dot / Math.sqrt(aa * bb);
    },
    result(): OutputFidelity {
      return {
        name,
        role,
        units,
        values,
        sqnrDb: sqnrDb(signal, noise),
        cosine: units > 0 ? cosSum / units : NaN,
        maxAbsDiff: maxAbs,
        iou: role === 'map' ? (union === 0 ? 1 : inter / union) : null,
        iouThreshold: role === 'map' ? threshold : null,
        nonFinite,
      };
    },
  };
}

export type OutputFidelityAccumulator = ReturnType<typeof createOutputFidelityAccumulator>;
