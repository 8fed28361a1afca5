import { create, toBinary } from '@bufbuild/protobuf';
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
import { isStudioError, type StudioErrorName } from '../errors';
import { openModel, parseModel } from './read';
import { summarizeModel } from './summary';
import { findWeights, readWeight } from './weights';

const read = (...p: string[]) => new Uint8Array(readFileSync(testModel(...p)));
const ascii = (s: string) => new TextEncoder().encode(s);
const MNIST = read('mnist-8', 'model.onnx');

const TEST_MODELS: [string, number, number][] = [
  // path, nodes, initializers
  ['mnist-8/model.onnx', 12, 8],
  ['mnist-onnx-mlir/model.onnx', 7, 4],
  ['iris-mlp-winml/model.onnx', 5, 6],
  ['squeezenet1.0-fp16-winml/model_fp16.onnx', 66, 52],
  ['squeezenet1.0-fp16-winml/model_fp32_converted.onnx', 66, 52],
];

describe.each(TEST_MODELS)('parseModel(%s)', (path, nodes, inits) => {
  it(`decodes ${nodes} nodes and ${inits} initializers`, () => {
    const bytes = read(...path.split('/'));
    const m = parseModel(bytes, 'model.onnx');
    expect(m.proto.graph!.node).toHaveLength(nodes);
    expect(m.proto.graph!.initializer).toHaveLength(inits);
    expect(m.fileBytes).toBe(bytes.byteLength);
    expect(m.externalFiles.size).toBe(0);
  });
});

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

const noGraph = toBinary(ModelProtoSchema, create(ModelProtoSchema, { irVersion: 8n, producerName: 'x' }));
const irZero = modelBytes(buildModel({ irVersion: 0, nodes: [node('Relu', ['x'], ['y'])] }));

describe('bad inputs', () => {
  it.each<[string, Uint8Array, StudioErrorName, RegExp]>([
    ['empty file', new Uint8Array(0), 'OnnxParseError', /^Not an ONNX model \(empty file\)$/],
    [
      'PNG image',
      read('mnist-8', 'samples', 'png', '0', '0001.png'),
      'OnnxParseError',
      /\(this is a PNG image\)/,
    ],
    ['zip archive', read('mnist-8', 'samples', 'samples.npz'), 'OnnxParseError', /zip archive/],
    ['npy', read('mnist-8', 'samples', 'labels.npy'), 'OnnxParseError', /NumPy/],
    ['gzip', read('mnist-8', 'mnist_t10k', 't10k-labels-idx1-ubyte.gz'), 'OnnxParseError', /gzip/],
    ['text', ascii('name,label\n0001.png,7\n'), 'OnnxParseError', /text file/],
    ['HTML page', ascii('<!DOCTYPE html><html><body>404</body></html>'), 'OnnxParseError', /HTML/],
    [
      'Git LFS pointer',
      ascii('version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n'),
      'OnnxParseError',
      /Git LFS pointer/,
    ],
    [
      'truncated model',
      MNIST.subarray(0, 1000),
      'OnnxParseError',
      /Not an ONNX model \(truncated or corrupt protobuf/,
    ],
    ['TensorProto file', read('mnist-8', 'test_data_set_0', 'input_0.pb'), 'OnnxParseError', /TensorProto/],
    ['protobuf without graph', noGraph, 'OnnxParseError', /without a graph/],
    ['ir_version 0', irZero, 'OnnxParseError', /ir_version 0/],
    [
      'binary junk',
      new Uint8Array([0xff, 0x00, 0x13, 0x37, 0x00]),
      'OnnxParseError',
      /unexpected first protobuf field/,
    ],
  ])('%s', (_, bytes, name, message) => {
    const e = errorOf(() => parseModel(bytes, 'file'));
    expect(isStudioError(e, name), String(e)).toBe(true);
    expect((e as Error).message).toMatch(message);
    expect((e as Error).message).not.toContain('\n');
  });
});

/** Deterministic PRNG (mulberry32) so a fuzz failure reproduces. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('fuzz: byte flips and truncations of mnist-8', () => {
  const FUZZ_CASES = 400;
  it(`${FUZZ_CASES} mutants each parse or throw a StudioError`, async () => {
    const rand = prng(1234);
    const outcomes = { parsed: 0, rejected: 0 };
    for (let i = 0; i < FUZZ_CASES; i++) {
      let bytes = MNIST.slice();
      if (i % 3 !== 1)
        for (let k = 1 + Math.floor(rand() * 8); k > 0; k--)
          bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      if (i % 3 !== 0) bytes = bytes.subarray(0, Math.floor(rand() * bytes.length));
      try {
        const m = parseModel(bytes, 'fuzz.onnx');
        // whatever decodes must also survive the rest of the read path
        const weights = findWeights(m, { includeGather: true });
        summarizeModel(m, weights);
        for (const w of weights) await readWeight(m, w);
        outcomes.parsed++;
      } catch (e) {
        if (!isStudioError(e)) throw new Error(`mutant ${i}: ${String(e)}`, { cause: e });
        outcomes.rejected++;
      }
    }
    expect(outcomes.parsed).toBeGreaterThan(0);
    expect(outcomes.rejected).toBeGreaterThan(0);
  });
});

describe('openModel', () => {
  const data = new Float32Array([1, 2, 3, 4, 5, 6]);
  const proto = buildModel({
    inputs: [valueInfo('x', 'float32', [1, 2])],
    outputs: [valueInfo('y', 'float32', [1, 3])],
    nodes: [node('MatMul', ['x', 'W'], ['y'])],
    initializers: [
      externalTensor('W', 'float32', [2, 3], { location: 'weights/model.data', offset: 0, length: 24 }),
    ],
  });
  const file = { name: 'model.onnx', blob: new MemoryBlob(modelBytes(proto)) };
  const sidecar = () => ({ name: 'model.data', blob: new MemoryBlob(new Uint8Array(data.buffer)) });

  it('resolves a sidecar by file name and reads it lazily', async () => {
    const side = sidecar();
    const m = await openModel(file, [side]);
    expect([...m.externalFiles.keys()]).toEqual(['weights/model.data']);
    expect(side.blob.reads).toEqual([]);
    const [w] = findWeights(m);
    expect(await readWeight(m, w)).toEqual(data);
    expect(side.blob.reads).toEqual([[0, 24]]);
  });
  it('reports the missing sidecar by name', async () => {
    await expect(openModel(file)).rejects.toMatchObject({
      name: 'ExternalDataMissingError',
      message: expect.stringContaining('model.data'),
    });
  });
  it('parses without sidecars when checkExternal is false', () => {
    const m = parseModel(modelBytes(proto), 'model.onnx', new Map(), { checkExternal: false });
    expect(m.externalFiles.size).toBe(0);
  });
  it('wraps a failing blob read', async () => {
    const broken = {
      size: 10,
      slice: () => ({ arrayBuffer: () => Promise.reject(new Error('permission denied')) }),
    };
    await expect(openModel({ name: 'm.onnx', blob: broken })).rejects.toMatchObject({
      name: 'OnnxParseError',
      message: "cannot read 'm.onnx' (permission denied)",
    });
  });
  it('plain floatTensor models parse from openModel', async () => {
    const p = buildModel({ initializers: [floatTensor('a', [1], [1])] });
    const m = await openModel({ name: 'a.onnx', blob: new MemoryBlob(modelBytes(p)) });
    expect(m.proto.graph!.initializer[0].name).toBe('a');
  });
});
