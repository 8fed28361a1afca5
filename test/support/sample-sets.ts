// Small in-memory tensor sample sets for the evaluator's unit tests.
import type { SampleArray, TensorSampleSet } from '../../src/core/samples';

/** One named array of `values`, `sampleDims` per sample; floats stay float32, integers are widened to float64. */
export const sampleArray = (
  name: string | null,
  dtype: string,
  values: number[],
  sampleDims: number[],
): SampleArray => ({
  name,
  dtype,
  sampleDims,
  values: dtype.startsWith('float') ? Float32Array.from(values) : Float64Array.from(values),
  source: `${name ?? 'inputs'}.npy`,
});

/** An unlabelled samples.npz holding `arrays` (the first one is the primary input). */
export const npzSampleSet = (arrays: SampleArray[], count: number): TensorSampleSet => ({
  kind: 'tensor',
  source: 'npz',
  sourceName: 'samples.npz',
  count,
  inputs: Float32Array.from(arrays[0].values),
  sampleDims: arrays[0].sampleDims,
  labels: null,
  classes: null,
  referenceOutputs: null,
  tabular: null,
  notes: [],
  arrays,
});
