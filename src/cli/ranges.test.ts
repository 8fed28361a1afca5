import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel, floatTensor, modelBytes, node, valueInfo } from '../../test/fixtures/onnx-builders';
import { runMain } from '../../test/support/cli-main';
import { budgetOf, parseSize } from './ranges';

const tmp = mkdtempSync(join(tmpdir(), 'qstudio-ranges-'));
const wave = (n: number, f: number) => Array.from({ length: n }, (_, i) => Math.sin(i * f) * (1 + (i % 5)));
const MODEL = join(tmp, 'mlp.onnx');
writeFileSync(
  MODEL,
  modelBytes(
    buildModel({
      opset: 21,
      inputs: [valueInfo('x', 'float32', [1, 32])],
      outputs: [valueInfo('y')],
      nodes: [
        node('MatMul', ['x', 'w1'], ['h']),
        node('Relu', ['h'], ['r']),
        node('MatMul', ['r', 'w2'], ['y']),
      ],
      initializers: [
        floatTensor('w1', [32, 64], wave(2048, 0.3)),
        floatTensor('w2', [64, 8], wave(512, 1.1)),
      ],
    }),
  ),
);

describe('budget and clip flags', () => {
  it.each([
    ['1.2MB', 1_200_000],
    ['800KiB', 819_200],
    ['5000', 5000],
    ['2 kb', 2000],
  ])('parseSize(%s)', (text, bytes) => expect(parseSize(text)).toBe(bytes));

  it.each([
    [{ 'target-size': '12 parsecs' }, /expected a size like 1.2MB/],
    [{ 'target-bits': 'four' }, /--target-bits must be a number/],
    [{ 'target-bits': '4', 'target-size': '1MB' }, /not both/],
  ])('refuses %j', (values, message) => expect(() => budgetOf(values)).toThrow(message));

  it('--target-bits writes a model and a recipe listing every layer with its bits', async () => {
    const out = join(tmp, 'mixed.onnx');
    const recipe = join(tmp, 'mixed.json');
    const r = await runMain(
      'quantize',
      MODEL,
      '-o',
      out,
      '--target-bits',
      '4.5',
      '--clip',
      'mse',
      '--save-recipe',
      recipe,
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/mixed precision: .*bits per weight, \d+ bytes stored/);
    const saved = JSON.parse(readFileSync(recipe, 'utf8'));
    expect(Object.keys(saved.layers).sort()).toEqual(['w1', 'w2']);
    expect(saved.clip).toBe('mse');
    expect(saved.mixed).toEqual({ targetBits: 4.5, proxy: 'weight-error' });
    // The saved recipe reproduces the same file.
    const again = join(tmp, 'again.onnx');
    expect((await runMain('quantize', MODEL, '-o', again, '--recipe', recipe)).code).toBe(0);
    expect(readFileSync(again).equals(readFileSync(out))).toBe(true);
  });

  it('--target-size keeps the exported file within the size', async () => {
    const out = join(tmp, 'sized.onnx');
    const r = await runMain('quantize', MODEL, '-o', out, '--target-size', '4KB');
    expect(r.code).toBe(0);
    expect(readFileSync(out).length).toBeLessThanOrEqual(4000);
    const tooSmall = await runMain('quantize', MODEL, '-o', out, '--target-size', '300B');
    expect(tooSmall.code).toBe(1);
    expect(tooSmall.err).toMatch(/no assignment fits a 300-byte file|below the smallest/);
  });

  it('refuses an unknown clip method', async () => {
    const r = await runMain('quantize', MODEL, '-o', join(tmp, 'x.onnx'), '--clip', 'kl');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/clip must be one of minmax, mse, percentile/);
  });
});
