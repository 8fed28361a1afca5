// The studio's feeds for a fixture's evaluation set, built by the evaluator's own code (sample detection, input
// plan, batches), for the benchmarks that time onnxruntime outside the studio on the same runs.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { detectSampleSet } from '../../../src/core/samples';
import { batchRanges, planBatches, planFeeds } from '../../../src/core/eval';
import { createFeedBuilder } from '../../../src/core/eval/batch-feeds';
import type { FeedTensor } from '../../../src/core/eval/feeds';

const FIXTURES = resolve(import.meta.dirname, '../../../test/fixtures/models');

/** The fixture's evaluation set as dropped files: an `eval/` folder of .npy or one .npz. */
export function fixtureSampleFiles(model: string): { name: string; bytes: Uint8Array }[] {
  const dir = join(FIXTURES, model);
  const files = readdirSync(dir).includes('eval')
    ? readdirSync(join(dir, 'eval')).map((f) => join(dir, 'eval', f))
    : [join(dir, 'eval.npz')];
  return files.map((p) => ({ name: relative(dir, p), bytes: new Uint8Array(readFileSync(p)) }));
}

/** Every run's feeds (the float model's input plan, `batch` samples a run) as the studio's evaluator builds them. */
export async function studioFeedBatches(
  floatPath: string,
  samples: { name: string; bytes: Uint8Array }[],
  batch: number,
): Promise<Record<string, FeedTensor>[]> {
  const set = await detectSampleSet(samples.map((s) => ({ path: s.name, bytes: async () => s.bytes })));
  const session = await ortNode.InferenceSession.create(readFileSync(floatPath));
  const specs = session.inputMetadata.map((m) => ({
    name: m.name,
    dtype: m.isTensor ? m.type : 'non-tensor',
    shape: m.isTensor ? m.shape.map((d) => (typeof d === 'number' && d < 0 ? null : d)) : [],
  }));
  await session.release();
  const plan = planFeeds(specs, set, null, floatPath);
  const batches = planBatches(set.count, plan.primary.fit.batch, batch);
  const builder = createFeedBuilder(plan, set, set.count, 0, null);
  const out: Record<string, FeedTensor>[] = [];
  for (const [start, end] of batchRanges(set.count, batches))
    out.push(await builder.get(start, end, batches.pad ? batches.samplesPerRun : end - start));
  return out;
}
