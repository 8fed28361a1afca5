import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { testModel } from '../../../test/paths';
import {
  buildNpy,
  bytesEntry,
  bytesOf,
  expectSameValues,
  expectSampleSetError,
  fileEntry,
  folderEntries,
} from '../../../test/fixtures/samples/entries';
import { loadSample, referenceOutput } from './access';
import { describeSampleSet, detectSampleSet } from './detect';
import { checkSamplesFit } from './fit';
import { npyToFloat32, npyToLabels, parseNpy } from './npy';
import { inferPreprocessOptions } from './preprocess';
import type { ImageSampleSet, TensorSampleSet } from './types';

const M8 = testModel('mnist-8');
const npy = (p: string) => parseNpy(new Uint8Array(readFileSync(p)), p);
let inputs: Float32Array;
let labels: Int32Array;
beforeAll(() => {
  inputs = npyToFloat32(npy(`${M8}/samples/inputs.npy`));
  labels = npyToLabels(npy(`${M8}/samples/labels.npy`));
});

describe('tensor sample sets from the real files', () => {
  it('inputs.npy + labels.npy', async () => {
    const set = (await detectSampleSet([
      fileEntry(`${M8}/samples/inputs.npy`, 'inputs.npy'),
      fileEntry(`${M8}/samples/labels.npy`, 'labels.npy'),
    ])) as TensorSampleSet;
    expect(set).toMatchObject({
      kind: 'tensor',
      source: 'npy',
      count: 1000,
      sampleDims: [1, 28, 28],
      sourceName: 'inputs.npy + labels.npy',
    });
    await expectSameValues(set.inputs, inputs);
    expect(set.labels).toEqual(labels);
    expect(describeSampleSet(set).description).toBe(
      '1,000 sample(s) of shape [1,28,28] from inputs.npy + labels.npy, 10 class(es)',
    );
  });
  it('samples.npz', async () => {
    const set = (await detectSampleSet([
      fileEntry(`${M8}/samples/samples.npz`, 'samples.npz'),
    ])) as TensorSampleSet;
    expect(set).toMatchObject({ source: 'npz', count: 1000, sampleDims: [1, 28, 28] });
    await expectSameValues(set.inputs, inputs);
    expect(set.labels).toEqual(labels);
  });
  it('the whole samples/ folder: .npz wins and the rest is reported', async () => {
    const set = await detectSampleSet(folderEntries(`${M8}/samples`, 'samples'));
    expect(set.source).toBe('npz');
    expect(set.notes.join(' ')).toMatch('also found 3 .npy, 1,000 image file(s), not used');
  });
  it('inputs.npy alone is fidelity-only', async () => {
    const set = await detectSampleSet([
      fileEntry(`${M8}/samples/inputs.npy`, 'x/inputs.npy'),
      fileEntry(`${M8}/samples/test_split_indices.npy`, 'x/test_split_indices.npy'),
    ]);
    expect(set.labels).toBeNull();
    expect(set.notes.join(' ')).toMatch(/ignored: x\/test_split_indices.npy/);
  });
  it('mnist-8 test_data_set_0 (.pb input + reference output)', async () => {
    const set = (await detectSampleSet(
      folderEntries(`${M8}/test_data_set_0`, 'test_data_set_0'),
    )) as TensorSampleSet;
    expect(set).toMatchObject({ source: 'onnx-test-data', count: 1, sampleDims: [1, 28, 28], labels: null });
    expect(set.referenceOutputs?.sampleDims).toEqual([10]);
    expect(Math.max(...set.inputs)).toBeLessThanOrEqual(255);
    expect(referenceOutput(set, 0)?.length).toBe(10);
    expect(
      checkSamplesFit(set.sampleDims, { name: 'Input3', shape: [1, 1, 28, 28], dtype: 'float32' }).batch,
    ).toEqual({ kind: 'fixed', size: 1 });
  });
  it('iris test_data_set_0 holds a batch of 150 equal to inputs.npy', async () => {
    const dir = testModel('iris-mlp-winml', 'samples');
    const set = (await detectSampleSet(
      folderEntries(`${dir}/test_data_set_0`, 'test_data_set_0'),
    )) as TensorSampleSet;
    expect(set).toMatchObject({ count: 150, sampleDims: [4] });
    expect(set.referenceOutputs?.sampleDims).toEqual([3]);
    await expectSameValues(set.inputs, npyToFloat32(npy(`${dir}/inputs.npy`)));
  });
  it('squeezenet: two float16 test data sets concatenate, matching the fp32 npy to float16 precision', async () => {
    const dir = testModel('squeezenet1.0-fp16-winml', 'samples');
    const set = (await detectSampleSet([
      ...folderEntries(`${dir}/test_data_set_1`, 'test_data_set_1'),
      ...folderEntries(`${dir}/test_data_set_0`, 'test_data_set_0'),
    ])) as TensorSampleSet;
    expect(set).toMatchObject({ count: 2, sampleDims: [3, 224, 224] });
    expect(set.referenceOutputs?.sampleDims).toEqual([1000, 1, 1]);
    const ref = npyToFloat32(npy(`${dir}/inputs_fp32_bgr255.npy`));
    // 0..255 integers are exact in float16
    await expectSameValues(set.inputs, ref);
  });
  it('MNIST idx .gz: 10,000 images whose labels and pixels match the 1,000-sample subset', async () => {
    const set = (await detectSampleSet(folderEntries(`${M8}/mnist_t10k`))) as ImageSampleSet;
    expect(set).toMatchObject({
      kind: 'images',
      source: 'idx',
      count: 10_000,
      firstImage: { width: 28, height: 28, channels: 1 },
    });
    expect(Array.from(set.labels?.subarray(0, 5) ?? [])).toEqual([7, 2, 1, 0, 4]);
    const idx = npyToFloat32(npy(`${M8}/samples/test_split_indices.npy`));
    const raw = { ...inferPreprocessOptions([1, 1, 28, 28]), range: '0..255' as const };
    for (let i = 0; i < 1000; i++) {
      expect(set.labels?.[idx[i]]).toBe(labels[i]);
      if (i % 50 === 0)
        await expectSameValues(await loadSample(set, idx[i], raw), inputs.subarray(i * 784, (i + 1) * 784));
    }
    const counts = new Array<number>(10).fill(0);
    for (const l of set.labels ?? []) counts[l]++;
    expect(counts).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });
});

describe('bad sets give a SampleSetError naming the file and what was expected', () => {
  it('empty drop', async () => {
    await expectSampleSetError(() => detectSampleSet([]), /empty/);
  });
  it('empty folder (only OS litter)', async () => {
    await expectSampleSetError(
      () => detectSampleSet([bytesEntry('d/.DS_Store', 'x')]),
      /no usable files: only d\/.DS_Store/,
    );
  });
  it('nothing recognisable', async () => {
    await expectSampleSetError(
      () => detectSampleSet([bytesEntry('notes.txt', 'hi'), bytesEntry('model.onnx', 'x')]),
      'no sample set recognised in 2 file(s) (.onnx, .txt); expected .npy/.npz',
    );
  });
  it('label count mismatch', async () => {
    const y = buildNpy('<i8', [999], new Uint8Array(999 * 8));
    await expectSampleSetError(
      () =>
        detectSampleSet([fileEntry(`${M8}/samples/inputs.npy`, 'inputs.npy'), bytesEntry('labels.npy', y)]),
      'labels.npy has 999 labels but inputs.npy has 1,000 samples',
    );
  });
  it('idx label count mismatch', async () => {
    const head = (dims: number[]) => {
      const b = new Uint8Array(4 + 4 * dims.length);
      b.set([0, 0, 8, dims.length]);
      dims.forEach((d, i) => new DataView(b.buffer).setUint32(4 + 4 * i, d));
      return b;
    };
    const imgs = new Uint8Array([...head([2, 2, 2]), ...new Uint8Array(8)]);
    const lbls = new Uint8Array([...head([3]), 1, 2, 3]);
    await expectSampleSetError(
      () => detectSampleSet([bytesEntry('a-idx3-ubyte', imgs), bytesEntry('b-idx1-ubyte', lbls)]),
      'b-idx1-ubyte has 3 labels but a-idx3-ubyte has 2 images',
    );
  });
  it('npy with an unsupported dtype', async () => {
    await expectSampleSetError(
      () => detectSampleSet([bytesEntry('inputs.npy', buildNpy('<c16', [2], new Uint8Array(32)))]),
      'inputs.npy',
      /dtype '<c16' is not supported/,
    );
  });
  it('wrong shape for the model', () => {
    expect(() =>
      checkSamplesFit(
        [1, 28, 28],
        { name: 'data_0', shape: [1, 3, 224, 224], dtype: 'float32' },
        'inputs.npy',
      ),
    ).toThrow(
      "inputs.npy: each sample has shape [1,28,28] but model input 'data_0' expects [1,3,224,224] (per sample [3,224,224])",
    );
  });
  it('test data with a per-sample shape that changes between sets', async () => {
    const pb = (p: string) => fileEntry(p, '');
    const a = pb(`${M8}/test_data_set_0/input_0.pb`);
    const b = pb(testModel('iris-mlp-winml', 'samples', 'test_data_set_0', 'input_0.pb'));
    await expectSampleSetError(
      () =>
        detectSampleSet([
          { ...a, path: 't/test_data_set_0/input_0.pb' },
          { ...b, path: 't/test_data_set_1/input_0.pb' },
        ]),
      't/test_data_set_1/input_0.pb: per-sample shape [4] differs from [1,28,28]',
    );
  });
  it('a .pb that is not a TensorProto', async () => {
    await expectSampleSetError(
      () => detectSampleSet([bytesEntry('test_data_set_0/input_0.pb', Uint8Array.of(0xff, 0xff, 0xff))]),
      'test_data_set_0/input_0.pb: not a readable ONNX TensorProto',
    );
  });
  it('a float labels.npy with fractions', async () => {
    await expectSampleSetError(
      () =>
        detectSampleSet([
          bytesEntry('x.npy', buildNpy('<f4', [2, 2], new Uint8Array(16))),
          bytesEntry('y.npy', buildNpy('<f4', [2], bytesOf(Float32Array.of(0, 0.5)))),
        ]),
      'y.npy: label 1 is 0.5',
    );
  });
});
