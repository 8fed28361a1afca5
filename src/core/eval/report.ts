// Small pieces of the evaluation report: run timing, per-mode results, exact-vs-deployed comparison, progress throttle.
import { argmax, type ClassificationResult, type FidelityResult } from '../metrics/classification';
import type { SampleSet } from '../samples';
import type {
  EvalMode,
  EvalProgress,
  ModeComparison,
  ModeResult,
  OutputFidelity,
  ReferenceCheck,
  TimingDto,
} from './results';
import { countFlips } from './predictions';
import { throttleProgress } from '../progress';

export { PROGRESS_INTERVAL_MS } from '../progress';

/** Collects session.run durations; the first run (warm-up: allocations, kernel selection) is left out of the mean. */
export function createTimer(sessionCreateMs: number, samplesPerRun: number) {
  const runs: { ms: number; samples: number }[] = [];
  return {
    add(ms: number, samples: number): void {
      runs.push({ ms, samples });
    },
    result(): TimingDto {
      const timed = runs.length > 1 ? runs.slice(1) : runs;
      const ms = timed.reduce((a, r) => a + r.ms, 0);
      const samples = timed.reduce((a, r) => a + r.samples, 0);
      return {
        sessionCreateMs,
        runs: runs.length,
        samplesPerRun,
        latencyMsPerSample: samples > 0 ? ms / samples : NaN,
        totalRunMs: runs.reduce((a, r) => a + r.ms, 0),
        latency: null,
      };
    },
  };
}

export function modeResult(args: {
  mode: EvalMode;
  accuracy: ClassificationResult | null;
  floatAccuracy: ClassificationResult | null;
  fidelity: FidelityResult | null;
  outputs: OutputFidelity[];
  floatPred: Int32Array;
  pred: Int32Array;
  labels: Int32Array | null;
  timing: TimingDto;
}): ModeResult {
  const { accuracy: a, floatAccuracy: f } = args;
  const flips = countFlips(args.floatPred, args.pred, args.labels);
  return {
    mode: args.mode,
    accuracy: a,
    top1Delta: a && f ? a.top1Accuracy - f.top1Accuracy : null,
    topKDelta: a && f ? a.topKAccuracy - f.topKAccuracy : null,
    fidelity: args.fidelity,
    outputs: args.outputs,
    flips: flips.total,
    flipsBroken: flips.broken,
    flipsFixed: flips.fixed,
    timing: args.timing,
  };
}

/** Compares a variant's deployed rows with its exact rows as they stream by. NaN equals NaN here. */
export function createModeComparator(exact: Float32Array, rowLength: number) {
  let maxAbs = 0;
  let count = 0;
  let agree = 0;
  return {
    add(i: number, row: ArrayLike<number>): void {
      const ref = exact.subarray(i * rowLength, (i + 1) * rowLength);
      for (let k = 0; k < rowLength; k++) {
        const a = ref[k];
        const b = row[k];
        if (Number.isNaN(a) && Number.isNaN(b)) continue;
        const d = Math.abs(a - b);
        if (!(d <= maxAbs)) maxAbs = d; // also takes NaN
      }
      count++;
      if (argmax(ref) === argmax(row)) agree++;
    },
    result(): ModeComparison {
      return { maxAbsDiff: maxAbs, top1Agreement: count ? agree / count : NaN, flips: count - agree };
    },
  };
}

/** The float model's rows against the set's reference outputs (ONNX test data), when their sizes match. */
export function createReferenceComparator(
  refs: { data: Float32Array; sampleDims: number[] },
  rowLength: number,
) {
  const usable = refs.sampleDims.reduce((a, b) => a * b, 1) === rowLength;
  let count = 0;
  let agree = 0;
  let maxAbsDiff = 0;
  let maxAbsReference = 0;
  return {
    note: usable
      ? null
      : `reference outputs have shape [${refs.sampleDims.join(',')}] per sample, the model gives ${rowLength} values: not compared`,
    add(i: number, row: ArrayLike<number>): void {
      if (!usable) return;
      const r = refs.data.subarray(i * rowLength, (i + 1) * rowLength);
      for (let k = 0; k < rowLength; k++) {
        const d = Math.abs(r[k] - row[k]);
        if (!(d <= maxAbsDiff)) maxAbsDiff = d;
        maxAbsReference = Math.max(maxAbsReference, Math.abs(r[k]));
      }
      count++;
      if (argmax(r) === argmax(row)) agree++;
    },
    result(): ReferenceCheck | null {
      return count > 0 ? { count, maxAbsDiff, maxAbsReference, top1Agreement: agree / count } : null;
    },
  };
}

/** Throttles progress to ~10 Hz; `force` (a phase's start and end) always goes through. */
export const createProgressReporter = (now: () => number, onProgress?: (p: EvalProgress) => void) =>
  throttleProgress(now, onProgress);

/** The shortest decimal that reads back as the same float32: 5.1 for Math.fround(5.1), not 5.099999904632568. */
export function float32Text(v: number): string {
  for (let p = 1; p < 9; p++) {
    const t = Number(v.toPrecision(p));
    if (Math.fround(t) === v) return String(t);
  }
  return String(v);
}

/** A CSV row's feature values as the model is fed them (null for sets that are not tables). */
export function sampleFeatures(set: SampleSet, i: number): { column: string; value: string }[] | null {
  if (set.kind !== 'tensor' || !set.tabular) return null;
  const n = set.tabular.featureColumns.length;
  return set.tabular.featureColumns.map((column, j) => ({
    column,
    value: float32Text(set.inputs[i * n + j]),
  }));
}

/** A readable name for sample `i`: the image path, `Iris.csv row 13`, `inputs.npy #12`. */
export function sampleName(set: SampleSet, i: number): string {
  if (set.kind === 'images') return set.names[i] ?? `${set.sourceName} #${i}`;
  if (set.source === 'csv') return `${set.sourceName} row ${i + 1}`;
  return `${set.sourceName} #${i}`;
}
