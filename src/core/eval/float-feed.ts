// What the float model fixes for every later run: the input feeds, the outputs compared, the class-score candidate
// and the batches.
import { sampleDimsOf, type PreprocessOptions, type SampleSet } from '../samples';
import { planFeeds, type FeedPlan } from './feeds';
import { evalError, resolvePreprocess } from './io';
import { chooseClassificationOutput, isFloatDtype } from './output';
import { planBatches, type BatchPlan } from './plan';
import type { EngineRequest } from './request';
import type { LoadedModel, TensorSpec } from './types';

export interface Feed {
  plan: FeedPlan;
  /** The class-score output (null when none: per-output fidelity only). */
  output: TensorSpec | null;
  outputNames: string[];
  batches: BatchPlan;
  preprocess: PreprocessOptions | null;
}

/** Plans the feed from the loaded float model; appends what it decided to `notes`. */
export function planFloatFeed(
  set: SampleSet,
  req: EngineRequest,
  model: LoadedModel,
  count: number,
  notes: string[],
): Feed {
  const preprocess = resolvePreprocess(set, model, req.preprocess, notes);
  const imageDims = set.kind === 'images' ? sampleDimsOf(set, preprocess) : null;
  const plan = planFeeds(model.inputs, set, imageDims, req.float.label);
  notes.push(...plan.notes);
  const batch = plan.primary.fit.batch;
  const candidate = chooseClassificationOutput(model.outputs, batch);
  if (candidate?.note) notes.push(candidate.note);
  const skipped = model.outputs.filter((o) => !isFloatDtype(o.dtype));
  if (skipped.length > 0) {
    notes.push(`not compared (not float): ${skipped.map((o) => `output '${o.name}' ${o.dtype}`).join(', ')}`);
  }
  const feed: Feed = {
    plan,
    output: candidate?.output ?? null,
    outputNames: model.outputs.filter((o) => isFloatDtype(o.dtype)).map((o) => o.name),
    batches: planBatches(count, batch, req.batchSize),
    preprocess,
  };
  if (feed.outputNames.length === 0) throw evalError(`${req.float.label} has no float output to compare`);
  return feed;
}
