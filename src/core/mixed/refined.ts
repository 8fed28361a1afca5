// The budget's answer refined end to end: the starting assignments (uniform, uniform + leftover, the solver's, the
// proxy's), the evaluation of them and of local moves (src/core/mixed/refine.ts), and the winner written back as
// the assignment the studio and CLI quantize.
import type { OnnxModel } from '../onnx/types';
import type { QuantConfig } from '../quant/config';
import { assign, budgetUnits, nominalBits, type Assignment, type Budget, type LayerTable } from './plan';
import {
  chosenOf,
  refineAssignment,
  uniformPicks,
  type MeasureAssignments,
  type RefineHooks,
  type Refinement,
  type Start,
} from './refine';
import type { Option } from './solve';

/** What a refinement needs besides the evaluator: plain data, so it can cross a worker boundary. */
export interface RefineInput {
  tables: LayerTable[];
  options: Option[][];
  limit: number;
  starts: Start[];
}

/**
 * The starts for `a` (the solver's answer on measured losses): the widest uniform width the budget affords — always
 * first, so the result is never worse on the calibration loss than it —, that width with the leftover spent by the
 * solver (no layer below it), the solver's answer, and the weight-error proxy's answer when its tables are given.
 */
export function refineInput(
  model: OnnxModel,
  base: QuantConfig,
  tables: LayerTable[],
  proxyTables: readonly LayerTable[] | null,
  budget: Budget,
  a: Assignment,
): RefineInput {
  const { limit, options } = budgetUnits(tables, budget);
  const starts: Start[] = [];
  const u = uniformPicks(tables, options, limit);
  if (u) {
    starts.push({ label: `uniform int${u.bits}`, picks: u.picks });
    const floored = assign(model, base, tables, budget, 'measured', true);
    starts.push({ label: `int${u.bits} + leftover by measured loss`, picks: floored.solution.picks });
  }
  starts.push({ label: 'solver on measured loss', picks: a.solution.picks });
  if (proxyTables) {
    const p = assign(model, base, proxyTables, budget, 'weight-error');
    starts.push({ label: 'solver on weight-error proxy', picks: p.solution.picks });
  }
  return { tables, options, limit, starts };
}

/** Evaluate the starts and local moves with `measure`, and write the winner into `a`. */
export async function refineWith(
  a: Assignment,
  input: RefineInput,
  measure: MeasureAssignments,
  hooks: RefineHooks = {},
): Promise<Assignment> {
  const r = await refineAssignment(
    input.options,
    input.limit,
    input.starts,
    (picks) => measure(picks.map((p) => chosenOf(input.tables, p))),
    hooks,
  );
  return applyRefinement(a, input.tables, r);
}

/** `a` with the refinement's winner as its layers (only the assigned layers change), recorded in `config.mixed`. */
export function applyRefinement(a: Assignment, tables: readonly LayerTable[], r: Refinement): Assignment {
  const win = r.evaluated[r.winner];
  return {
    ...a,
    ...refinedFields(a.config, tables, r),
    solution: { picks: win.picks, bytes: win.size, loss: win.predicted, unit: a.solution.unit },
    refinement: r,
  };
}

/**
 * A planned config rewritten with the refinement's winner: per-layer bits (or skip) for the assigned layers, the
 * totals, and `mixed.refined` (how many configurations were evaluated, which won). Plain data: the studio applies it
 * on the main thread to a plan from the quantize worker.
 */
export function refinedFields(
  config: QuantConfig,
  tables: readonly LayerTable[],
  r: Refinement,
): Pick<Assignment, 'config' | 'chosen' | 'averageBits' | 'storedBytes'> {
  const win = r.evaluated[r.winner];
  const layers = { ...config.layers };
  const chosen = chosenOf(tables, win.picks);
  let storedBytes = 0;
  let bits = 0;
  let elements = 0;
  tables.forEach((t, i) => {
    const k = win.picks[i];
    storedBytes += t.options[k].bytes;
    bits += nominalBits(t, k) * t.elements;
    elements += t.elements;
    const { skip: _skip, bits: _bits, ...rest } = layers[t.name] ?? {};
    const c = chosen[t.name];
    layers[t.name] = c === 'float' ? { ...rest, skip: true } : { ...rest, bits: c };
  });
  const mixed = config.mixed && {
    ...config.mixed,
    refined: { evaluated: r.evaluated.length, winner: win.label },
  };
  return {
    config: { ...config, layers, ...(mixed ? { mixed } : {}) },
    chosen,
    averageBits: elements ? bits / elements : 0,
    storedBytes,
  };
}
