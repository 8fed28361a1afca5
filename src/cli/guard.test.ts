// External data and output paths through the CLI: nothing is read outside the model's folder, nothing the user
// gave as input is overwritten. main() in-process (the binary's exit-code path is covered by main.test.ts).
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelProtoSchema } from 'onnx-buf';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeExternalModel } from '../../test/fixtures/external-model';
import { runMain } from '../../test/support/cli-main';

const root = mkdtempSync(join(tmpdir(), 'qstudio-guard-'));
let n = 0;

/** A fresh folder `<root>/caseN/model/` holding external.onnx + weights.bin, with the weight's location set. */
function setup(location?: string, offset?: number): { dir: string; model: string } {
  const dir = join(root, `case${n++}`, 'model');
  mkdirSync(dir, { recursive: true });
  const model = writeExternalModel(dir);
  if (location !== undefined || offset !== undefined) {
    const m = fromBinary(ModelProtoSchema, readFileSync(model));
    for (const t of m.graph!.initializer)
      for (const e of t.externalData) {
        if (e.key === 'location' && location !== undefined) e.value = location;
        if (e.key === 'offset' && offset !== undefined && t.name === 'w') e.value = String(offset);
      }
    writeFileSync(model, toBinary(ModelProtoSchema, m));
  }
  return { dir, model };
}

describe('qstudio refuses bad external data', () => {
  afterEach(() => vi.restoreAllMocks());
  const outside = join(root, 'outside.bin');
  writeFileSync(outside, new Uint8Array(1 << 16));

  it.each([
    ['missing file', () => setup('gone.bin'), /not supplied: gone\.bin/],
    ['`../` location', () => setup('../../outside.bin'), /path traversal is not allowed/],
    ['absolute location', () => setup(outside), /path traversal is not allowed/],
    ['offset past the end', () => setup(undefined, 1 << 20), /beyond the end of 'weights\.bin'/],
    [
      'short file',
      () => {
        const s = setup();
        writeFileSync(join(s.dir, 'weights.bin'), new Uint8Array(100));
        return s;
      },
      /beyond the end of 'weights\.bin' \(100 bytes\)/,
    ],
    [
      'a symlink leading outside the folder',
      () => {
        const s = setup('link.bin');
        symlinkSync(outside, join(s.dir, 'link.bin'));
        return s;
      },
      /leads outside the model's folder/,
    ],
  ])('%s', async (_, make, message) => {
    const { model, dir } = make();
    for (const args of [
      ['inspect', model],
      ['quantize', model, '-o', join(dir, 'out.onnx')],
    ]) {
      const { code, err } = await runMain(...args);
      expect(code).toBe(1);
      expect(err).toMatch(message);
      expect(err.split('\n')).toHaveLength(1);
    }
  });
});

describe('qstudio never overwrites its input', () => {
  it.each([
    ['the model', (d: string) => join(d, 'external.onnx'), /would overwrite the model;/],
    [
      'the model by another spelling',
      (d: string) => join(d, '.', '..', 'model', 'external.onnx'),
      /would overwrite the model;/,
    ],
    ['its external data', (d: string) => join(d, 'weights.bin'), /external data/],
  ])('-o %s is refused and the file is unchanged', async (_, out, message) => {
    const { dir, model } = setup();
    const before = readFileSync(out(dir));
    const { code, err } = await runMain('quantize', model, '-o', out(dir));
    expect(code).toBe(1);
    expect(err).toMatch(message);
    expect(readFileSync(out(dir))).toEqual(before);
  });

  it('--save-recipe onto the model is refused', async () => {
    const { dir, model } = setup();
    const { code, err } = await runMain('quantize', model, '-o', join(dir, 'q.onnx'), '--save-recipe', model);
    expect(code).toBe(1);
    expect(err).toMatch(/refusing to write/);
  });

  it('writes exactly the paths given', async () => {
    const { dir, model } = setup();
    const { code } = await runMain(
      'quantize',
      model,
      '-o',
      join(dir, 'q.onnx'),
      '--save-recipe',
      join(dir, 'r.json'),
    );
    expect(code).toBe(0);
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(dir).sort()).toEqual(['external.onnx', 'q.onnx', 'r.json', 'weights.bin']);
  });
});
