// One run's input tensors for samples [start, end): images preprocessed, arrays sliced and converted to each input's
// dtype, inputs without data filled with their initial value. Built once per evaluation: every model gets the same
// tensors (within a memory budget; beyond it they are built again for each model).
import type { PreprocessOptions, SampleSet } from '../samples';
import { arrayBatch, constantFeed, defaultDims, toFeedData, type FeedPlan, type FeedTensor } from './feeds';
import { createBatchInputs, INPUT_CACHE_BYTES } from './inputs';
import { runDims } from './plan';

export interface FeedBuilder {
  get(start: number, end: number, runSize: number): Promise<Record<string, FeedTensor>>;
}

export function createFeedBuilder(
  plan: FeedPlan,
  set: SampleSet,
  count: number,
  imageSampleSize: number,
  preprocess: PreprocessOptions | null,
  cacheBytes = INPUT_CACHE_BYTES,
): FeedBuilder {
  const images = set.kind === 'images' ? createBatchInputs(set, count, imageSampleSize, preprocess) : null;
  const constants = new Map<string, FeedTensor>();
  const built = new Map<string, Record<string, FeedTensor>>();
  let builtBytes = 0;
  const { primary } = plan;
  /**
   * The run's tensors and the bytes they hold of their own: a view into a larger buffer (the set's arrays, the image
   * cache) costs nothing to keep; a converted or padded copy does.
   */
  const build = async (start: number, end: number, n: number) => {
    const feeds: Record<string, FeedTensor> = {};
    let bytes = 0;
    const primaryDims = runDims(primary.fit.feedDims, primary.fit.batch, n);
    for (const f of plan.feeds) {
      const { input, source } = f;
      const what = `input '${input.name}' (samples ${start}..${end - 1})`;
      if (source.kind === 'default') {
        const dims = defaultDims(input, primary.input, primaryDims);
        const key = `${input.name}|${dims.join(',')}`;
        let t = constants.get(key);
        if (!t) {
          t = constantFeed(source.value, input.dtype, dims, what);
          constants.set(key, t);
        }
        feeds[input.name] = t;
        continue;
      }
      const fit = f.fit as NonNullable<typeof f.fit>;
      const dims = runDims(fit.feedDims, fit.batch, n);
      const values =
        source.kind === 'images'
          ? await (images as NonNullable<typeof images>).get(start, end, n)
          : arrayBatch(source.array, start, end, n);
      const data = toFeedData(values, input.dtype, what);
      if (data.byteLength === data.buffer.byteLength) bytes += data.byteLength;
      feeds[input.name] = { dtype: input.dtype, dims, data };
    }
    return { feeds, bytes };
  };
  return {
    async get(start, end, n) {
      const key = `${start}:${end}:${n}`;
      const hit = built.get(key);
      if (hit) return hit;
      const { feeds, bytes } = await build(start, end, n);
      if (builtBytes + bytes <= cacheBytes) {
        built.set(key, feeds);
        builtBytes += bytes;
      }
      return feeds;
    },
  };
}
