import { equals } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildModel,
  externalTensor,
  floatTensor,
  MemoryBlob,
  modelBytes,
  node,
  valueInfo,
} from '../../../test/fixtures/onnx-builders';
import { testModel } from '../../../test/paths';
import { parseModel } from './read';
import { makeFloat32Tensor } from './tensor';
import { serializeModel } from './write';

const externalModel = modelBytes(
  buildModel({
    inputs: [valueInfo('x', 'float32', ['batch', 2])],
    outputs: [valueInfo('y', 'float32', ['batch', 3])],
    nodes: [node('MatMul', ['x', 'W'], ['h']), node('Add', ['h', 'b'], ['y'])],
    initializers: [
      externalTensor('W', 'float32', [2, 3], { location: 'model.onnx.data', offset: 0, length: 24 }),
      floatTensor('b', [3], [1, 2, 3]),
    ],
  }),
);

const CASES: [string, () => Uint8Array][] = [
  ...[
    'mnist-8/model.onnx',
    'mnist-onnx-mlir/model.onnx',
    'iris-mlp-winml/model.onnx',
    'squeezenet1.0-fp16-winml/model_fp16.onnx',
    'squeezenet1.0-fp16-winml/model_fp32_converted.onnx',
  ].map((p): [string, () => Uint8Array] => [
    p,
    () => new Uint8Array(readFileSync(testModel(...p.split('/')))),
  ]),
  ['built model with external data', () => externalModel],
  // an unknown field (99, varint 1) appended to the ModelProto must survive
  ['model with an unknown field', () => new Uint8Array([...externalModel, 0x98, 0x06, 0x01])],
];

const sidecars = new Map([['model.onnx.data', new MemoryBlob(new Uint8Array(24))]]);

describe.each(CASES)('round trip: %s', (_, load) => {
  it('write(read(x)) is byte-identical and read(write(read(x))) equals read(x)', () => {
    const bytes = load();
    const first = parseModel(bytes, 'model.onnx', sidecars);
    const written = serializeModel(first.proto);
    expect(written.byteLength).toBe(bytes.byteLength);
    expect(Buffer.compare(Buffer.from(written), Buffer.from(bytes))).toBe(0);
    const second = parseModel(written, 'model.onnx', sidecars);
    expect(equals(ModelProtoSchema, second.proto, first.proto)).toBe(true);
  });
});

describe('edits are written', () => {
  it('a replaced initializer reads back', () => {
    const m = parseModel(
      new Uint8Array(readFileSync(testModel('iris-mlp-winml', 'model.onnx'))),
      'iris.onnx',
    );
    const g = m.proto.graph!;
    const i = g.initializer.findIndex((t) => t.name === 'layer3.bias');
    g.initializer[i] = makeFloat32Tensor('layer3.bias', [3], new Float32Array([9, 8, 7]));
    const back = parseModel(serializeModel(m.proto), 'iris.onnx');
    const t = back.proto.graph!.initializer.find((x) => x.name === 'layer3.bias')!;
    expect(new Float32Array(t.rawData.slice().buffer)).toEqual(new Float32Array([9, 8, 7]));
  });
});
