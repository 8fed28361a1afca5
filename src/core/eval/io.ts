// Checks that a model and a sample set go together: one float input the samples fit, the same I/O for every variant,
// labels within the model's classes. Messages name the model or the sample file, with both sides' values.
import { StudioError } from '../errors';
import {
  checkSamplesFit,
  inferPreprocessOptions,
  sampleDimsOf,
  validatePreprocessOptions,
  type PreprocessOptions,
  type SampleFit,
  type SampleSet,
} from '../samples';
import type { EvalMode } from './results';
import { isFloatDtype } from './output';
import { sampleName } from './report';
import type { LoadedModel, TensorSpec } from './types';

export const evalError = (message: string, cause?: unknown): StudioError =>
  new StudioError('EvaluationError', message, cause === undefined ? undefined : { cause });

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

/** Image sets: the given preprocessing, or one inferred from the input shape (with a note saying so). */
export function resolvePreprocess(
  set: SampleSet,
  model: LoadedModel,
  given: PreprocessOptions | null,
  notes: string[],
): PreprocessOptions | null {
  if (set.kind !== 'images') return null;
  let o = given;
  if (!o) {
    const shape = model.inputs[0]?.shape ?? [];
    o = inferPreprocessOptions(shape);
    notes.push(
      `preprocessing inferred from the input shape [${shape.join(',')}]: ${o.channels} ${o.width}x${o.height} ${o.layout}, range ${o.range} (check it against the model's training)`,
    );
  }
  validatePreprocessOptions(o);
  return o;
}

/** The model input the samples feed, and how they fit it. Throws EvaluationError / SampleSetError. */
export function resolveInput(
  model: LoadedModel,
  label: string,
  set: SampleSet,
  preprocess: PreprocessOptions | null,
): { input: TensorSpec; sampleDims: number[]; fit: SampleFit } {
  if (model.inputs.length !== 1) {
    throw evalError(
      `${label} has ${model.inputs.length} inputs (${model.inputs.map((i) => `'${i.name}'`).join(', ') || 'none'}); the evaluator feeds exactly one input`,
    );
  }
  const input = model.inputs[0];
  if (!isFloatDtype(input.dtype)) {
    throw evalError(
      `${label}: input '${input.name}' is ${input.dtype}; the evaluator feeds float32 or float16 inputs`,
    );
  }
  const sampleDims = sampleDimsOf(set, preprocess);
  return { input, sampleDims, fit: checkSamplesFit(sampleDims, input, set.sourceName) };
}

/** A variant must take the same input and give the scored output, so both see the same feed. */
export function checkVariantIo(
  model: LoadedModel,
  what: string,
  float: { input: TensorSpec; output: TensorSpec; fit: SampleFit },
  set: SampleSet,
  preprocess: PreprocessOptions | null,
): void {
  const { input, output, fit } = float;
  const r = resolveInput(model, what, set, preprocess);
  const same =
    r.input.name === input.name &&
    r.input.dtype === input.dtype &&
    JSON.stringify(r.input.shape) === JSON.stringify(input.shape) &&
    JSON.stringify(r.fit) === JSON.stringify(fit);
  if (!same) {
    throw evalError(
      `${what}: input '${r.input.name}' ${r.input.dtype} [${r.input.shape.join(',')}] differs from the float model's '${input.name}' ${input.dtype} [${input.shape.join(',')}]`,
    );
  }
  if (!model.outputs.some((o) => o.name === output.name)) {
    throw evalError(
      `${what}: has no output '${output.name}' like the float model (outputs: ${model.outputs.map((o) => o.name).join(', ')})`,
    );
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
