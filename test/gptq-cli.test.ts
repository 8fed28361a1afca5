// Activation capture (graph-output rewrite) and `qstudio quantize --method gptq|adaround` end to end on the trained
// fixtures: calibration set in, exported model checked in onnxruntime-node and -web, accuracy on the evaluation set.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureTargets, withActivationOutputs } from '../src/core/gptq/capture';
import { findWeights, parseModel, serializeModel } from '../src/core/onnx';
import { npyToFloat32, npyToLabels, parseNpy } from '../src/core/samples/npy';
import { relError, runModel, type Runtime } from './support/ort';
import { referenceFloatModel } from './support/reference-float';
import { REPO_ROOT } from './paths';
import { cliRunner } from './support/cli';

const tmp = mkdtempSync(join(tmpdir(), 'qstudio-gptq-'));
const fixture = (m: string, p = '') => resolve(REPO_ROOT, 'test/fixtures/models', m, p);
const bytesOf = (p: string) => new Uint8Array(readFileSync(p));

const qstudio = cliRunner(tmp);

/** The first `n` evaluation images as a float32 feed [n, 1, 28, 28] (pixels 0..255; the models divide). */
function evalFeed(model: string, n: number) {
  const x = npyToFloat32(parseNpy(bytesOf(fixture(model, 'eval/inputs.npy')), 'inputs'));
  const labels = npyToLabels(parseNpy(bytesOf(fixture(model, 'eval/labels.npy')), 'labels'));
  return { image: { dims: [n, 1, 28, 28], data: x.slice(0, n * 784) }, labels: labels.slice(0, n) };
}

const argmaxCorrect = (logits: Float32Array, labels: Int32Array) =>
  labels.reduce((c, y, s) => {
    const row = logits.subarray(s * 10, s * 10 + 10);
    return c + (row.indexOf(Math.max(...row)) === y ? 1 : 0);
  }, 0);

describe('capture rewrite: every quantizable layer input becomes a graph output, outputs unchanged', () => {
  it.each([
    // model, expected layer ops, reduction size of the first layer's captured vectors
    ['mlp', ['Gemm', 'Gemm', 'Gemm'], [784]],
    ['dwcnn', [...Array<string>(9).fill('Conv'), 'Gemm'], null],
  ] as const)('%s', async (name, ops, firstDims) => {
    const model = parseModel(bytesOf(fixture(name, 'model.onnx')), name);
    const weights = findWeights(model);
    const { targets, unsupported } = captureTargets(model, weights);
    expect(unsupported).toEqual([]);
    expect(targets.map((t) => t.weight.op)).toEqual(ops);
    const rewritten = withActivationOutputs(
      model.proto,
      targets.map((t) => ({ name: t.activation, dtype: 'float32' })),
    );
    const graph = model.proto.graph!;
    expect(rewritten.graph!.output.map((o) => o.name)).toEqual([
      ...graph.output.map((o) => o.name),
      ...targets.map((t) => t.activation),
    ]);
    const { image } = evalFeed(name, 4);
    for (const rt of ['node', 'web'] as Runtime[]) {
      const before = await runModel(rt, serializeModel(model.proto), { image });
      const after = await runModel(rt, serializeModel(rewritten), { image });
      for (const o of graph.output) expect(after[o.name]).toEqual(before[o.name]);
      // Each captured tensor is what the layer consumes: its reduction axis has the weight's input size.
      for (const t of targets) {
        const x = after[t.activation];
        const w = t.weight;
        const perSample = x.length / 4;
        const inputSize = w.op === 'Conv' ? w.shape[1] * (t.conv?.group ?? 1) : w.shape[w.reductionAxis];
        expect(perSample % inputSize, `${t.activation} for ${w.name}`).toBe(0);
      }
      // The first layer's input is the image / 255, flattened (an independent computation).
      if (firstDims) {
        const x0 = after[targets[0].activation];
        expect(x0.length).toBe(4 * firstDims[0]);
        expect(
          relError(
            x0,
            image.data.map((p) => p / 255),
          ),
        ).toBeLessThanOrEqual(1e-7);
      }
    }
  });
});

describe('qstudio quantize --method', () => {
  it(
    'gptq on the mlp fixture: loads in onnxruntime-node and -web, equals its dequantized float model, beats RTN',
    { timeout: 240_000 },
    async () => {
      const model = fixture('mlp', 'model.onnx');
      const out = join(tmp, 'mlp-gptq.onnx');
      const rtnOut = join(tmp, 'mlp-rtn.onnx');
      const common = ['--bits', '3', '--granularity', 'tensor', '--json'];
      const gptq = await qstudio(
        'quantize', model, '-o', out, ...common,
        '--method', 'gptq', '--calibration', fixture('mlp', 'calibration'), '--calibration-count', '32',
      ); // prettier-ignore
      expect(gptq.code, gptq.stderr).toBe(0);
      expect(gptq.stderr).toContain('calibration: 32/32 samples');
      const summary = JSON.parse(gptq.stdout);
      expect(summary.config.method).toBe('gptq');
      for (const l of summary.layers) {
        expect(l.rounding.requested).toBe('gptq');
        expect(l.rounding.used).toBe('gptq');
        expect(l.rounding.error).toBeLessThan(l.rounding.rtnError);
      }
      expect(summary.notes.join('\n')).toMatch(/32 of 256 samples .*\(not sequential\)/);
      expect((await qstudio('quantize', model, '-o', rtnOut, ...common)).code).toBe(0);

      const { image, labels } = evalFeed('mlp', 300);
      const exported = bytesOf(out);
      const reference = referenceFloatModel(exported);
      for (const rt of ['node', 'web'] as Runtime[]) {
        const got = (await runModel(rt, exported, { image })).logits;
        const want = (await runModel(rt, reference, { image })).logits;
        expect(relError(got, want), rt).toBeLessThanOrEqual(1e-4);
      }
      const correct = async (bytes: Uint8Array) =>
        argmaxCorrect((await runModel('node', bytes, { image })).logits, labels);
      const [float, rtn, g] = [
        await correct(bytesOf(model)),
        await correct(bytesOf(rtnOut)),
        await correct(exported),
      ];
      // Measured: float 264/300, RTN 3-bit per-tensor well below; GPTQ from 32 calibration images close to float.
      expect(g).toBeGreaterThan(rtn);
      expect(float - g).toBeLessThanOrEqual(15);
    },
  );

  it(
    'sequential capture: each layer sees the quantized layers before it; the last layer differs from float capture',
    { timeout: 240_000 },
    async () => {
      const model = fixture('mlp', 'model.onnx');
      const args = (o: string, ...more: string[]) =>
        ['quantize', model, '-o', join(tmp, o), '--bits', '2', '--method', 'gptq', '--json',
          '--calibration', fixture('mlp', 'calibration'), '--calibration-count', '16', ...more]; // prettier-ignore
      const seq = await qstudio(...args('seq.onnx', '--sequential'));
      const flt = await qstudio(...args('float.onnx'));
      expect(seq.code, seq.stderr).toBe(0);
      expect(seq.stderr).toContain('calibration (sequential): layer 3/3');
      const [s, f] = [JSON.parse(seq.stdout), JSON.parse(flt.stdout)];
      expect(s.notes[0]).toMatch(/sequential: each layer sees the already-quantized layers before it/);
      // Layer 1 sees the image in both modes; later layers see different (quantized-prefix) activations.
      expect(s.layers[0].rounding.rtnError).toBe(f.layers[0].rounding.rtnError);
      expect(s.layers[2].rounding.rtnError).not.toBe(f.layers[2].rounding.rtnError);
    },
  );

  it.each([
    [['--sequential'], 2, /--calibration is used by --method gptq\|adaround and --bias-correction only/],
    [['--method', 'gptq'], 2, /--method gptq needs --calibration FILE\|FOLDER/],
    [['--method', 'adaround'], 2, /--method adaround needs --calibration/],
    [
      ['--calibration', 'x'],
      2,
      /--calibration is used by --method gptq\|adaround and --bias-correction only/,
    ],
    [
      ['--method', 'gptq', '--calibration', 'cal', '--calibration-count', '0'],
      2,
      /--calibration-count must be a positive integer/,
    ],
    [['--method', 'best'], 1, /method must be one of rtn, gptq, adaround/],
    [['--method', 'gptq', '--calibration', 'no-such-folder'], 1, /no-such-folder: no such file or folder/],
  ])('%j → exit %i', async (flags, code, message) => {
    const res = await qstudio('quantize', fixture('mlp', 'model.onnx'), '-o', join(tmp, 'x.onnx'), ...flags);
    expect(res.code).toBe(code);
    expect(res.stderr.split('\n')[0]).toMatch(message);
  });
});
