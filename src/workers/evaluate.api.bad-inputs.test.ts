// The evaluate worker API on bad input: each gets a clear error, never a crash, hang or silent wrong answer.
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { buildNpy, bytesOf } from '../../test/fixtures/samples/entries';
import { buildModel, modelBytes, node, valueInfo } from '../../test/fixtures/onnx-builders';
import { testModel } from '../../test/paths';
import { createEvaluateApi } from './evaluate.api';
import { blobOf, file } from '../../test/support/evaluate-cases';

ort.env.wasm.numThreads = 1;

describe('bad inputs', () => {
  it('rejects a label file that does not match the inputs, naming both files', async () => {
    const api = createEvaluateApi(ort);
    const labels = buildNpy('<i8', [999], bytesOf(new BigInt64Array(999)));
    await expect(
      api.loadSamples([
        file(testModel('mnist-8/samples/inputs.npy'), 'inputs.npy'),
        { path: 'labels.npy', blob: blobOf(labels) },
      ]),
    ).rejects.toMatchObject({
      name: 'SampleSetError',
      message: expect.stringMatching(/labels\.npy has 999 labels but inputs\.npy has 1,000 samples/),
    });
  });

  it('feeds zeros to a second input with no data, and rejects calls that need state the worker does not have', async () => {
    const api = createEvaluateApi(ort);
    await expect(api.preview({ dtype: 'float32', shape: [1, 4] }, null)).rejects.toMatchObject({
      name: 'ModelNotLoadedError',
    });
    await api.loadSamples([file(testModel('iris-mlp-winml/samples/inputs.npy'), 'inputs.npy')]);
    const twoInputs = modelBytes(
      buildModel({
        opset: 13,
        inputs: [valueInfo('a', 'float32', ['N', 4]), valueInfo('b', 'float32', ['N', 4])],
        outputs: [valueInfo('y', 'float32', ['N', 4])],
        nodes: [node('Add', ['a', 'b'], ['y'])],
      }),
    );
    // The one array feeds 'a'; 'b' is not in the samples and is fed zeros, which the report says.
    const two = await api.evaluate({
      float: { blob: blobOf(twoInputs) },
      variants: [],
      preprocess: null,
      mode: 'exact',
    });
    expect(two.notes.join('\n')).toMatch(/input 'b' float32 \[N,4\] is not in the samples: fed zeros/);
    await expect(
      api.evaluate({
        float: { blob: blobOf(new Uint8Array([1, 2, 3])) },
        variants: [],
        preprocess: null,
        mode: 'exact',
      }),
    ).rejects.toMatchObject({
      name: 'EvaluationError',
      message: expect.stringMatching(/^float model: onnxruntime could not load the model/),
    });
    await expect(api.setTabularOptions({ labelColumn: 'x' })).rejects.toMatchObject({
      name: 'SampleSetError',
    });
    await expect(api.flips('x', 'exact', 1)).rejects.toMatchObject({ name: 'EvaluationError' });
    // An integer input is fed the samples converted (whole values are checked when the run feeds them).
    const r = await api.preview({ name: 'input', dtype: 'int64', shape: ['N', 4] }, null);
    expect(r.fit).toMatchObject({ ok: true, description: expect.stringMatching(/converted to int64/) });
  });

  it('checkLoads: a model onnxruntime has no kernel for is refused with its message; a good one passes', async () => {
    const api = createEvaluateApi(ort);
    const model = (op: string) =>
      new Blob([
        modelBytes(
          buildModel({
            inputs: [valueInfo('x', 'float32', [1, 4])],
            outputs: [valueInfo('y', 'float32', [1, 4])],
            nodes: [node(op, ['x'], ['y'])],
          }),
        ) as Uint8Array<ArrayBuffer>,
      ]);
    await expect(api.checkLoads(model('Relu'), 'good.onnx')).resolves.toBeUndefined();
    await expect(api.checkLoads(model('NoSuchOp'), 'bad_w8_channel.onnx')).rejects.toMatchObject({
      name: 'EvaluationError',
      message: expect.stringMatching(/^onnxruntime-web could not load bad_w8_channel\.onnx: .*NoSuchOp/),
    });
    await expect(api.checkLoads(new Blob([new Uint8Array([1, 2, 3])]), 'junk.onnx')).rejects.toMatchObject({
      name: 'EvaluationError',
    });
  });
});
