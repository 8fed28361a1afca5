import { describe, expect, it } from 'vitest';
import {
  buildModel,
  encodeValues,
  externalTensor,
  float16Tensor,
  floatTensor,
  MemoryBlob,
  modelBytes,
  node,
  ramp,
  valueInfo,
} from '../../../test/fixtures/onnx-builders';
import { parseModel, parseModelBlob } from './read';
import { weightChunks, weightRangeReader } from './weight-range';
import { findWeights, readWeight } from './weights';

// [160, 128] float32 = 80 KB: above LAZY_MIN_BYTES, so a model opened from a Blob leaves it in the file.
const K = 160;
const N = 128;
const vals = (seed: number) => ramp(K * N, 1e-3).map((v, i) => v + Math.sin(i * seed));

function model() {
  const ext = encodeValues('float32', vals(0.3));
  const half = encodeValues('float16', vals(0.7));
  const data = new Uint8Array(8 + ext.length + half.length); // 8 bytes of padding first: offsets are honoured
  data.set(ext, 8);
  data.set(half, 8 + ext.length);
  const proto = buildModel({
    inputs: [valueInfo('x', 'float32', [1, K]), valueInfo('xt', 'float32', [1, N])],
    outputs: ['a', 'b', 'c', 'd', 'e'].map((o) => valueInfo(o, 'float32')),
    nodes: [
      node('MatMul', ['x', 'Lazy'], ['a']),
      node('MatMul', ['x', 'Ext'], ['b']),
      node('Cast', ['Half'], ['half32'], { to: 1 }),
      node('MatMul', ['x', 'half32'], ['c']),
      node('Transpose', ['Turned'], ['turned_t'], { perm: [1, 0] }),
      node('MatMul', ['xt', 'turned_t'], ['d']),
      node('MatMul', ['x', 'Small'], ['e']),
    ],
    initializers: [
      floatTensor('Lazy', [K, N], vals(0.1)),
      externalTensor('Ext', 'float32', [K, N], { location: 'w.bin', offset: 8, length: ext.length }),
      externalTensor('Half', 'float16', [K, N], { location: 'w.bin', offset: 8 + ext.length }),
      floatTensor('Turned', [K, N], vals(0.2)),
      float16Tensor('Small', [K, 4], vals(0.4).slice(0, K * 4)),
    ],
  });
  return { bytes: modelBytes(proto), data };
}

describe('weightRangeReader', () => {
  it('reads any range of a lazy, external or cast weight as exactly that slice of readWeight', async () => {
    const { bytes, data } = model();
    const file = new MemoryBlob(data);
    const m = await parseModelBlob(new MemoryBlob(bytes), 'm.onnx', new Map([['w.bin', file]]));
    const byName = new Map(findWeights(m).map((w) => [w.initializer, w]));
    for (const name of ['Lazy', 'Ext', 'Half']) {
      const w = byName.get(name)!;
      const whole = await readWeight(m, w);
      const read = weightRangeReader(m, w)!;
      expect(read, name).not.toBeNull();
      for (const [a, b] of [
        [0, K * N],
        [0, 1],
        [127, 129],
        [5000, 5000],
        [K * N - 3, K * N],
      ])
        expect(await read(a, b), `${name} ${a}..${b}`).toEqual(whole.subarray(a, b));
      await expect(read(0, K * N + 1)).rejects.toThrow(/outside/);
    }
    // Only the asked range of the data file is read.
    file.reads.length = 0;
    await weightRangeReader(m, byName.get('Ext')!)!(10, 20);
    expect(file.reads).toEqual([[8 + 40, 8 + 80]]);
  });

  it('is null for a weight transposed on its way, one held inline, and a model read from bytes', async () => {
    const { bytes, data } = model();
    const m = await parseModelBlob(
      new MemoryBlob(bytes),
      'm.onnx',
      new Map([['w.bin', new MemoryBlob(data)]]),
    );
    const byName = new Map(findWeights(m).map((w) => [w.initializer, w]));
    expect(weightRangeReader(m, byName.get('Turned')!)).toBeNull();
    expect(weightRangeReader(m, byName.get('Small')!)).toBeNull();
    const inline = parseModel(bytes, 'm.onnx', new Map([['w.bin', new MemoryBlob(data)]]));
    expect(
      weightRangeReader(
        inline,
        findWeights(inline).find((w) => w.initializer === 'Lazy')!,
      ),
    ).toBeNull();
  });
});

describe('weightChunks', () => {
  it.each([
    ['a lazy weight in chunks', 'Lazy', 3000, 7],
    ['a transposed weight whole', 'Turned', 3000, 1],
    ['a weight no larger than a chunk whole', 'Ext', K * N, 1],
  ])('gives %s, together its values', async (_, name, chunk, count) => {
    const { bytes, data } = model();
    const m = await parseModelBlob(
      new MemoryBlob(bytes),
      'm.onnx',
      new Map([['w.bin', new MemoryBlob(data)]]),
    );
    const w = findWeights(m).find((x) => x.initializer === name)!;
    const parts = [];
    for await (const c of weightChunks(m, w, readWeight, chunk)) parts.push(c);
    expect(parts.length).toBe(count);
    const joined = new Float32Array(K * N);
    for (const p of parts) joined.set(p.values, p.start);
    expect(joined).toEqual(await readWeight(m, w));
  });
});
