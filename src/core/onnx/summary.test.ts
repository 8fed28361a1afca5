import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildModel,
  externalTensor,
  floatTensor,
  int64Tensor,
  node,
  valueInfo,
} from '../../../test/fixtures/onnx-builders';
import { testModel } from '../../../test/paths';
import type { ModelSummary } from './summary-types';
import { parseModel } from './read';
import { summarizeModel } from './summary';
import { findWeights } from './weights';

const open = (...p: string[]) => parseModel(new Uint8Array(readFileSync(testModel(...p))), p[p.length - 1]);

describe.each<[string[], Partial<ModelSummary>]>([
  [
    ['mnist-8', 'model.onnx'],
    {
      fileName: 'model.onnx',
      fileBytes: 26454,
      name: 'CNTKGraph',
      producer: 'CNTK 2.5.1',
      irVersion: 3,
      opsets: { '': 8 },
      inputs: [{ name: 'Input3', dtype: 'float32', shape: [1, 1, 28, 28] }],
      outputs: [{ name: 'Plus214_Output_0', dtype: 'float32', shape: [1, 10] }],
      opCounts: { Reshape: 2, Conv: 2, Add: 3, Relu: 2, MaxPool: 2, MatMul: 1 },
      totalParams: 5998,
      totalWeightBytes: 5994 * 4 + 4 * 8,
      externalFiles: [],
    },
  ],
  [
    ['iris-mlp-winml', 'model.onnx'],
    {
      producer: 'pytorch 1.7',
      irVersion: 6,
      opsets: { '': 11 },
      totalParams: 795,
      inputs: [{ name: 'input', dtype: 'float32', shape: ['batch_size', 4] }],
      outputs: [{ name: 'output', dtype: 'float32', shape: ['batch_size', 3] }],
    },
  ],
  [
    ['squeezenet1.0-fp16-winml', 'model_fp16.onnx'],
    {
      opsets: { '': 7 },
      totalParams: 1235496,
      totalWeightBytes: 1235496 * 2,
      inputs: [{ name: 'data_0', dtype: 'float16', shape: [1, 3, 224, 224] }],
    },
  ],
])('summarizeModel(%s)', (path, expected) => {
  it('matches', () => {
    const model = open(...path);
    const weights = findWeights(model);
    const s = summarizeModel(model, weights);
    expect(s).toMatchObject(expected);
    expect(s.weights).toBe(weights);
  });
});

describe('summary of a built model', () => {
  it('handles unknown dims, custom domains, external files and a non-tensor input', () => {
    const proto = buildModel({
      opset: { '': 17, 'com.microsoft': 1 },
      inputs: [valueInfo('x', 'float16', ['batch', null, 4]), valueInfo('unranked', 'int64')],
      outputs: [valueInfo('y', 'float32', [])],
      nodes: [
        node('MatMul', ['x', 'W'], ['h']),
        node('FusedGelu', ['h'], ['y'], {}, { domain: 'com.microsoft' }),
      ],
      initializers: [
        externalTensor('W', 'float32', [4, 4], { location: 'w.data' }),
        int64Tensor('s', [2], [1, 2]),
        floatTensor('b', [4], [1, 2, 3, 4]),
      ],
      initializersAsInputs: true,
    });
    proto.graph!.input.push({ ...proto.graph!.input[0], name: 'noType', type: undefined });
    const s = summarizeModel({ proto, fileName: 'm.onnx', fileBytes: 10, externalFiles: new Map() });
    expect(s.inputs).toEqual([
      { name: 'x', dtype: 'float16', shape: ['batch', null, 4] },
      { name: 'unranked', dtype: 'int64', shape: [] },
      { name: 'noType', dtype: 'unknown', shape: [] },
    ]);
    expect(s.opCounts).toEqual({ MatMul: 1, 'com.microsoft.FusedGelu': 1 });
    expect(s.opsets).toEqual({ '': 17, 'com.microsoft': 1 });
    expect(s.totalParams).toBe(16 + 2 + 4);
    expect(s.totalWeightBytes).toBe(64 + 16 + 16);
    expect(s.externalFiles).toEqual(['w.data']);
    expect(s.name).toBe('test');
    expect(s.weights).toEqual([]);
  });
});
