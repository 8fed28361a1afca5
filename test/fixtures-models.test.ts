// The trained fixtures in test/fixtures/models (scripts/fixtures/train.py): each one loads in onnxruntime, gives
// exactly the float accuracy its expected.json records, and dwcnn shows why per-channel grids exist.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { parseModel } from '../src/core/onnx';
import { runQuantization } from '../src/core/pipeline/run';
import { normalizeConfig } from '../src/core/quant/config';
import { npyToFloat32, npyToLabels, parseNpy } from '../src/core/samples/npy';
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
