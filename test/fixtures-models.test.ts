// The trained fixtures in test/fixtures/models (scripts/fixtures/train.py): each one loads in onnxruntime, gives
// exactly the float accuracy its expected.json records, and dwcnn shows why per-channel grids exist.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { unzipSync } from 'fflate';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseModel } from '../src/core/onnx';
import { runQuantization } from '../src/core/pipeline/run';
import { normalizeConfig } from '../src/core/quant/config';
import { npyToFloat32, npyToLabels, parseNpy, type NpyArray } from '../src/core/samples/npy';
import { REPO_ROOT } from './paths';
import { EXACT_SESSION, relError, runModel } from './support/ort';

const dir = (name: string, ...parts: string[]) => resolve(REPO_ROOT, 'test/fixtures/models', name, ...parts);
const read = (name: string, ...parts: string[]) => new Uint8Array(readFileSync(dir(name, ...parts)));

interface Expected {
  opset: number;
  operators: string[];
  eval: { samples: number; floatCorrect: number };
  int4SymmetricRtn?: { tensor: { correct: number }; channel: { correct: number } };
}
const expectedOf = (name: string): Expected => JSON.parse(readFileSync(dir(name, 'expected.json'), 'utf8'));

const argmax = (y: Float32Array, classes: number): Int32Array =>
  Int32Array.from({ length: y.length / classes }, (_, i) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if (y[i * classes + c] > y[i * classes + best]) best = c;
    return best;
  });

const countCorrect = (pred: Int32Array, labels: Int32Array) => pred.filter((p, i) => p === labels[i]).length;

const ops = (bytes: Uint8Array, name: string) =>
  new Set(parseModel(bytes, name).proto.graph!.node.map((n) => n.opType));

describe.each(['dwcnn', 'mlp'])('%s (Fashion-MNIST)', (name) => {
  const bytes = read(name, 'model.onnx');
  const expected = expectedOf(name);
  const inputs = npyToFloat32(parseNpy(read(name, 'eval/inputs.npy'), 'inputs.npy'));
  const labels = npyToLabels(parseNpy(read(name, 'eval/labels.npy'), 'labels.npy'));
  const n = labels.length;

  async function predict(model: Uint8Array): Promise<Int32Array> {
    const session = await ort.InferenceSession.create(model, EXACT_SESSION);
    try {
      const x = new ort.Tensor('float32', inputs, [n, 1, 28, 28]);
      const y = Object.values(await session.run({ image: x }))[0].data as Float32Array;
      return argmax(y, 10);
    } finally {
      await session.release();
    }
  }

  it('holds the recorded evaluation and a separate calibration set', () => {
    expect(n).toBe(expected.eval.samples);
    expect(inputs.length).toBe(n * 784);
    const calib = parseNpy(read(name, 'calibration/inputs.npy'), 'calibration');
    expect(calib.shape).toEqual([256, 1, 28, 28]);
    const evalRows = new Set<string>();
    for (let i = 0; i < n; i++) evalRows.add(inputs.subarray(i * 784, (i + 1) * 784).join());
    const c = npyToFloat32(calib);
    for (let i = 0; i < 256; i++) expect(evalRows.has(c.subarray(i * 784, (i + 1) * 784).join())).toBe(false);
    expect(readFileSync(dir(name, 'classes.txt'), 'utf8').trim().split('\n')).toHaveLength(10);
  });

  it('has the recorded opset and operators (no BatchNormalization)', () => {
    const model = parseModel(bytes, name);
    const opset = model.proto.opsetImport.find((o) => o.domain === '')?.version;
    expect(Number(opset)).toBe(expected.opset);
    expect([...ops(bytes, name)].sort()).toEqual(expected.operators);
    expect(ops(bytes, name).has('BatchNormalization')).toBe(false);
  });

  it('reproduces the recorded float accuracy exactly (onnxruntime-node); onnxruntime-web agrees', async () => {
    const pred = await predict(bytes);
    expect(countCorrect(pred, labels)).toBe(expected.eval.floatCorrect);
    const feed = { image: { dims: [50, 1, 28, 28], data: inputs.subarray(0, 50 * 784) } };
    const [node, web] = await Promise.all([runModel('node', bytes, feed), runModel('web', bytes, feed)]);
    expect(relError(Object.values(web)[0], Object.values(node)[0])).toBeLessThan(1e-4);
  });

  it('int4 round-to-nearest (the repo quantizer) matches the independent numpy record within one sample', async () => {
    const rec = expected.int4SymmetricRtn!;
    const model = parseModel(bytes, name);
    const got: Record<string, number> = {};
    for (const granularity of ['tensor', 'channel'] as const) {
      const { bytes: q } = await runQuantization(
        model,
        normalizeConfig({ bits: 4, granularity }),
        granularity,
      );
      got[granularity] = countCorrect(await predict(q), labels);
      expect(
        Math.abs(got[granularity] - rec[granularity].correct),
        `${granularity}: ${got[granularity]}`,
      ).toBeLessThanOrEqual(1);
    }
    if (name === 'dwcnn') {
      // The point of this fixture: depthwise channels of very different ranges break a per-tensor grid.
      expect(got.channel - got.tensor).toBeGreaterThanOrEqual(0.05 * n);
    }
  });
});
function readNpz(bytes: Uint8Array, name: string): Record<string, NpyArray> {
  const files = unzipSync(bytes);
  return Object.fromEntries(
    Object.entries(files).map(([k, v]) => [k.replace(/\.npy$/, ''), parseNpy(v, `${name}/${k}`)]),
  );
}

const int64s = (a: NpyArray): bigint[] => {
  expect(a.dtype).toBe('<i8');
  return Array.from(new BigInt64Array(a.data.buffer, a.data.byteOffset, a.data.byteLength / 8));
};

describe('tinytf (synthetic token order task)', () => {
  let bytes: Uint8Array;
  let expected: Expected;
  let set: Record<string, NpyArray>;
  let n: number;
  let t: number;
  beforeAll(() => {
    bytes = read('tinytf', 'model.onnx');
    expected = expectedOf('tinytf');
    set = readNpz(read('tinytf', 'eval.npz'), 'eval.npz');
    [n, t] = set.input_ids.shape;
  });
  const feeds = (count: number) => ({
    input_ids: { dims: [count, t], int64: int64s(set.input_ids).slice(0, count * t) },
    attention_mask: { dims: [count, t], int64: int64s(set.attention_mask).slice(0, count * t) },
  });

  it('holds the recorded evaluation set and a separate calibration set', () => {
    expect(n).toBe(expected.eval.samples);
    expect(set.attention_mask.shape).toEqual([n, t]);
    const calib = readNpz(read('tinytf', 'calibration.npz'), 'calibration.npz');
    expect(calib.input_ids.shape).toEqual([256, t]);
    expect(Object.keys(calib).sort()).toEqual(['attention_mask', 'input_ids', 'labels']);
    expect(ops(bytes, 'tinytf').has('Gather')).toBe(true);
  });

  it('reproduces the recorded float accuracy exactly in onnxruntime-node and -web, far above chance', async () => {
    const labels = npyToLabels(set.labels);
    const node = Object.values(await runModel('node', bytes, feeds(n)))[0];
    const web = Object.values(await runModel('web', bytes, feeds(n)))[0];
    expect(countCorrect(argmax(node, 2), labels)).toBe(expected.eval.floatCorrect);
    expect(countCorrect(argmax(web, 2), labels)).toBe(expected.eval.floatCorrect);
    expect(relError(web, node)).toBeLessThan(1e-4);
    expect(expected.eval.floatCorrect).toBeGreaterThan(0.8 * n);
  });

  it('its int4 per-channel export (the repo quantizer) runs in onnxruntime-node and -web alike', async () => {
    const { bytes: q, summary } = await runQuantization(
      parseModel(bytes, 'tinytf'),
      normalizeConfig({ bits: 4, granularity: 'channel' }),
      'int4',
    );
    // The embedding table is found and left float with its reason (Gather tables are opt-in); every matrix is quantized.
    expect(summary.skipped).toEqual([
      {
        name: 'tok.weight',
        reason: expect.stringMatching(/^Gather table \(embedding\): not included/),
        bytes: expect.any(Number),
      },
    ]);
    const node = Object.values(await runModel('node', q, feeds(100)))[0];
    const web = Object.values(await runModel('web', q, feeds(100)))[0];
    expect(relError(web, node)).toBeLessThan(1e-4);
    expect(countCorrect(argmax(node, 2), npyToLabels(set.labels).subarray(0, 100))).toBeGreaterThan(90);
  });

  it('a shorter sequence and batch run too (dynamic axes)', async () => {
    const ids = { dims: [2, 8], int64: [1n, 5n, 6n, 2n, 7n, 0n, 0n, 0n, 2n, 9n, 9n, 9n, 1n, 3n, 4n, 5n] };
    const mask = { dims: [2, 8], int64: [1n, 1n, 1n, 1n, 1n, 0n, 0n, 0n, 1n, 1n, 1n, 1n, 1n, 1n, 1n, 1n] };
    const y = Object.values(await runModel('node', bytes, { input_ids: ids, attention_mask: mask }))[0];
    expect(y).toHaveLength(4);
    expect(y.every(Number.isFinite)).toBe(true);
  });
});
