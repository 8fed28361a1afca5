import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { testModel } from '../../test/paths';
import { EXTERNAL_K, EXTERNAL_N, writeExternalModel } from '../../test/fixtures/external-model';
import { buildModel, floatTensor, modelBytes, node, valueInfo } from '../../test/fixtures/onnx-builders';
import { QSTUDIO_BIN, cliRunner } from '../../test/support/cli';

const tmp = mkdtempSync(join(tmpdir(), 'qstudio-cli-'));
const MLIR = testModel('mnist-onnx-mlir/model.onnx');

const qstudio = cliRunner(tmp);

describe('qstudio start-up', () => {
  it('prints usage for --help', async () => {
    const { code, stdout } = await qstudio('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage:\n {2}qstudio inspect/);
  });

  it.each(['--version', '-V', 'version'])('prints the package version for %s', async (flag) => {
    const { code, stdout } = await qstudio(flag);
    expect(code).toBe(0);
    expect(stdout).toBe(`qstudio ${JSON.parse(readFileSync('package.json', 'utf8')).version}\n`);
  });

  it('says how to build when the compiled CLI is missing', async () => {
    const bin = join(mkdtempSync(join(tmpdir(), 'qstudio-nobuild-')), 'bin');
    mkdirSync(bin);
    copyFileSync(QSTUDIO_BIN, join(bin, 'qstudio.mjs'));
    const { code, stderr } = await cliRunner(tmp, join(bin, 'qstudio.mjs'))('--help');
    expect(code).toBe(1);
    expect(stderr).toMatch(/CLI is not built .*npm run build:cli/);
  });
});

describe('qstudio inspect', () => {
  it('lists inputs, opset and the weights behind a Reshape', async () => {
    const { code, stdout } = await qstudio('inspect', testModel('mnist-8/model.onnx'));
    expect(code).toBe(0);
    expect(stdout).toContain('Input3');
    expect(stdout).toMatch(/opset ai\.onnx 8/);
    expect(stdout).toMatch(/Parameter193\s+MatMul \(via Reshape\)\s+\[256×10\]/);
    expect(stdout).toContain('Quantizable weights: 3');
  });

  it('prints JSON with --json', async () => {
    const { stdout } = await qstudio('inspect', MLIR, '--json');
    const summary = JSON.parse(stdout);
    expect(summary.weights.map((w: { name: string }) => w.name)).toEqual(['fc1.weight', 'fc2.weight']);
  });
});

describe('qstudio quantize', () => {
  it('writes a model onnxruntime loads and prints a per-layer table', async () => {
    const out = join(tmp, 'w4.onnx');
    const { code, stdout } = await qstudio(
      'quantize',
      MLIR,
      '-o',
      out,
      '--bits',
      '4',
      '--granularity',
      'channel',
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/fc1\.weight\s+Gemm\s+4-bit channel/);
    expect(stdout).toMatch(/wrote .*w4\.onnx/);
    // Where the bytes went (core/report/byte-account); fc1 + fc2 are most of this file, so no note.
    expect(stdout).toMatch(
      /^bytes: quantized weights 103 KiB → 12\.9 KiB levels \+ 552 B scales \+ 0 B zero points; as they were: weights left float 0 B, other float constants 552 B; graph and the rest [\d.]+ KiB → [\d.]+ KiB$/m,
    );
    expect(stdout).not.toMatch(/^note: The weights this run quantized/m);
    const bytes = readFileSync(out);
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual(['image']);
    expect(bytes.length / readFileSync(MLIR).length).toBeLessThanOrEqual(0.15);
  });

  it('keeps excluded weights in float and honours a recipe', async () => {
    const recipe = join(tmp, 'recipe.json');
    writeFileSync(
      recipe,
      JSON.stringify({ bits: 8, granularity: 'tensor', layers: { 'fc2.weight': { bits: 4 } } }),
    );
    const out = join(tmp, 'mixed.onnx');
    const { code, stdout } = await qstudio(
      'quantize',
      MLIR,
      '-o',
      out,
      '--recipe',
      recipe,
      '--exclude',
      'fc1.weight',
      '--json',
    );
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.skipped).toEqual([{ name: 'fc1.weight', reason: 'excluded', bytes: 128 * 196 * 4 }]);
    expect(summary.layers.map((l: { name: string; bits: number }) => [l.name, l.bits])).toEqual([
      ['fc2.weight', 4],
    ]);
  });

  it('reads external data from the model folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qstudio-ext-'));
    const model = writeExternalModel(dir);
    const out = join(dir, 'out.onnx');
    const { code, stdout } = await qstudio('quantize', model, '-o', out, '--bits', '8');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^w\s+MatMul\s+8-bit channel/m);
    const session = await ort.InferenceSession.create(readFileSync(out));
    expect(session.outputNames).toEqual(['y']);
  });

  it('writes external data on request: model.onnx + model.onnx_data that onnxruntime loads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qstudio-extout-'));
    const model = writeExternalModel(dir);
    const out = join(dir, 'q.onnx');
    const { code, stdout } = await qstudio('quantize', model, '-o', out, '--bits', 'fp16', '--external-data');
    expect(code).toBe(0);
    expect(stdout).toMatch(/note: tensors written to the external data file q\.onnx_data \(\d+ bytes\)/);
    expect(readFileSync(join(dir, 'q.onnx_data')).length).toBe(EXTERNAL_K * EXTERNAL_N * 2);
    const x = Float32Array.from({ length: EXTERNAL_K }, (_, i) => Math.sin(i));
    const feeds = { x: new ort.Tensor('float32', x, [1, EXTERNAL_K]) };
    const one = join(dir, 'one.onnx');
    expect((await qstudio('quantize', model, '-o', one, '--bits', 'fp16')).code).toBe(0);
    const [split, single] = await Promise.all(
      [out, one].map(async (p) => (await (await ort.InferenceSession.create(p)).run(feeds)).y.data),
    );
    expect(Array.from(split as Float32Array)).toEqual(Array.from(single as Float32Array));
  });

  it('refuses an output that would overwrite the model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qstudio-over-'));
    const model = writeExternalModel(dir);
    const { code, stderr } = await qstudio('quantize', model, '-o', join(dir, 'external.onnx'));
    expect(code).toBe(1);
    expect(stderr).toMatch(/would overwrite the model/);
  });

  const bad: [string, string[], number, RegExp][] = [
    ['a text file', ['quantize', 'notes.txt', '-o', 'x.onnx'], 1, /not an ONNX model/i],
    ['a truncated model', ['quantize', 'truncated.onnx', '-o', 'x.onnx'], 1, /truncated|not an ONNX model/i],
    ['a missing file', ['quantize', 'nope.onnx', '-o', 'x.onnx'], 1, /nope\.onnx.*no such file/],
    ['missing external data', ['inspect', 'external.onnx'], 1, /weights\.bin/],
    [
      'bits out of range',
      ['quantize', MLIR, '-o', 'x.onnx', '--bits', '9'],
      1,
      /bits must be one of .*got 9/,
    ],
    [
      'a bad granularity',
      ['quantize', MLIR, '-o', 'x.onnx', '--granularity', 'row'],
      1,
      /granularity must be one of/,
    ],
    [
      'a bad block size',
      ['quantize', MLIR, '-o', 'x.onnx', '--block-size', '48'],
      1,
      /block size must be one of .*got 48/,
    ],
    [
      'an unknown weight to exclude',
      ['quantize', MLIR, '-o', 'x.onnx', '--exclude', 'fc9'],
      1,
      /no weight named fc9/,
    ],
    [
      'a missing output folder',
      ['quantize', MLIR, '-o', 'no/such/dir/x.onnx'],
      1,
      /^qstudio: cannot write the model to no\/such\/dir\/x\.onnx: the folder .*no\/such\/dir does not exist\n$/,
    ],
    [
      'a missing recipe output folder',
      ['quantize', MLIR, '-o', 'x.onnx', '--save-recipe', 'gone/r.json'],
      1,
      /^qstudio: cannot write the recipe to gone\/r\.json: the folder .*gone does not exist\n$/,
    ],
    ['no output path', ['quantize', MLIR], 2, /missing -o/],
    ['an unknown option', ['quantize', MLIR, '-o', 'x.onnx', '--bitz', '4'], 2, /Unknown option/i],
    ['an unknown command', ['squash', MLIR], 2, /unknown command "squash"/],
  ];

  it.each([['quantize', '--help'], ['quantize', MLIR, '-h'], ['inspect', '--help'], ['--help']])(
    '%s %s prints the usage and exits 0',
    async (...args) => {
      const { code, stdout } = await qstudio(...args);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage:\n {2}qstudio inspect/);
    },
  );

  it.each(bad)('fails clearly on %s', async (_, args, exitCode, message) => {
    writeFileSync(join(tmp, 'notes.txt'), 'hello, this is not a model\n');
    writeFileSync(join(tmp, 'truncated.onnx'), readFileSync(MLIR).subarray(0, 5000));
    writeExternalModel(tmp, false);
    const { code, stderr } = await qstudio(...args);
    expect(code).toBe(exitCode);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe('qstudio on an already-quantized model', () => {
  it('inspect says what is quantized; quantize exits 1 with that reason and writes nothing', async () => {
    const w8 = join(tmp, 'already-w8.onnx');
    expect((await qstudio('quantize', MLIR, '-o', w8, '--bits', '8')).code).toBe(0);
    const inspect = await qstudio('inspect', w8);
    expect(inspect.stdout).toMatch(/already quantized: \d+ DequantizeLinear weights?, int8 per-channel/);
    expect(inspect.stdout).toMatch(/Already-quantized weights: \d+ .*\n.*dequantized range/);
    const json = JSON.parse((await qstudio('inspect', w8, '--json')).stdout) as {
      quantizedWeights: {
        op: string;
        elements: number;
        unit: string;
        histogram: { min: number; max: number; counts: number[] };
      }[];
    };
    expect(json.quantizedWeights.length).toBeGreaterThan(0);
    for (const w of json.quantizedWeights) {
      expect(w).toMatchObject({ op: 'DequantizeLinear', unit: 'value' });
      expect(w.histogram.counts.reduce((a, b) => a + b, 0)).toBe(w.elements);
      expect(w.histogram.min).toBeLessThan(0);
      expect(w.histogram.max).toBeGreaterThan(0);
      expect(w.histogram.max).toBeLessThan(10); // values, not raw int8 levels (up to 127)
    }
    const again = join(tmp, 'again.onnx');
    const { code, stderr } = await qstudio('quantize', w8, '-o', again, '--bits', '4');
    expect(code).toBe(1);
    expect(stderr).toMatch(/nothing to quantize .*already quantized \(\d+ DequantizeLinear weights?, int8/);
    expect(() => readFileSync(again)).toThrow();
  });

  it('lists float constants it leaves float and the fraction quantized', async () => {
    const { stdout } = await qstudio('quantize', MLIR, '-o', join(tmp, 'f.onnx'), '--bits', '8', '--json');
    const summary = JSON.parse(stdout) as {
      floatLeft: { name: string; reason: string }[];
      floatParams: { total: number; quantized: number };
    };
    expect(summary.floatLeft.length).toBeGreaterThan(0);
    expect(summary.floatLeft.every((c) => c.reason.length > 0)).toBe(true);
    expect(summary.floatParams.quantized / summary.floatParams.total).toBeGreaterThan(0.95);
  });

  it('--json writes an exact layer\'s SQNR as "Infinity", not null', async () => {
    // Small integers are exact in float16: the fp16 layer's weight SQNR is +∞.
    const exact = join(tmp, 'exact.onnx');
    const w = Array.from({ length: 64 }, (_, i) => (i % 9) - 4);
    writeFileSync(
      exact,
      modelBytes(
        buildModel({
          opset: 13,
          inputs: [valueInfo('x', 'float32', [1, 8])],
          outputs: [valueInfo('y')],
          nodes: [node('MatMul', ['x', 'w'], ['y'])],
          initializers: [floatTensor('w', [8, 8], w)],
        }),
      ),
    );
    const { code, stdout } = await qstudio(
      'quantize',
      exact,
      '-o',
      join(tmp, 'exact16.onnx'),
      '--bits',
      'fp16',
      '--json',
    );
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as { layers: { sqnrDb: unknown }[]; overallSqnrDb: unknown };
    expect(summary.layers[0].sqnrDb).toBe('Infinity');
    expect(summary.overallSqnrDb).toBe('Infinity');
  });
});
