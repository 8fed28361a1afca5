// Round-to-nearest accuracies must land on test/data/README.md "Reference quantization" (± one sample).
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { parseModel } from '../src/core/onnx';
import { normalizeConfig } from '../src/core/quant/config';
import { runQuantization } from '../src/core/pipeline/run';
import { npyToFloat32, npyToLabels, parseNpy } from '../src/core/samples/npy';
import { parseIdx } from '../src/core/samples/idx';
import { testModel } from './paths';
import { EXACT_SESSION } from './support/ort';

type Variant = 'float' | 'int8 pc' | 'int4 pc' | 'int8 pt' | 'int4 pt';
/** Top-1 accuracy % and, for quantized variants, top-1 agreement % with the float model. */
type Expected = Record<Variant, [number, number]>;

interface DataSet {
  inputs: Float32Array;
  labels: Int32Array;
  sampleDims: number[];
}

const npySet = (dir: string, sampleDims: number[]): DataSet => ({
  inputs: npyToFloat32(parseNpy(readFileSync(testModel(dir, 'inputs.npy')), 'inputs.npy')),
  labels: npyToLabels(parseNpy(readFileSync(testModel(dir, 'labels.npy')), 'labels.npy')),
  sampleDims,
});

/** The full MNIST test set from the idx files, raw 0..255 or normalized as mnist-onnx-mlir expects (in float32). */
function mnist10k(normalize: boolean): DataSet {
  const images = parseIdx(
    readFileSync(testModel('mnist-8/mnist_t10k/t10k-images-idx3-ubyte.gz')),
    't10k-images',
  );
  const labels = parseIdx(
    readFileSync(testModel('mnist-8/mnist_t10k/t10k-labels-idx1-ubyte.gz')),
    't10k-labels',
  );
  const inputs = Float32Array.from(images.data, (p) =>
    normalize ? Math.fround(Math.fround(Math.fround(p / 255) - 0.1307) / 0.3081) : p,
  );
  return { inputs, labels: Int32Array.from(labels.data), sampleDims: [1, 1, 28, 28] };
}

const CASES: { name: string; model: string; input: string; data: () => DataSet; expected: Expected }[] = [
  {
    name: 'mnist-8 samples (1,000)',
    model: 'mnist-8/model.onnx',
    input: 'Input3',
    data: () => npySet('mnist-8/samples', [1, 1, 28, 28]),
    expected: {
      float: [98.7, 100],
      'int8 pc': [98.7, 100],
      'int4 pc': [98.6, 99.3],
      'int8 pt': [98.7, 100],
      'int4 pt': [98.6, 99.7],
    },
  },
  {
    name: 'mnist-8 MNIST test (10,000)',
    model: 'mnist-8/model.onnx',
    input: 'Input3',
    data: () => mnist10k(false),
    expected: {
      float: [98.91, 100],
      'int8 pc': [98.93, 99.97],
      'int4 pc': [98.7, 99.45],
      'int8 pt': [98.93, 99.98],
      'int4 pt': [98.77, 99.25],
    },
  },
  {
    name: 'mnist-onnx-mlir samples (1,000)',
    model: 'mnist-onnx-mlir/model.onnx',
    input: 'image',
    data: () => npySet('mnist-onnx-mlir/samples', [1, 1, 28, 28]),
    expected: {
      float: [91.4, 100],
      'int8 pc': [91.4, 100],
      'int4 pc': [91.4, 98.6],
      'int8 pt': [91.3, 99.9],
      'int4 pt': [91.4, 98.3],
    },
  },
  {
    name: 'mnist-onnx-mlir MNIST test (10,000)',
    model: 'mnist-onnx-mlir/model.onnx',
    input: 'image',
    data: () => mnist10k(true),
    expected: {
      float: [92.54, 100],
      'int8 pc': [92.54, 99.97],
      'int4 pc': [92.38, 98.93],
      'int8 pt': [92.53, 99.92],
      'int4 pt': [92.61, 98.54],
    },
  },
  {
    name: 'iris-mlp-winml Iris (150)',
    model: 'iris-mlp-winml/model.onnx',
    input: 'input',
    data: () => npySet('iris-mlp-winml/samples', [1, 4]),
    expected: {
      float: [98.0, 100],
      'int8 pc': [98.0, 100],
      'int4 pc': [94.0, 93.33],
      'int8 pt': [98.0, 100],
      'int4 pt': [94.67, 94.0],
    },
  },
];

const VARIANTS: Record<Exclude<Variant, 'float'>, object> = {
  'int8 pc': { bits: 8, granularity: 'channel' },
  'int4 pc': { bits: 4, granularity: 'channel' },
  'int8 pt': { bits: 8, granularity: 'tensor' },
  'int4 pt': { bits: 4, granularity: 'tensor' },
};

async function predict(bytes: Uint8Array, input: string, data: DataSet): Promise<Int32Array> {
  const session = await ort.InferenceSession.create(bytes, EXACT_SESSION);
  const per = data.sampleDims.reduce((a, b) => a * b, 1);
  const n = data.inputs.length / per;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const x = new ort.Tensor('float32', data.inputs.subarray(i * per, (i + 1) * per), data.sampleDims);
    const y = Object.values(await session.run({ [input]: x }))[0].data as Float32Array;
    let best = 0;
    for (let c = 1; c < y.length; c++) if (y[c] > y[best]) best = c;
    out[i] = best;
  }
  await session.release();
  return out;
}

describe.each(CASES)('$name', ({ model: path, input, data, expected }) => {
  const bytes = new Uint8Array(readFileSync(testModel(path)));
  const model = parseModel(bytes, path);
  const set = data();
  const n = set.labels.length;
  let floatPred: Int32Array;
  /** ± one sample, as the reference table allows for rounding ties. */
  const near = (count: number, percent: number) => Math.abs(count - Math.round((percent * n) / 100)) <= 1;

  it('float accuracy', async () => {
    floatPred = await predict(bytes, input, set);
    const correct = floatPred.filter((p, i) => p === set.labels[i]).length;
    expect(near(correct, expected.float[0]), `${correct}/${n}`).toBe(true);
  });

  it.each(Object.entries(VARIANTS))('%s accuracy and agreement', async (variant, partial) => {
    const { bytes: out } = await runQuantization(model, normalizeConfig(partial), variant);
    const pred = await predict(out, input, set);
    const correct = pred.filter((p, i) => p === set.labels[i]).length;
    const agree = pred.filter((p, i) => p === floatPred[i]).length;
    const [acc, agreement] = expected[variant as Variant];
    expect(near(correct, acc), `accuracy ${correct}/${n}, want ${acc}%`).toBe(true);
    expect(near(agree, agreement), `agreement ${agree}/${n}, want ${agreement}%`).toBe(true);
  });
});
