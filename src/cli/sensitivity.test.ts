// `qstudio sensitivity` end to end (the real bin, onnxruntime-web wasm in Node) on the committed trained fixtures.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test/paths';
import type { SensitivityReport } from '../protocol/eval-dto';
import { cliRunner } from '../../test/support/cli';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/models');

const qstudio = cliRunner(FIXTURES);

describe('qstudio sensitivity', () => {
  it('ranks every layer of the MLP on its calibration folder (--json)', async () => {
    const { code, stdout, stderr } = await qstudio(
      'sensitivity',
      'mlp/model.onnx',
      '--calibration',
      'mlp/calibration',
      '--calibration-count',
      '16',
      '--bits',
      '3',
      '--granularity',
      'tensor',
      '--json',
    );
    expect(code).toBe(0);
    const r = JSON.parse(stdout) as SensitivityReport;
    expect(r).toMatchObject({ synthetic: false, labeled: true, sampleCount: 16, metric: 'kl', skipped: [] });
    expect(r.spec).toMatchObject({ bits: 3, granularity: 'tensor' });
    expect(r.layers).toHaveLength(3);
    expect(r.layers.map((l) => l.rank)).toEqual([1, 2, 3]);
    expect([...r.layers.map((l) => l.proxyRank)].sort()).toEqual([1, 2, 3]);
    expect(r.layers[0].kl).toBeGreaterThanOrEqual(r.layers[1].kl!);
    expect(r.layers[1].kl).toBeGreaterThanOrEqual(r.layers[2].kl!);
    expect(typeof r.spearman).toBe('number');
    // progress goes to stderr, one line per model when not a terminal
    expect(stderr.trim().split('\n')).toHaveLength(4);
  });

  it('prints a ranked table and labels the synthetic probe when there is no --calibration', async () => {
    const { code, stdout } = await qstudio('sensitivity', 'dwcnn/model.onnx', '--bits', '4');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^SYNTHETIC PROBE — 8 made-up inputs/);
    expect(stdout).toMatch(/Each layer quantized alone to int4 symmetric per-channel/);
    expect(stdout).toMatch(
      /#\s+layer\s+op\s+KL \(nats\)\s+top-1 agrees\s+output SQNR dB\s+weight SQNR dB\s+proxy #/,
    );
    expect(stdout).not.toMatch(/Δ top-1/); // no labels, no accuracy
    expect(lines.filter((l) => /^\s*\d+\s+\S+\s+(Conv|Gemm)\s/.test(l))).toHaveLength(10);
    expect(stdout).toMatch(/Spearman ρ = -?\d\.\d\d/);
  });

  it('groups layers by block (--group-by block) on the transformer fixture', async () => {
    const { code, stdout } = await qstudio(
      'sensitivity',
      'tinytf/model.onnx',
      '--calibration',
      'tinytf/calibration.npz',
      '--calibration-count',
      '8',
      '--group-by',
      'block',
      '--json',
    );
    expect(code).toBe(0);
    const r = JSON.parse(stdout) as SensitivityReport;
    expect(r.layers.map((l) => [l.name, l.op, l.members?.length ?? 1]).sort()).toEqual([
      ['/layers.0', 'block of 4', 4],
      ['/layers.1', 'block of 4', 4],
      ['head.weight', 'Gemm', 1],
    ]);
    expect(r.notes).toContain('9 layers in 3 blocks, each block quantized together');
  });

  it('measures an even sample of layers (--layers 3) and honours --equalize', async () => {
    const { code, stdout } = await qstudio('sensitivity', 'dwcnn/model.onnx', '--layers', '3', '--equalize');
    expect(code).toBe(0);
    expect(stdout).toMatch(/note: a sample of 3 of 10 layers, spread evenly over the graph/);
    expect(stdout).toMatch(
      /note: measured on the cross-layer-equalized model \(8 layer pair\(s\) rescaled\)/,
    );
    expect(stdout).toMatch(/3 layers in/);
  });

  it("measures each layer with a recipe's per-layer settings (--recipe), every layer at --bits", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qstudio-sens-'));
    const recipe = join(dir, 'r.json');
    writeFileSync(
      recipe,
      JSON.stringify({ bits: 8, layers: { 'net.2.weight': { granularity: 'tensor', bits: 2 } } }),
    );
    const { code, stdout } = await qstudio(
      'sensitivity',
      'mlp/model.onnx',
      '--recipe',
      recipe,
      '--bits',
      '3',
      '--json',
    );
    expect(code).toBe(0);
    const r = JSON.parse(stdout) as SensitivityReport;
    expect(r.spec).toMatchObject({ bits: 3, granularity: 'channel' });
    expect(r.notes).toContain('1 layer(s) measured with their own per-layer settings');
  });

  it.each([
    { args: ['--layers', '0'], code: 2, err: /--layers must be a positive integer/ },
    { args: ['--group-by', 'stage'], code: 2, err: /--group-by takes "block"/ },
    { args: ['--layers', '2', '--group-by', 'block'], code: 2, err: /not both/ },
    {
      args: ['--calibration-count', '0', '--calibration', 'mlp/calibration'],
      code: 2,
      err: /positive integer/,
    },
    { args: ['--calibration-count', '4'], code: 2, err: /needs --calibration/ },
    { args: ['--bits', '9'], code: 1, err: /bits/ },
    { args: ['--calibration', 'nowhere'], code: 1, err: /nowhere/ },
  ])('bad input $args: exit $code, one clear line', async ({ args, code, err }) => {
    const r = await qstudio('sensitivity', 'mlp/model.onnx', ...args);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(err);
    expect(r.stderr).not.toMatch(/internal error|at .*\.js/);
  });

  it('refuses a missing model and documents itself in --help', async () => {
    expect(await qstudio('sensitivity', 'missing.onnx')).toMatchObject({ code: 1 });
    const help = await qstudio('sensitivity', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/qstudio sensitivity <model.onnx> \[--calibration FILE\|FOLDER/);
  });
});
