// RunHooks.spill in the CLI: quantized tensors written to a spill file as they are made give the same files as a
// run that holds them, and the spill file becomes the file that holds them (the data file, or the one .onnx file):
// renamed when it already is that file, else renamed and rearranged in place.
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeConfig } from '../core/quant/config';
import { runQuantization } from '../core/pipeline/run';
import { buildModel, floatTensor, modelBytes, node, valueInfo } from '../../test/fixtures/onnx-builders';
import { openModelFile } from './files';
import { openSpill, writeExport } from './write-export';
import type { DataPart } from '../core/export/external-data';

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
  // name, quantization, bias, external data, the output file that is the spill file
  ['fp16, external data, only spilled tensors', { bits: 'fp16' }, false, 'always', 'data'],
  ['int8 per-channel, external data: scales between the tensors', { bits: 8 }, false, 'always', 'data'],
  ['fp16, external data, a kept bias first', { bits: 'fp16' }, true, 'always', 'data'],
  ['fp16, one .onnx file', { bits: 'fp16' }, true, 'never', 'onnx'],
  // 8-bit MatMulNBits B of 256×256 is 64 KiB: spilled, packed in the export pass
  [
    'MatMulNBits, external data',
    { bits: 8, granularity: 'block', format: 'matmulnbits' },
    false,
    'always',
    'data',
  ],
  [
    'MatMulNBits, one .onnx file',
    { bits: 8, granularity: 'block', format: 'matmulnbits' },
    true,
    'never',
    'onnx',
  ],
] as const;

describe('spilled output tensors', () => {
  it.each(CASES)('%s: same files', async (_, cfg, bias, externalData, spillBecomes) => {
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
        spillBecomes:
          files.includes('out.onnx_data') && statSync(data).ino === ino
            ? 'data'
            : statSync(join(dir, name, 'out.onnx')).ino === ino
              ? 'onnx'
              : null,
      };
    };
    for (const sub of ['held', 'spilled']) mkdirSync(join(dir, sub));
    const held = await outputs('held', false);
    const spilled = await outputs('spilled', true);
    expect(spilled.files).toEqual(held.files);
    expect(Buffer.compare(spilled.onnx, held.onnx)).toBe(0);
    expect(spilled.data && held.data && Buffer.compare(spilled.data, held.data)).toBe(held.data ? 0 : null);
    expect(spilled.spillBecomes).toBe(spillBecomes);
    expect(readdirSync(dir).filter((f) => f.endsWith('.spill'))).toEqual([]); // never left behind
  });
});

describe('the spill file rearranged into the output', () => {
  const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 255);
  const a = bytes(70_000, 1);
  const b = bytes(90_000, 2);
  const header = bytes(300, 3);

  /** The spill file holding a then b, the parts of the output from `order`, and what was written. */
  async function written(order: (refs: { a: DataPart; b: DataPart }) => DataPart[], link = false) {
    const dir = mkdtempSync(join(tmpdir(), 'qstudio-rearrange-'));
    // out.onnx a symlink to target.onnx: written through, as a new file would be
    if (link) {
      writeFileSync(join(dir, 'target.onnx'), 'old');
      symlinkSync('target.onnx', join(dir, 'out.onnx'));
    }
    const spill = await openSpill(join(dir, '.out.spill'));
    const ino = statSync(join(dir, '.out.spill')).ino;
    const [ra, rb] = [await spill.spill(a), await spill.spill(b)];
    const parts = order({ a: { kind: 'slice', ...ra }, b: { kind: 'slice', ...rb } });
    try {
      await writeExport(join(dir, 'out.onnx'), { parts, size: 0 }, undefined, spill);
    } finally {
      await spill.discard();
    }
    const out = readFileSync(join(dir, 'out.onnx'));
    const isSpill = statSync(join(dir, 'out.onnx')).ino === ino;
    return {
      out,
      isSpill,
      linked: lstatSync(join(dir, 'out.onnx')).isSymbolicLink(),
      left: readdirSync(dir).sort(),
    };
  }
  const joined = (...xs: Uint8Array[]) => Buffer.concat(xs);

  it.each([
    [
      'a tensor already in place, one moved past a header',
      ({ a, b }: { a: DataPart; b: DataPart }) => [a, { kind: 'bytes', bytes: header }, b],
      () => joined(a, header, b),
      true,
    ],
    [
      'both moved, zeros between',
      ({ a, b }: { a: DataPart; b: DataPart }) => [
        { kind: 'bytes', bytes: header },
        a,
        { kind: 'zeros', length: 1000 },
        b,
        { kind: 'bytes', bytes: header },
      ],
      () => joined(header, a, new Uint8Array(1000), b, header),
      true,
    ],
    // b before a: a move could overwrite a tensor still to be moved, so a new file is written
    [
      'tensors in another order',
      ({ a, b }: { a: DataPart; b: DataPart }) => [{ kind: 'bytes', bytes: header }, b, a],
      () => joined(header, b, a),
      false,
    ],
  ] as const)('%s', async (_, order, expected, inPlace) => {
    const got = await written(order as (r: { a: DataPart; b: DataPart }) => DataPart[]);
    expect(Buffer.compare(got.out, expected())).toBe(0);
    expect(got.isSpill).toBe(inPlace);
    expect(got.left).toEqual(['out.onnx']);
  });

  it('a symlink at the output path is written through', async () => {
    const got = await written(({ a, b }) => [{ kind: 'bytes', bytes: header }, a, b], true);
    expect(Buffer.compare(got.out, joined(header, a, b))).toBe(0);
    expect(got.isSpill).toBe(false);
    expect(got.linked).toBe(true);
    expect(got.left).toEqual(['out.onnx', 'target.onnx']);
  });
});
