// Uniform per-sample access for the evaluator: tensor sets slice, image sets decode + preprocess.
import { sampleSetError } from './paths';
import { preprocessImage, preprocessedDims, type PreprocessOptions } from './preprocess';
import type { SampleSet } from './types';

/** Per-sample dims the model will see (image sets: after preprocessing). */
export function sampleDimsOf(set: SampleSet, preprocess: PreprocessOptions | null): number[] {
  if (set.kind === 'tensor') return set.sampleDims;
  if (!preprocess) throw sampleSetError(`${set.sourceName}: image samples need preprocessing options`);
  return preprocessedDims(preprocess);
}

/** Sample `index` as float32 values (a view into the set for tensor sets: do not mutate). */
export async function loadSample(
  set: SampleSet,
  index: number,
  preprocess: PreprocessOptions | null,
): Promise<Float32Array> {
  if (!(Number.isInteger(index) && index >= 0 && index < set.count)) {
    throw sampleSetError(`${set.sourceName}: sample ${index} out of range 0..${set.count - 1}`);
  }
  if (set.kind === 'tensor') {
    const size = set.sampleDims.reduce((a, b) => a * b, 1);
    return set.inputs.subarray(index * size, (index + 1) * size);
  }
  if (!preprocess) throw sampleSetError(`${set.sourceName}: image samples need preprocessing options`);
  return preprocessImage(await set.load(index), preprocess, set.names[index]);
}

/** Reference output row `index` (ONNX test data), or null. */
export function referenceOutput(set: SampleSet, index: number): Float32Array | null {
  if (set.kind !== 'tensor' || !set.referenceOutputs) return null;
  const size = set.referenceOutputs.sampleDims.reduce((a, b) => a * b, 1);
  return set.referenceOutputs.data.subarray(index * size, (index + 1) * size);
}
