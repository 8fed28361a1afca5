// `qstudio evaluate` end to end (the real bin, onnxruntime-web wasm in Node) on the token-model fixture.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tokenModel, tokenSampleFiles, tokenSamples } from '../../test/fixtures/token-model';
import type { EvalReport } from '../protocol/eval-dto';
import { cliRunner } from '../../test/support/cli';

const tmp = mkdtempSync(join(tmpdir(), 'qstudio-eval-'));
const files = tokenSampleFiles();
writeFileSync(join(tmp, 'tokens.onnx'), tokenModel());
writeFileSync(join(tmp, 'samples.npz'), files.npz);
mkdirSync(join(tmp, 'set'));
writeFileSync(join(tmp, 'set', 'input_ids.npy'), files.inputIds);
writeFileSync(join(tmp, 'set', 'attention_mask.npy'), files.attentionMask);
writeFileSync(join(tmp, 'set', 'labels.npy'), files.labels);

const qstudio = cliRunner(tmp);

describe('qstudio evaluate', () => {
  it('scores the float model and a 4-bit file on .npz and on a folder of .npy files, per output', async () => {
    expect((await qstudio('quantize', 'tokens.onnx', '-o', 'w4.onnx', '--bits', '4')).code).toBe(0);
    const correct = tokenSamples().agreeing;
    for (const samples of ['samples.npz', 'set']) {
      const { code, stdout } = await qstudio(
        'evaluate',
        'tokens.onnx',
        '--samples',
        samples,
        '--variant',
        'w4.onnx',
        '--json',
      );
      expect(code).toBe(0);
      const r = JSON.parse(stdout) as EvalReport;
      expect(r.synthetic).toBe(false);
      expect(r.float.accuracy?.top1Correct).toBe(correct);
      expect(r.variants[0].exact?.outputs.map((o) => o.name)).toEqual(['logits', 'hidden']);
    }
    const text = await qstudio(
      'evaluate',
      'tokens.onnx',
      '--samples',
      'samples.npz',
      '--variant',
      'w4.onnx',
      '--iou-threshold',
      '0.2',
    );
    expect(text.stdout).toMatch(/float\s+80\.0%/);
    expect(text.stdout).toMatch(/w4\.onnx\s+exact\s+hidden\s+map\s+[\d.]+\s+0\.99\d+\s+\S+\s+0\.\d{3}/);
    expect(text.stdout).toContain('IoU@0.2');
  }, 120_000);

  it('runs the synthetic probe without samples, and says so', async () => {
    const { code, stdout } = await qstudio('evaluate', 'tokens.onnx', '--variant', 'w4.onnx');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^SYNTHETIC PROBE — 8 made-up inputs/);
    expect(stdout).toMatch(/Output fidelity vs the float model \(synthetic probe\)/);
  }, 60_000);

  it.each([
    [['evaluate'], 2, /expected one model file, got 0/],
    [['evaluate', 'tokens.onnx', '--mode', 'fast'], 2, /--mode must be exact, deployed or both/],
    [['evaluate', 'tokens.onnx', '--samples', 'nope.npz'], 1, /cannot read nope.npz: no such file or folder/],
    [['evaluate', 'missing.onnx'], 1, /cannot read missing.onnx: no such file/],
  ])(
    '%j exits %i with a clear message',
    async (args, code, message) => {
      const r = await qstudio(...args);
      expect(r.code).toBe(code);
      expect(r.stderr).toMatch(message);
    },
    60_000,
  );
});
