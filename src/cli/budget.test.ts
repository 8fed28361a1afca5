// `quantize --target-bits --calibration`: the budget solver's loss is measured sensitivity on the samples, and the
// assignment is exactly the solver's answer for that measured loss (the known answer, computed in-process here).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test/paths';
import { runMain } from '../../test/support/cli-main';
import { file } from '../../test/support/evaluate-cases';
import { MIXED_WIDTHS } from '../core/mixed/candidates';
import { planBudget } from '../core/mixed/run';
import { parseModel } from '../core/onnx';
import { normalizeConfig } from '../core/quant/config';
import { measuredLossFromSensitivity } from '../core/sensitivity';
import { createEvaluateApi } from '../workers/evaluate.api';

const DIR = join(REPO_ROOT, 'test/fixtures/models/mlp');
const MODEL = join(DIR, 'model.onnx');
const tmp = mkdtempSync(join(tmpdir(), 'qstudio-budget-'));

/** `quantize --target-bits 3.5` per channel, measured on 16 calibration samples, recipe saved. */
const quantizeToBits = (out: string, recipe: string, ...more: string[]) =>
  runMain(
    'quantize', MODEL, '-o', out, '--granularity', 'channel', '--target-bits', '3.5',
    '--calibration', join(DIR, 'calibration'), '--calibration-count', '16', '--save-recipe', recipe, ...more,
  ); // prettier-ignore

describe('quantize --target-bits with --calibration', () => {
  it('assigns bits from measured sensitivity and says so in the output and the recipe', async () => {
    const recipe = join(tmp, 'r.json');
    const r = await quantizeToBits(join(tmp, 'm.onnx'), recipe, '--no-refine');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/loss by measured sensitivity \(each layer alone at every width, 16 samples of/);
    const saved = JSON.parse(readFileSync(recipe, 'utf8'));
    expect(saved.mixed).toMatchObject({ targetBits: 3.5, proxy: 'measured', measuredOn: { samples: 16 } });

    // The known answer: the same measurement in-process, then the solver.
    ort.env.wasm.numThreads = 1;
    const api = createEvaluateApi(ort);
    await api.loadSamples([
      file(join(DIR, 'calibration/inputs.npy'), 'inputs.npy'),
      file(join(DIR, 'calibration/labels.npy'), 'labels.npy'),
    ]);
    const config = normalizeConfig({ granularity: 'channel' });
    const float = { blob: new Blob([readFileSync(MODEL)]), label: 'model.onnx' };
    const reports = [];
    for (const bits of MIXED_WIDTHS)
      reports.push(
        await api.sensitivity({
          float,
          config: { ...config, bits },
          source: 'samples',
          preprocess: null,
          maxSamples: 16,
        }),
      );
    const model = parseModel(new Uint8Array(readFileSync(MODEL)), 'model.onnx');
    const plan = await planBudget(
      model,
      config,
      { targetBits: 3.5 },
      {
        measured: measuredLossFromSensitivity(reports),
      },
    );
    expect(saved.layers).toEqual(plan.config.layers);
    expect(saved.mixed.refined).toBeUndefined();

    // Refined by default: whole assignments evaluated on the same 16 samples, the best kept (same answer in-process).
    const refinedRecipe = join(tmp, 'rr.json');
    const rr = await quantizeToBits(join(tmp, 'mr.onnx'), refinedRecipe);
    expect(rr.code).toBe(0);
    expect(rr.out).toMatch(/refined on the calibration samples: \d+ configurations evaluated whole, kept "/);
    const refined = await planBudget(
      model,
      config,
      { targetBits: 3.5 },
      {
        measured: measuredLossFromSensitivity(reports),
        refine: {
          measure: (assignments) =>
            api.measureAssignments({
              float,
              config,
              source: 'samples',
              preprocess: null,
              maxSamples: 16,
              assignments,
            }),
        },
      },
    );
    const savedRefined = JSON.parse(readFileSync(refinedRecipe, 'utf8'));
    expect(savedRefined.layers).toEqual(refined.config.layers);
    const { evaluated, winner } = refined.refinement!;
    expect(savedRefined.mixed.refined).toEqual({
      evaluated: evaluated.length,
      winner: evaluated[winner].label,
    });
    expect(evaluated[0].label).toBe('uniform int3');
    expect(evaluated[winner].loss).toBeLessThanOrEqual(evaluated[0].loss);
    expect(evaluated[winner].loss).toBe(Math.min(...evaluated.map((e) => e.loss)));
    for (const e of evaluated) expect(e.size).toBeLessThanOrEqual(refined.budget);
    expect(refined.averageBits).toBeLessThanOrEqual(3.5);
  });

  it('--target-size with --calibration: measured too, and the file fits', async () => {
    const recipe = join(tmp, 's.json');
    const out = join(tmp, 'sized.onnx');
    const r = await runMain(
      'quantize',
      MODEL,
      '-o',
      out,
      '--target-size',
      '150KB',
      '--calibration',
      join(DIR, 'calibration'),
      '--calibration-count',
      '8',
      '--save-recipe',
      recipe,
    );
    expect(r.code).toBe(0);
    expect(readFileSync(out).length).toBeLessThanOrEqual(150_000);
    expect(JSON.parse(readFileSync(recipe, 'utf8')).mixed).toMatchObject({
      targetBytes: 150_000,
      proxy: 'measured',
      measuredOn: { samples: 8 },
    });
  });

  it('without --calibration keeps the weight-error proxy; --sequential alone is refused', async () => {
    const recipe = join(tmp, 'p.json');
    const r = await runMain(
      'quantize',
      MODEL,
      '-o',
      join(tmp, 'p.onnx'),
      '--target-bits',
      '4.5',
      '--save-recipe',
      recipe,
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(recipe, 'utf8')).mixed.proxy).toBe('weight-error');
    const seq = await runMain(
      'quantize',
      MODEL,
      '-o',
      join(tmp, 's.onnx'),
      '--target-bits',
      '4.5',
      '--sequential',
    );
    expect(seq.code).toBe(2);
    expect(seq.err).toMatch(/--calibration is used by --method gptq\|adaround and --bias-correction only/);
  });
});
