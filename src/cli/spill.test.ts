// RunHooks.spill in the CLI: quantized tensors written to a spill file as they are made give the same files as a
// run that holds them, and the spill file becomes the data file by a rename when it already is that file.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeConfig } from '../core/quant/config';
import { runQuantization } from '../core/pipeline/run';
import { buildModel, floatTensor, modelBytes, node, valueInfo } from '../../test/fixtures/onnx-builders';
import { openModelFile, openSpill, writeExport } from './files';

const D = 256; // fp16 of 256×256 is 128 KiB, int8 64 KiB: both at least the spill threshold (64 KiB)

function writeModel(dir: string, bias: boolean): string {
  const values = (seed: number) => Array.from({ length: D * D }, (_, i) => Math.sin(i * 0.37 + seed) * 0.1);
  const model = buildModel({
    opset: 13,
    inputs: [valueInfo('x', 'float32', [1, D])],
    outputs: [valueInfo('y', 'float32', [1, D])],
    nodes: [
      node('MatMul', ['x', 'w1'], ['h']),
      node('MatMul', ['h', 'w2'], bias ? ['m'] : ['y']),
      ...(bias ? [node('Add', ['m', 'b'], ['y'])] : []),
    ],
    initializers: [
      floatTensor('w1', [D, D], values(1)),
      floatTensor('w2', [D, D], values(2)),
      ...(bias ? [floatTensor('b', [D], values(3).slice(0, D))] : []), // 1 KiB: kept, first in the data file
    ],
  });
  const path = join(dir, 'model.onnx');
  writeFileSync(path, modelBytes(model));
  return path;
}

const CASES = [
  // name, quantization, bias, external data, spill file renamed into place
  ['fp16, external data, only spilled tensors', { bits: 'fp16' }, false, 'always', true],
  ['int8 per-channel, external data: scales between the tensors', { bits: 8 }, false, 'always', false],
  ['fp16, external data, a kept bias first', { bits: 'fp16' }, true, 'always', false],
  ['fp16, one .onnx file', { bits: 'fp16' }, true, 'never', false],
  // 8-bit MatMulNBits B of 256×256 is 64 KiB: spilled, packed in the export pass
  [
    'MatMulNBits, external data',
    { bits: 8, granularity: 'block', format: 'matmulnbits' },
    false,
    'always',
    false,
  ],
  [
    'MatMulNBits, one .onnx file',
    { bits: 8, granularity: 'block', format: 'matmulnbits' },
    true,
    'never',
    false,
  ],
] as const;

describe('spilled output tensors', () => {
  it.each(CASES)('%s: same files', async (_, cfg, bias, externalData, renamed) => {
    const dir = mkdtempSync(join(tmpdir(), 'qstudio-spill-'));
    const model = await openModelFile(writeModel(dir, bias));
    const config = normalizeConfig(cfg);
    const output = { externalData, dataLocation: 'out.onnx_data' } as const;
    const outputs = async (name: string, spilled: boolean) => {
      const spillPath = join(dir, `.${name}.spill`);
      const spill = spilled ? await openSpill(spillPath) : null;
      const ino = spilled ? statSync(spillPath).ino : -1;
      try {
        const r = await runQuantization(model, config, 'r', { spill: spill?.spill }, output);
        await writeExport(join(dir, name, 'out.onnx'), r.file, r.externalData, spill);
      } finally {
        await spill?.discard();
      }
      const data = join(dir, name, 'out.onnx_data');
      const files = readdirSync(join(dir, name)).sort();
      return {
        files,
        onnx: readFileSync(join(dir, name, 'out.onnx')),
        data: files.includes('out.onnx_data') ? readFileSync(data) : null,
        renamed: files.includes('out.onnx_data') && statSync(data).ino === ino,
      };
    };
    for (const sub of ['held', 'spilled']) mkdirSync(join(dir, sub));
    const held = await outputs('held', false);
    const spilled = await outputs('spilled', true);
    expect(spilled.files).toEqual(held.files);
    expect(Buffer.compare(spilled.onnx, held.onnx)).toBe(0);
    expect(spilled.data && held.data && Buffer.compare(spilled.data, held.data)).toBe(held.data ? 0 : null);
    expect(spilled.renamed).toBe(renamed);
    expect(readdirSync(dir).filter((f) => f.endsWith('.spill'))).toEqual([]); // never left behind
  });
});
