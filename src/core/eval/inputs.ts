// One run's input values: a view into a tensor set, or decoded + preprocessed images (kept for the next model
// when they fit a memory budget, so each image is decoded once per evaluation, not once per model).
import { loadSample, type PreprocessOptions, type SampleSet } from '../samples';

/** Preprocessed images are kept across models up to this many bytes (else decoded again for every model). */
export const INPUT_CACHE_BYTES = 256 * 1024 * 1024;
/**
 * Images are read this many samples ahead. Reading a File/Blob in a browser worker costs ~10 ms of latency each
 * (measured: 1,000 MNIST PNGs took 11 s one by one), so reads must overlap.
 */
export const READ_AHEAD = 64;

export interface BatchInputs {
  /** Values of samples [start, end), padded with zeros to `runSize` samples. */
  get(start: number, end: number, runSize: number): Promise<Float32Array>;
}

export function createBatchInputs(
  set: SampleSet,
  count: number,
  sampleSize: number,
  preprocess: PreprocessOptions | null,
  cacheBytes = INPUT_CACHE_BYTES,
): BatchInputs {
  const cache =
    set.kind === 'images' && count * sampleSize * 4 <= cacheBytes
      ? new Float32Array(count * sampleSize)
      : null;
  const cached = new Uint8Array(cache ? count : 0);
  const pending = new Map<number, Promise<Float32Array>>();

  const start = (i: number): Promise<Float32Array> => {
    let p = pending.get(i);
    if (!p) {
      p = loadSample(set, i, preprocess);
      p.catch(() => {}); // observed by whoever awaits it; a read-ahead failure must not be unhandled
      pending.set(i, p);
    }
    return p;
  };

  const sample = async (i: number): Promise<Float32Array> => {
    if (cache && cached[i]) return cache.subarray(i * sampleSize, (i + 1) * sampleSize);
    if (set.kind === 'images') {
      for (let k = i + 1; k < Math.min(count, i + READ_AHEAD); k++) if (!(cache && cached[k])) start(k);
    }
    const x = await start(i);
    pending.delete(i);
    if (cache) {
      cache.set(x, i * sampleSize);
      cached[i] = 1;
    }
    return x;
  };

  return {
    async get(from, to, runSize) {
      const n = to - from;
      if (n === runSize) {
        // Contiguous storage: hand out a view, no copy.
        if (set.kind === 'tensor') return set.inputs.subarray(from * sampleSize, to * sampleSize);
        if (cache && cached.subarray(from, to).every((c) => c === 1)) {
          return cache.subarray(from * sampleSize, to * sampleSize);
        }
      }
      const out = new Float32Array(runSize * sampleSize);
      for (let i = from; i < to; i++) out.set(await sample(i), (i - from) * sampleSize);
      return out;
    },
  };
}
