// The float model's outputs, kept run by run (up to a memory cap) so each variant's outputs can be compared with
// them as they stream by: per output, per sample when the output has the batch axis first, else per run.
import type { OutputFidelity, OutputInfo } from './results';
import type { BatchInfo } from '../samples';
import { evalError } from './errors';
import { createOutputFidelityAccumulator, outputRole } from './output-fidelity';
import { isFloatDtype } from './output';
import type { OutputTensor, TensorSpec } from './types';

/** Float outputs kept for the comparison; beyond it only the first runs are compared (and a note says so). */
export const OUTPUT_KEEP_BYTES = 256 * 1024 * 1024;

interface KeptRun {
  start: number;
  end: number;
  outputs: Record<string, OutputTensor>;
}

export function createOutputStore(
  names: readonly string[],
  batch: BatchInfo,
  threshold: number,
  keepBytes = OUTPUT_KEEP_BYTES,
) {
  const runs: KeptRun[] = [];
  const firstDims = new Map<string, number[]>();
  let bytes = 0;
  let capped = false;
  let samples = 0;
  const perSample = (dims: readonly number[], n: number) => batch.kind !== 'none' && dims[0] === n;
  const sampleDims = (dims: readonly number[], n: number) => (perSample(dims, n) ? dims.slice(1) : [...dims]);
  let firstN = 1;

  return {
    get capped() {
      return capped;
    },
    /** Samples whose float outputs are kept (all of them unless capped). */
    get samples() {
      return samples;
    },
    addFloat(run: number, start: number, end: number, n: number, out: Record<string, OutputTensor>): void {
      if (run === 0) {
        firstN = n;
        for (const k of names) firstDims.set(k, [...out[k].dims]);
      }
      if (capped) return;
      const size = names.reduce((a, k) => a + out[k].data.byteLength, 0);
      if (run > 0 && bytes + size > keepBytes) {
        capped = true;
        return;
      }
      bytes += size;
      runs[run] = { start, end, outputs: Object.fromEntries(names.map((k) => [k, out[k]])) };
      samples = end;
    },
    cappedNote: () =>
      `per-output fidelity over the first ${samples} samples: the float model's outputs are kept up to ${Math.round(keepBytes / 2 ** 20)} MiB`,
    /** A comparison of one variant's outputs with the kept float outputs; `scored` is the class-score output. */
    variantComparison(scored: string | null) {
      const accs = names.map((k) =>
        createOutputFidelityAccumulator(
          k,
          outputRole(sampleDims(firstDims.get(k) ?? [], firstN), k === scored),
          threshold,
        ),
      );
      return {
        add(run: number, start: number, end: number, n: number, out: Record<string, OutputTensor>): void {
          const kept = runs[run];
          if (!kept) return;
          names.forEach((k, j) => {
            const ref = kept.outputs[k];
            const q = out[k];
            if (ref.dims.join(',') !== q.dims.join(',')) {
              throw evalError(
                `output '${k}' has shape [${q.dims.join(',')}] on samples ${start}..${end - 1}, the float model's has [${ref.dims.join(',')}]`,
              );
            }
            if (!perSample(ref.dims, n)) {
              accs[j].add(ref.data, q.data);
              return;
            }
            const size = ref.data.length / n;
            for (let i = 0; i < end - start; i++) {
              accs[j].add(
                ref.data.subarray(i * size, (i + 1) * size),
                q.data.subarray(i * size, (i + 1) * size),
              );
            }
          });
        },
        result: (): OutputFidelity[] => accs.map((a) => a.result()),
      };
    },
    infos(scored: string | null, outputs: readonly TensorSpec[]): OutputInfo[] {
      return outputs.map((o) => {
        const dims = firstDims.get(o.name);
        return {
          name: o.name,
          dtype: o.dtype,
          runDims: dims ?? [],
          role: outputRole(sampleDims(dims ?? [], firstN), o.name === scored),
          compared: isFloatDtype(o.dtype) && dims !== undefined,
        };
      });
    },
  };
}

export type OutputStore = ReturnType<typeof createOutputStore>;
