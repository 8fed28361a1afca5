// One run's input tensors for samples [start, end): images preprocessed (cached across models), arrays sliced and
// converted to each input's dtype, inputs without data filled with their initial value.
import type { PreprocessOptions, SampleSet } from '../samples';
import { arrayBatch, constantFeed, defaultDims, toFeedData, type FeedPlan, type FeedTensor } from './feeds';
import { createBatchInputs } from './inputs';
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
): FeedBuilder {
  const images = set.kind === 'images' ? createBatchInputs(set, count, imageSampleSize, preprocess) : null;
  const constants = new Map<string, FeedTensor>();
  const { primary } = plan;
  return {
    async get(start, end, n) {
      const feeds: Record<string, FeedTensor> = {};
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
        feeds[input.name] = { dtype: input.dtype, dims, data: toFeedData(values, input.dtype, what) };
      }
      return feeds;
    },
  };
}
