// `qstudio quantize` with calibration beyond the plain case: bias correction (the corrected layer's output mean is
// the float layer's again, checked in onnxruntime-node), a model whose weights live in an external data file, a
// size budget with GPTQ, and a multi-input model (two int64 inputs from one .npz).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withActivationOutputs } from '../src/core/gptq/capture';
import { parseModel, serializeModel } from '../src/core/onnx';
import { npyToFloat32, parseNpy } from '../src/core/samples/npy';
import { EXTERNAL_K, writeExternalModel } from './fixtures/external-model';
import { buildNpy, bytesOf as viewBytes } from './fixtures/samples/entries';
import { runModel } from './support/ort';
import { REPO_ROOT } from './paths';
import { cliRunner } from './support/cli';

const tmp = mkdtempSync(join(tmpdir(), 'qstudio-bias-'));
const fixture = (m: string, p = '') => resolve(REPO_ROOT, 'test/fixtures/models', m, p);
const fileBytes = (p: string) => new Uint8Array(readFileSync(p));

const qstudio = cliRunner(tmp);

/** Per-channel mean of `y` ([samples·…, C] flattened, channel last). */
const channelMeans = (y: Float32Array, c: number) => {
  const m = new Float64Array(c);
  for (let i = 0; i < y.length; i++) m[i % c] += y[i];
  return m.map((v) => v / (y.length / c));
};
const maxAbsDiff = (a: Float64Array, b: Float64Array) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

describe('--bias-correction', () => {
  it(
    'mlp, 2-bit per-tensor RTN: the first layer’s mean output over the calibration samples is the float one again',
    { timeout: 240_000 },
    async () => {
      const model = fixture('mlp', 'model.onnx');
      const n = 32;
      const args = (o: string, ...more: string[]) =>
        ['quantize', model, '-o', join(tmp, o), '--bits', '2', '--granularity', 'tensor', '--json',
          '--calibration', fixture('mlp', 'calibration'), '--calibration-count', String(n), ...more]; // prettier-ignore
      const fixed = await qstudio(...args('bc.onnx', '--bias-correction'));
      expect(fixed.code, fixed.stderr).toBe(0);
      const summary = JSON.parse(fixed.stdout);
      expect(summary.config.biasCorrection).toBe(true);
      expect(summary.notes.join('\n')).toMatch(/bias correction: 3 of 3 layers shifted/);
      const plain = await qstudio(
        'quantize', model, '-o', join(tmp, 'plain.onnx'), '--bits', '2', '--granularity', 'tensor',
      ); // prettier-ignore
      expect(plain.code, plain.stderr).toBe(0);

      // The first Gemm's output (pre-activation) in each model, on the same calibration images.
      const float = parseModel(fileBytes(model), 'model.onnx');
      const first = float.proto.graph!.node.find((x) => x.opType === 'Gemm')!.output[0];
      const exposed = (path: string) =>
        serializeModel(
          withActivationOutputs(parseModel(fileBytes(path), 'm.onnx').proto, [
            { name: first, dtype: 'float32' },
          ]),
        );
      const x = npyToFloat32(parseNpy(fileBytes(fixture('mlp', 'calibration/inputs.npy')), 'inputs'));
      const image = { dims: [n, 1, 28, 28], data: x.slice(0, n * 784) };
      const means = async (path: string) => {
        const y = (await runModel('node', exposed(path), { image }))[first];
        return channelMeans(y, y.length / n);
      };
      const [want, got, uncorrected] = [
        await means(model),
        await means(join(tmp, 'bc.onnx')),
        await means(join(tmp, 'plain.onnx')),
      ];
      // Measured: uncorrected shifts of ~1e-1; corrected agrees to float32 accumulation noise.
      expect(maxAbsDiff(got, want)).toBeLessThan(1e-3);
      expect(maxAbsDiff(uncorrected, want)).toBeGreaterThan(30 * maxAbsDiff(got, want));
    },
  );

  it.each([
    [['--bias-correction'], 2, /--bias-correction needs --calibration FILE\|FOLDER/],
    [
      ['--calibration', 'x'],
      2,
      /--calibration is used by --method gptq\|adaround and --bias-correction only/,
    ],
  ])('%j → exit %i', async (flags, code, message) => {
    const res = await qstudio('quantize', fixture('mlp', 'model.onnx'), '-o', join(tmp, 'x.onnx'), ...flags);
    expect(res.code).toBe(code);
    expect(res.stderr.split('\n')[0]).toMatch(message);
  });
});

describe('calibration on other model shapes', () => {
  it(
    'external data: GPTQ + bias correction on a MatMul whose weight is in weights.bin; mean output = float',
    { timeout: 120_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'qstudio-ext-'));
      const model = writeExternalModel(dir);
      const n = 24;
      let seed = 3;
      const x = Float32Array.from({ length: n * EXTERNAL_K }, () => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed / 2147483648 + 0.25; // positive inputs: a mean the quantization error can shift
      });
      writeFileSync(join(dir, 'x.npy'), buildNpy('<f4', [n, EXTERNAL_K], viewBytes(x)));
      const out = join(dir, 'out.onnx');
      const res = await qstudio(
        'quantize', model, '-o', out, '--bits', '3', '--method', 'gptq', '--bias-correction', '--json',
        '--calibration', join(dir, 'x.npy'),
      ); // prettier-ignore
      expect(res.code, res.stderr).toBe(0);
      const summary = JSON.parse(res.stdout);
      expect(summary.layers[0].rounding.used).toBe('gptq');
      const graph = parseModel(fileBytes(out), 'out.onnx').proto.graph!;
      expect(graph.node.map((v) => v.opType)).toEqual(['DequantizeLinear', 'MatMul', 'Add', 'Add']);
      const ys = async (bytes: Uint8Array) => {
        const all: number[] = [];
        for (let s = 0; s < n; s++) {
          const feed = { x: { dims: [1, EXTERNAL_K], data: x.slice(s * EXTERNAL_K, (s + 1) * EXTERNAL_K) } };
          all.push(...(await runModel('node', bytes, feed)).y);
        }
        return channelMeans(Float32Array.from(all), all.length / n);
      };
      const [got, want] = [await ys(fileBytes(out)), await ys(serializeModel(await inlined(model)))];
      expect(maxAbsDiff(got, want)).toBeLessThan(1e-4);
    },
  );

  it(
    'budget + GPTQ: bits chosen under --target-bits, then every layer rounded by GPTQ',
    { timeout: 240_000 },
    async () => {
      const res = await qstudio(
      'quantize', fixture('mlp', 'model.onnx'), '-o', join(tmp, 'budget.onnx'), '--target-bits', '3',
      '--method', 'gptq', '--calibration', fixture('mlp', 'calibration'), '--calibration-count', '16', '--json',
    ); // prettier-ignore
      expect(res.code, res.stderr).toBe(0);
      const summary = JSON.parse(res.stdout);
      expect(summary.notes.join('\n')).toMatch(/mixed precision:/);
      const quantized = summary.layers.filter((l: { bits: unknown }) => l.bits !== 'fp16');
      expect(quantized.length).toBeGreaterThan(0);
      for (const l of quantized) expect(l.rounding.requested).toBe('gptq');
    },
  );

  it(
    'multi-input model (tinytf): input_ids and attention_mask are fed from one .npz, int64, matched by name',
    { timeout: 240_000 },
    async () => {
      const res = await qstudio(
      'quantize', fixture('tinytf', 'model.onnx'), '-o', join(tmp, 't.onnx'), '--bits', '4',
      '--method', 'gptq', '--calibration', fixture('tinytf', 'calibration.npz'), '--calibration-count', '32',
      '--json',
    ); // prettier-ignore
      expect(res.code, res.stderr).toBe(0);
      const summary = JSON.parse(res.stdout);
      const notes = summary.notes.join('\n');
      expect(notes).toMatch(/input 'input_ids' ← input_ids \(int64/);
      expect(notes).toMatch(/input 'attention_mask' ← attention_mask \(int64/);
      const rounded = summary.layers.filter(
        (l: { rounding?: { used: string } }) => l.rounding?.used === 'gptq',
      );
      expect(rounded.length).toBeGreaterThanOrEqual(9); // 8 encoder MatMuls + the head Gemm
    },
  );

  it('a set without the model input refused with both sides named', async () => {
    const res = await qstudio(
      'quantize', fixture('tinytf', 'model.onnx'), '-o', join(tmp, 't2.onnx'), '--bits', '4',
      '--method', 'gptq', '--calibration', fixture('dwcnn', 'calibration'),
    ); // prettier-ignore
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/input_ids/);
  });
});

/** The float model with its external tensors read in (onnxruntime gets bytes, not a folder). */
async function inlined(path: string) {
  const { openModelFile } = await import('../src/cli/files');
  const { inlineExternalInitializers } = await import('../src/core/export/inline');
  const { readLazyTensors } = await import('../src/core/onnx/write');
  const m = await openModelFile(path);
  return readLazyTensors(inlineExternalInitializers(m.proto, m));
}
