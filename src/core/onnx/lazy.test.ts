import { equals } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  attr,
  buildGraph,
  buildModel,
  constantNode,
  floatTensor,
  MemoryBlob,
  modelBytes,
  node,
  ramp,
  valueInfo,
} from '../../../test/fixtures/onnx-builders';
import { testModel } from '../../../test/paths';
import { readParts, serializeParts } from '../export/stream';
import { lazyRaw, LAZY_MIN_BYTES } from './lazy';
import { parseModel, parseModelBlob } from './read';
import { forEachTensor } from './graph';
import { readTensorBytes } from './tensor';
import { readLazyTensors, serializeModel } from './write';

const big = (name: string, n = LAZY_MIN_BYTES / 4 + 3) => floatTensor(name, [n], ramp(n, 1e-4));

/** Large tensors in every place the lazy walk follows: initializer, Constant attribute, If branch, tensors list. */
const nested = () => {
  const branch = (out: string, t: string) =>
    buildGraph({
      inputs: [],
      outputs: [valueInfo(out, 'float32', [LAZY_MIN_BYTES / 4 + 3])],
      nodes: [node('Identity', [t], [out])],
      initializers: [big(t)],
    });
  return modelBytes(
    buildModel({
      inputs: [valueInfo('c', 'bool', [])],
      outputs: [valueInfo('y', 'float32', [LAZY_MIN_BYTES / 4 + 3])],
      nodes: [
        constantNode('k', big('k_value')),
        node('If', ['c'], ['z'], { then_branch: branch('a', 'ta'), else_branch: branch('b', 'tb') }),
        node('Add', ['z', 'k'], ['s']),
        node('Add', ['s', 'W'], ['y']),
      ],
      initializers: [big('W'), floatTensor('small', [2], [1, 2])],
    }),
  );
};

const CASES: [string, () => Uint8Array, number][] = [
  ['mnist-8', () => new Uint8Array(readFileSync(testModel('mnist-8', 'model.onnx'))), 0],
  [
    'squeezenet fp32',
    () => new Uint8Array(readFileSync(testModel('squeezenet1.0-fp16-winml', 'model_fp32_converted.onnx'))),
    10,
  ],
  ['initializer, Constant, If branches', nested, 4],
  // an unknown ModelProto field (99) is copied through the walk as it is
  ['unknown field', () => new Uint8Array([...nested(), 0x98, 0x06, 0x01]), 4],
];

describe.each(CASES)('lazy open: %s', (_, load, atLeast) => {
  it('leaves large raw_data in the file, reads it back exactly, and writes the same bytes', async () => {
    const bytes = load();
    const blob = new MemoryBlob(bytes);
    const lazy = await parseModelBlob(blob, 'model.onnx');
    const eager = parseModel(bytes, 'model.onnx');
    let held = 0;
    forEachTensor(lazy.proto, (t) => void (lazyRaw(t) && held++));
    expect(held).toBeGreaterThanOrEqual(atLeast);
    // No read took the whole file (only windows of the graph and single tensors).
    if (held > 0) expect(Math.max(...blob.reads.map(([a, b]) => b - a))).toBeLessThan(bytes.length);
    expect(equals(ModelProtoSchema, await readLazyTensors(lazy.proto), eager.proto)).toBe(true);
    const file = await serializeParts(lazy.proto);
    expect(file.size).toBe(bytes.length);
    expect(Buffer.compare(Buffer.from(await readParts(file)), Buffer.from(bytes))).toBe(0);
    // readTensorBytes of a lazy tensor equals the eager one's
    const w = lazy.proto.graph!.initializer.find((t) => lazyRaw(t));
    if (w) {
      const e = eager.proto.graph!.initializer.find((t) => t.name === w.name)!;
      expect(Buffer.from(await readTensorBytes(lazy, w)).equals(Buffer.from(e.rawData))).toBe(true);
    }
  });
});

describe('lazy open, edges', () => {
  it('a ModelProto with its graph field given twice (protobuf merges them) is read whole', async () => {
    const bytes = nested();
    const twice = new Uint8Array([...bytes, 0x3a, 0x00]); // an empty second graph: merged, nothing changes
    const m = await parseModelBlob(new MemoryBlob(twice), 'model.onnx');
    let held = 0;
    forEachTensor(m.proto, (t) => void (lazyRaw(t) && held++));
    expect(held).toBe(0);
    expect(equals(ModelProtoSchema, m.proto, parseModel(twice, 'model.onnx').proto)).toBe(true);
  });

  it('serializeModel refuses a model with tensors still in the file instead of writing empty ones', async () => {
    const m = await parseModelBlob(new MemoryBlob(nested()), 'model.onnx');
    expect(() => serializeModel(m.proto)).toThrow(/still in the model file/);
  });

  it('a file cut short is refused with the same message as a whole-file read', async () => {
    const bytes = nested().subarray(0, 5000);
    const whole = (() => {
      try {
        parseModel(bytes, 'model.onnx');
      } catch (e) {
        return (e as Error).message;
      }
    })();
    await expect(parseModelBlob(new MemoryBlob(bytes), 'model.onnx')).rejects.toThrow(whole!);
  });

  it('attr.tensor is reachable (guard for the table the walk follows)', () => {
    expect(attr.tensor('value', big('x')).t?.name).toBe('x');
  });
});

describe('fuzz: byte flips and truncations through the lazy open', () => {
  it('200 mutants: the lazy open accepts exactly what the whole-file parse accepts, and reads the same', async () => {
    let seed = 99;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const base = nested();
    const outcomes = { parsed: 0, rejected: 0 };
    for (let i = 0; i < 200; i++) {
      let bytes = base.slice();
      // flips land in the graph's bytes as often as in tensor data: the first 2 KiB and anywhere
      for (let k = 1 + Math.floor(rand() * 6); k > 0; k--) {
        const at = Math.floor(rand() * (i % 2 ? 2048 : bytes.length));
        bytes[at] = Math.floor(rand() * 256);
      }
      if (i % 3 === 0) bytes = bytes.subarray(0, Math.floor(rand() * bytes.length));
      const eager = await Promise.resolve()
        .then(() => parseModel(bytes, 'fuzz.onnx'))
        .catch((e: unknown) => e as Error);
      const lazy = await parseModelBlob(new MemoryBlob(bytes), 'fuzz.onnx').catch((e: unknown) => e as Error);
      if (lazy instanceof Error) {
        expect(lazy.name, `mutant ${i}: ${lazy.message}`).not.toBe('Error');
        expect(eager, `mutant ${i}`).toBeInstanceOf(Error);
        outcomes.rejected++;
        continue;
      }
      expect(eager, `mutant ${i}`).not.toBeInstanceOf(Error);
      const whole = eager as Exclude<typeof eager, Error>;
      expect(equals(ModelProtoSchema, await readLazyTensors(lazy.proto), whole.proto), `mutant ${i}`).toBe(
        true,
      );
      outcomes.parsed++;
    }
    expect(outcomes.parsed).toBeGreaterThan(0);
    expect(outcomes.rejected).toBeGreaterThan(0);
  });
});
