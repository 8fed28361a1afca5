import { equalizeModel } from '../equalize/equalize';
import { StudioError } from '../errors';
import type { OnnxModel } from '../onnx/types';
import { runQuantization, type OutputOptions, type RunHooks, type RunResult } from '../pipeline/run';
import type { QuantConfig } from '../quant/config';
import type { Calibration } from '../pipeline/method';
import { assign, layerTables, type Assignment, type Candidate, type MeasuredLoss } from './plan';

/** A budget as the user states it: average bits per weight, or the size of the exported file. */
export type UserBudget = { targetBits: number } | { fileBytes: number };

export interface BudgetRun extends RunResult {
  assignment: Assignment;
}

const MAX_TRIES = 4;

/**
 * Assign bits per layer under the budget and export. A file-size budget is turned into a weight-bytes budget by
 * subtracting what the rest of the file takes; the exported file is then measured, and if the graph's added
 * DequantizeLinear nodes push it over, the weight budget shrinks by the excess and the assignment is solved again.
 */
export async function runWithBudget(
  model: OnnxModel,
  base: QuantConfig,
  budget: UserBudget,
  runId: string,
  opts: {
    candidates?: readonly Candidate[];
    measured?: MeasuredLoss;
    hooks?: RunHooks;
    output?: OutputOptions;
    /** Calibration for GPTQ / AdaRound / bias correction: bits are chosen first, then each layer is rounded. */
    calibration?: Calibration;
  } = {},
): Promise<BudgetRun> {
  // The proxy must see the weights that will be quantized: the equalized ones when equalization is on.
  const source = base.equalize ? (await equalizeModel(model, base)).model : model;
  const tables = await layerTables(source, base, opts.candidates, opts.measured);
  const proxy = opts.measured ? 'measured' : 'weight-error';
  if ('targetBits' in budget) {
    const assignment = assign(model, base, tables, { targetBits: budget.targetBits }, proxy);
    const result = await runQuantization(
      model,
      assignment.config,
      runId,
      opts.hooks,
      opts.output,
      opts.calibration,
    );
    return { ...result, assignment };
  }
  const fileBefore =
    model.fileBytes + [...new Set(model.externalFiles.values())].reduce((a, b) => a + b.size, 0);
  const floatBytes = tables.reduce((s, t) => s + t.options[t.candidates.indexOf('float')].bytes, 0);
  let weightBytes = budget.fileBytes - (fileBefore - floatBytes);
  for (let i = 0; i < MAX_TRIES && weightBytes > 0; i++) {
    const assignment = assign(model, base, tables, { targetBytes: weightBytes }, proxy);
    assignment.config = { ...assignment.config, mixed: { targetBytes: budget.fileBytes, proxy } };
    const result = await runQuantization(
      model,
      assignment.config,
      runId,
      opts.hooks,
      opts.output,
      opts.calibration,
    );
    if (result.bytes.length <= budget.fileBytes) return { ...result, assignment };
    weightBytes -= result.bytes.length - budget.fileBytes;
  }
  throw new StudioError(
    'QuantConfigError',
    `no assignment fits a ${budget.fileBytes}-byte file: the graph and the weights left float take ${fileBefore - floatBytes} bytes before any weight is stored`,
  );
}
