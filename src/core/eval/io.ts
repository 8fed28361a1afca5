// Checks that a model and a sample set go together: the same inputs and outputs for every variant,
// labels within the model's classes. Messages name the model or the sample file, with both sides' values.
import { StudioError } from '../errors';
import {
  inferPreprocessOptions,
  validatePreprocessOptions,
  type PreprocessOptions,
  type SampleSet,
} from '../samples';
import type { EvalMode } from './results';
import { imageInputOf, type FeedPlan } from './feeds';
import { evalError } from './errors';
import { sampleName } from './report';
import type { LoadedModel, TensorSpec } from './types';

export { evalError } from './errors';

/** Validates the parts of a request that need no model; returns the modes in run order (exact first). */
export function checkRequest(req: {
  modes: EvalMode[];
  variants: { id: string }[];
  maxSamples?: number;
}): EvalMode[] {
  const modes = (['exact', 'deployed'] as const).filter((m) => req.modes.includes(m));
  if (modes.length === 0) throw evalError('no evaluation mode selected (exact, deployed or both)');
  const ids = new Set<string>();
  for (const v of req.variants) {
    if (ids.has(v.id)) throw evalError(`two variants share the id '${v.id}'`);
    ids.add(v.id);
  }
  if (req.maxSamples !== undefined && !(Number.isInteger(req.maxSamples) && req.maxSamples >= 1)) {
    throw evalError(`maxSamples must be a positive integer, got ${req.maxSamples}`);
  }
  return modes;
}

/** Image sets: the given preprocessing, or one inferred from the image input's shape (with a note saying so). */
export function resolvePreprocess(
  set: SampleSet,
  model: LoadedModel,
  given: PreprocessOptions | null,
  notes: string[],
): PreprocessOptions | null {
  if (set.kind !== 'images') return null;
  let o = given;
  if (!o) {
    const shape = imageInputOf(model.inputs)?.shape ?? [];
    o = inferPreprocessOptions(shape);
    notes.push(
      `preprocessing inferred from the input shape [${shape.join(',')}]: ${o.channels} ${o.width}x${o.height} ${o.layout}, range ${o.range} (check it against the model's training)`,
    );
  }
  validatePreprocessOptions(o);
  return o;
}

const sameSpec = (a: TensorSpec, b: TensorSpec) =>
  a.name === b.name && a.dtype === b.dtype && JSON.stringify(a.shape) === JSON.stringify(b.shape);

/** A variant must take the same inputs and give the compared outputs, so both see the same feed. */
export function checkVariantFeeds(
  model: LoadedModel,
  what: string,
  plan: FeedPlan,
  outputNames: readonly string[],
): void {
  for (const f of plan.feeds) {
    const mine = model.inputs.find((i) => i.name === f.input.name);
    if (!mine || !sameSpec(mine, f.input)) {
      const had = mine ?? model.inputs[plan.feeds.indexOf(f)];
      const show = had ? `input '${had.name}' ${had.dtype} [${had.shape.join(',')}]` : 'no input';
      throw evalError(
        `${what}: ${show} differs from the float model's '${f.input.name}' ${f.input.dtype} [${f.input.shape.join(',')}]`,
      );
    }
  }
  if (model.inputs.length !== plan.feeds.length) {
    throw evalError(
      `${what}: has ${model.inputs.length} inputs, the float model ${plan.feeds.length} (${plan.feeds.map((f) => f.input.name).join(', ')})`,
    );
  }
  for (const name of outputNames) {
    if (!model.outputs.some((o) => o.name === name)) {
      throw evalError(
        `${what}: has no output '${name}' like the float model (outputs: ${model.outputs.map((o) => o.name).join(', ')})`,
      );
    }
  }
}

/** Labels must be class indices of the model's output (SampleSetError naming the file and sample). */
export function checkLabels(
  set: SampleSet,
  labels: Int32Array,
  numClasses: number,
  outputName: string,
  notes: string[],
): void {
  const bad = labels.findIndex((l) => !(l >= 0 && l < numClasses));
  if (bad >= 0) {
    const l = labels[bad];
    const cls = set.classes?.[l] !== undefined ? ` ('${set.classes[l]}')` : '';
    throw new StudioError(
      'SampleSetError',
      `${set.sourceName}: sample ${bad} (${sampleName(set, bad)}) has label ${l}${cls}, but output '${outputName}' has ${numClasses} classes (0..${numClasses - 1})`,
    );
  }
  if (set.classes && set.classes.length !== numClasses) {
    notes.push(
      `${set.sourceName} names ${set.classes.length} classes, the model outputs ${numClasses} scores`,
    );
  }
}
