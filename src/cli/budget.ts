// `quantize --target-bits/--target-size --calibration`: the budget solver's per-layer loss measured on the samples
// (each layer quantized alone at every width it may pick, src/core/sensitivity) instead of the weight-error proxy.
import { MIXED_WIDTHS } from '../core/mixed/candidates';
import type { MeasuredLoss } from '../core/mixed/plan';
import type { OnnxModel } from '../core/onnx/types';
import type { MeasuredOn, QuantConfig } from '../core/quant/config';
import { measuredLossFromSensitivity } from '../core/sensitivity/losses';
import { cliEvaluateApi, measureSensitivityCli } from './measure';
import type { RefineOption } from '../core/mixed/run';

/** Samples per measured model unless --calibration-count says otherwise (as `qstudio sensitivity`). */
const DEFAULT_COUNT = 64;

export async function measuredBudgetLoss(
  modelPath: string,
  model: OnnxModel,
  config: QuantConfig,
  values: Record<string, string | boolean | string[] | undefined>,
): Promise<{ loss: MeasuredLoss; on: MeasuredOn; refine?: RefineOption }> {
  const countText = values['calibration-count'];
  const count = typeof countText === 'string' ? Number(countText) : DEFAULT_COUNT;
  const reports = await measureSensitivityCli(
    modelPath,
    model,
    MIXED_WIDTHS.map((bits) => ({ ...config, bits })),
    { calibration: values.calibration as string, count },
  );
  const first = reports[0];
  return {
    loss: measuredLossFromSensitivity(reports),
    on: { samples: first.sampleCount, source: first.sourceName, synthetic: first.synthetic },
    ...(values['no-refine'] ? {} : { refine: await refineOn(modelPath, model, config, values, count) }),
  };
}

/** Whole assignments run on the same calibration samples the per-layer losses came from (stderr: progress). */
async function refineOn(
  modelPath: string,
  model: OnnxModel,
  config: QuantConfig,
  values: Record<string, string | boolean | string[] | undefined>,
  count: number,
): Promise<RefineOption> {
  const { api, float } = await cliEvaluateApi(modelPath, model, values.calibration as string);
  return {
    measure: (assignments) =>
      api.measureAssignments({
        float,
        config,
        source: 'samples',
        preprocess: null,
        maxSamples: count,
        assignments,
      }),
    hooks: {
      onProgress: (done, cap) =>
        process.stderr.write(`refine: evaluating whole assignments (${done} of at most ${cap} done)\n`),
    },
  };
}
