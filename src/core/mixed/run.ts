import { equalizeModel } from '../equalize/equalize';
import { StudioError } from '../errors';
import type { OnnxModel } from '../onnx/types';
import { runQuantization, type RunHooks } from '../pipeline/run';
import { withBytes, type OutputOptions, type RunResult } from '../pipeline/write';
import type { MeasuredOn, QuantConfig } from '../quant/config';
import type { Calibration } from '../pipeline/method';
import {
  assign,
  layerTables,
  type Assignment,
  type Budget,
  type Candidate,
  type LayerTable,
  type MeasuredLoss,
} from './plan';
import { UNMEASURABLE, type MeasureAssignments, type RefineHooks } from './refine';
import { refineInput, refineWith } from './refined';

/**
 * Refine a measured-loss answer end to end (src/core/mixed/refined.ts): whole assignments run on the calibration
 * samples by `measure`. Ignored with the weight-error proxy (no samples).
 */
export interface RefineOption {
  measure: MeasureAssignments;
  hooks?: RefineHooks;
}

/** The solver's answer, refined when asked and the loss is measured. */
async function solveAndRefine(
  model: OnnxModel,
  base: QuantConfig,
  source: OnnxModel,
  tables: LayerTable[],
  budget: Budget,
  proxy: 'weight-error' | 'measured',
  opts: { candidates?: readonly Candidate[]; refine?: RefineOption },
): Promise<Assignment> {
  const a = assign(model, base, tables, budget, proxy);
  if (!opts.refine || proxy !== 'measured') return a;
  const proxyTables = await layerTables(source, base, opts.candidates);
  const input = refineInput(model, base, tables, proxyTables, budget, a);
  try {
    return await refineWith(a, input, opts.refine.measure, opts.refine.hooks);
  } catch (e) {
    // A layer the evaluator cannot write back (as the sensitivity run skips it): keep the solver's answer, say why.
    if (e instanceof Error && e.message.includes(UNMEASURABLE)) return { ...a, refineSkipped: e.message };
    throw e;
  }
}

/** A budget as the user states it: average bits per weight, or the size of the exported file. */
export type UserBudget = { targetBits: number } | { fileBytes: number };

export interface BudgetRun extends RunResult {
  assignment: Assignment;
}

const MAX_TRIES = 4;

/**
 * The assignment for a budget, as a config any run can use (the studio plans, then quantizes it like any variant).
 * A bits budget needs no export; a file-size budget is checked against the exported file (see `runWithBudget`).
 */
export async function planBudget(
  model: OnnxModel,
  base: QuantConfig,
  budget: UserBudget,
  opts: {
    candidates?: readonly Candidate[];
    measured?: MeasuredLoss;
    hooks?: RunHooks;
    refine?: RefineOption;
  } = {},
): Promise<Assignment> {
  if ('fileBytes' in budget) return (await runWithBudget(model, base, budget, 'plan', opts)).assignment;
  const source = base.equalize ? (await equalizeModel(model, base)).model : model;
  const tables = await layerTables(source, base, opts.candidates, opts.measured);
  const proxy = opts.measured ? 'measured' : 'weight-error';
  return solveAndRefine(model, base, source, tables, budget, proxy, opts);
}

/**
 * Assign bits per layer under the budget and export. A file-size budget is turned into a weight-bytes budget by
 * subtracting what the rest of the file takes (measured by exporting the smallest assignment); the exported file is
 * then measured, and if it is still over, the weight budget shrinks by the excess and the assignment is solved again.
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
    /** The samples `measured` came from, recorded in the recipe (`mixed.measuredOn`). */
    measuredOn?: MeasuredOn;
    refine?: RefineOption;
  } = {},
): Promise<BudgetRun> {
  // The proxy must see the weights that will be quantized: the equalized ones when equalization is on.
  const source = base.equalize ? (await equalizeModel(model, base)).model : model;
  const tables = await layerTables(source, base, opts.candidates, opts.measured);
  const proxy = opts.measured ? 'measured' : 'weight-error';
  const on = opts.measured && opts.measuredOn ? { measuredOn: opts.measuredOn } : {};
  if ('targetBits' in budget) {
    const assignment = await solveAndRefine(
      model,
      base,
      source,
      tables,
      { targetBits: budget.targetBits },
      proxy,
      opts,
    );
    assignment.config = { ...assignment.config, mixed: { ...assignment.config.mixed!, ...on } };
    const result = await runQuantization(
      model,
      assignment.config,
      runId,
      opts.hooks,
      opts.output,
      opts.calibration,
    );
    return withBytes({ ...result, assignment });
  }
  // What the file takes besides the assigned weights, measured on the smallest assignment (every layer at its
  // narrowest): the graph, the weights left float, and the nodes and scales quantization adds.
  const least = tables.reduce((sum, t) => sum + Math.min(...t.options.map((o) => o.bytes)), 0);
  const smallest = assign(model, base, tables, { targetBytes: least }, proxy, false);
  const probe = await runQuantization(model, smallest.config, runId, opts.hooks, opts.output);
  if (probe.file.size > budget.fileBytes) {
    throw new StudioError(
      'QuantConfigError',
      `no assignment fits a ${budget.fileBytes}-byte file: the smallest (every layer at its narrowest width) takes ${probe.file.size} bytes`,
    );
  }
  let weightBytes = budget.fileBytes - (probe.file.size - smallest.storedBytes);
  for (let i = 0; i < MAX_TRIES && weightBytes >= least; i++) {
    const assignment = await solveAndRefine(
      model,
      base,
      source,
      tables,
      { targetBytes: weightBytes },
      proxy,
      opts,
    );
    const refined = assignment.config.mixed?.refined;
    assignment.config = {
      ...assignment.config,
      mixed: { targetBytes: budget.fileBytes, proxy, ...on, ...(refined ? { refined } : {}) },
    };
    const result = await runQuantization(
      model,
      assignment.config,
      runId,
      opts.hooks,
      opts.output,
      opts.calibration,
    );
    if (result.file.size <= budget.fileBytes) return withBytes({ ...result, assignment });
    weightBytes -= result.file.size - budget.fileBytes;
  }
  // The nodes an assignment adds differ a little from the smallest one's: fall back to that, which fits.
  smallest.config = { ...smallest.config, mixed: { targetBytes: budget.fileBytes, proxy, ...on } };
  return withBytes({
    ...probe,
    summary: { ...probe.summary, config: smallest.config },
    assignment: smallest,
  });
}
