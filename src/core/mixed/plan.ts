import { isStudioError, StudioError } from '../errors';
import { chooseEncoding, type Encoding, type EncodingContext } from '../export/encoding';
import { encodedBytes, matmulNBitsBytes, type EncodedWeight } from '../export/rewrite';
import { findWeights, readWeight } from '../onnx';
import { planOpsetUpgrade } from '../onnx/opset';
import type { OnnxModel, WeightInfo } from '../onnx/types';
import { aiOnnxOpset } from '../onnx/opset';
import { quantizeWeight } from '../pipeline/weight';
import { packLevels, type PackContainer } from '../quant/pack';
import type { QuantizedTensor } from '../quant/types';
import { specFor, type IntBits, type LayerOverride, type QuantConfig } from '../quant/config';
import { solveBudget, type Option, type Solution } from './solve';

import { MIXED_CANDIDATES, type Candidate } from './candidates';
import type { Refinement } from './refine';

export { MIXED_CANDIDATES, type Candidate };

/** One layer's options: exact stored bytes (as the exporter writes them) and predicted loss per candidate. */
export interface LayerTable {
  name: string;
  elements: number;
  candidates: Candidate[];
  options: Option[];
}

/** Predicted loss of layer `name` at `candidate` from a measurement (e.g. output KL of quantizing it alone). */
export type MeasuredLoss = Record<string, Partial<Record<Candidate, number>>>;

export interface Budget {
  /** Average stored bits per weight over the assigned layers (scales and zero points included). */
  targetBits?: number;
  /** Total stored bytes of the assigned layers. */
  targetBytes?: number;
}

/** The encoding context the pipeline uses for this model (the opset it may rise to). */
function encodingContext(model: OnnxModel, config: QuantConfig): EncodingContext {
  const opset = aiOnnxOpset(model.proto) ?? 1; // no ai.onnx import: treat as opset 1, as the pipeline does
  const upgradable = [25, 21].find((t) => t > opset && planOpsetUpgrade(model.proto, t).ok) ?? null;
  return { opset, maxOpset: upgradable ?? (opset >= 25 ? opset : null), format: config.format };
}

function relativeError(values: Float32Array, deq: Float32Array): number {
  let err = 0;
  let sig = 0;
  for (let i = 0; i < values.length; i++) {
    err += (values[i] - deq[i]) ** 2;
    sig += values[i] * values[i];
  }
  return sig > 0 ? err / sig : err;
}

/** The weights a mixed assignment covers: those the base config quantizes and the exporter can rewrite. */
export function assignableWeights(model: OnnxModel, config: QuantConfig): WeightInfo[] {
  return findWeights(model, { includeGather: config.includeGather }).filter(
    (w) => specFor(config, w.name) !== null && w.consumers <= 1,
  );
}

/**
 * Size and predicted loss of every assignable weight at each candidate. Loss is `measured` where given, otherwise
 * the weight-error proxy: the noise-to-signal ratio ‖W − Q(W)‖² / ‖W‖² of the layer's weights, which (for inputs of
 * any fixed distribution) is the noise-to-signal ratio the layer adds to its output, and is unchanged when a
 * rescaling such as equalization or folded BatchNorm moves magnitude between layers. It says nothing about how much
 * of that noise reaches the model's outputs (see docs/ranges.md), which is why `assign` only upgrades from a
 * uniform floor with it. Candidates the exporter cannot write for a weight (e.g. no encoding at this opset, fp16 of
 * a float16 weight) are left out.
 */
export async function layerTables(
  model: OnnxModel,
  base: QuantConfig,
  candidates: readonly Candidate[] = MIXED_CANDIDATES,
  measured?: MeasuredLoss,
): Promise<LayerTable[]> {
  const ctx = encodingContext(model, base);
  const tables: LayerTable[] = [];
  for (const w of assignableWeights(model, base)) {
    const values = await readWeight(model, w);
    const table: LayerTable = { name: w.name, elements: w.elements, candidates: [], options: [] };
    for (const c of candidates) {
      const option = c === 'float' ? { bytes: w.bytes, loss: 0 } : optionAt(values, w, base, c, ctx);
      if (!option) continue;
      const m = measured?.[w.name]?.[c];
      table.candidates.push(c);
      table.options.push({ bytes: option.bytes, loss: m ?? option.loss });
    }
    if (!table.candidates.includes('float')) {
      table.candidates.push('float');
      table.options.push({ bytes: w.bytes, loss: 0 });
    }
    tables.push(table);
  }
  return tables;
}

function optionAt(
  values: Float32Array,
  w: WeightInfo,
  base: QuantConfig,
  bits: IntBits | 'fp16',
  ctx: EncodingContext,
): Option | null {
  const spec = { ...specFor(base, w.name)!, bits };
  if (bits === 'fp16' && w.dtype === 'float16') return null;
  const encoding = chooseEncoding(w, spec, ctx);
  if (!encoding) return null;
  try {
    const qw = quantizeWeight(values, w, spec);
    const bytes =
      qw.kind === 'fp16'
        ? encodedBytes({ kind: 'cast', weight: w, fp16: qw.bits })
        : encoding.kind === 'matmulnbits'
          ? matmulNBitsBytes(qw.q, encoding.bits)
          : encodedBytes(dqWeight(w, encoding as Extract<Encoding, { kind: 'dq' }>, qw.q));
    return { bytes, loss: relativeError(values, qw.dequantized) };
  } catch (e) {
    if (isStudioError(e, 'WeightValueError')) return null; // NaN/Inf: only float remains
    throw e;
  }
}

function dqWeight(
  w: WeightInfo,
  encoding: Extract<Encoding, { kind: 'dq' }>,
  q: QuantizedTensor,
): EncodedWeight {
  return {
    kind: 'dq',
    weight: w,
    encoding,
    q,
    packed: packLevels(q.levels, encoding.container as PackContainer),
  };
}

/** Bits per weight a candidate's levels carry (float: the stored float width). */
export function nominalBits(t: LayerTable, k: number): number {
  const c = t.candidates[k];
  if (c === 'fp16') return 16;
  if (c === 'float') return Math.round((8 * t.options[k].bytes) / Math.max(1, t.elements));
  return c;
}

export interface Assignment {
  /** An ordinary config whose `layers` lists every weight of the model: the recipe. */
  config: QuantConfig;
  /** The solver's answer, in its units: nominal bits (a bits budget) or stored bytes (a size budget). */
  solution: Solution;
  budget: number;
  budgetUnit: 'bits' | 'bytes';
  /** Narrowest integer width allowed (the widest uniform width the budget affords), or null: no floor. */
  floor: number | null;
  /** Chosen candidate per layer. */
  chosen: Record<string, Candidate>;
  /** Average bits per weight the levels carry (3-bit counts 3 although it is stored in an int4 container). */
  averageBits: number;
  /** Bytes the exporter stores for these layers (levels, scales, zero points; float layers as they were). */
  storedBytes: number;
  /** When the answer was refined end to end on calibration samples: every configuration evaluated, and the winner. */
  refinement?: Refinement;
  /** Why a refinement that was asked for did not run (a layer the evaluator cannot write back). */
  refineSkipped?: string;
}

/**
 * The widest integer width that every layer can take at once within `limit` (in the solver's `options` units), or
 * null when not even the narrowest uniform assignment fits.
 */
export function uniformFloor(
  tables: readonly LayerTable[],
  options: readonly Option[][],
  limit: number,
): number | null {
  const widths = [
    ...new Set(tables.flatMap((t) => t.candidates.filter((c): c is IntBits => typeof c === 'number'))),
  ];
  let best: number | null = null;
  for (const b of widths) {
    let total = 0;
    for (let i = 0; i < tables.length && total <= limit; i++) {
      const k = tables[i].candidates.indexOf(b);
      // A layer without this width (no encoding for it) takes float, as a uniform run leaves it float.
      total += options[i][k >= 0 ? k : tables[i].candidates.indexOf('float')].bytes;
    }
    if (total <= limit && (best === null || b > best)) best = b;
  }
  return best;
}

/**
 * Solve the budget and write the answer as a config (per-layer bits; `skip` for layers left float). A bits budget
 * counts each layer's nominal width × its weights (so 4.5 means what the levels carry, like uniform 4-bit means 4);
 * a bytes budget counts the exact stored bytes.
 *
 * With the weight-error proxy, no layer goes below the widest uniform width the budget affords (at 4.5 bits: 4):
 * the proxy ranks upgrades well but cannot promise that taking bits from one layer to give them to another pays
 * off, so the answer only ever upgrades layers of the uniform model the budget already allows, and is never worse
 * than it layer by layer. Measured losses come from the model's outputs, so they may trade freely (`floor: false`).
 */
export function assign(
  model: OnnxModel,
  base: QuantConfig,
  tables: readonly LayerTable[],
  budget: Budget,
  proxy: 'weight-error' | 'measured',
  floor = proxy === 'weight-error',
): Assignment {
  const { limit, options, byBits } = budgetUnits(tables, budget);
  const least = floor ? uniformFloor(tables, options, limit) : null;
  // Indices of the options each layer keeps: all, or none narrower than the floor.
  const kept = tables.map((t) =>
    t.candidates
      .map((c, k) => k)
      .filter(
        (k) =>
          least === null || !(typeof t.candidates[k] === 'number' && (t.candidates[k] as number) < least),
      ),
  );
  const reduced = solveBudget(
    options.map((o, i) => kept[i].map((k) => o[k])),
    limit,
  );
  const solution: Solution = { ...reduced, picks: reduced.picks.map((k, i) => kept[i][k]) };
  const written = assignmentOf(model, base, tables, solution.picks);
  return {
    ...written,
    config: { ...written.config, mixed: { ...budget, proxy } },
    solution,
    floor: least,
    budget: limit,
    budgetUnit: byBits ? 'bits' : 'bytes',
  };
}

/**
 * The solver's view of a budget: its limit and each layer's options in its units — nominal bits × weights for a bits
 * budget (so 4.5 means what the levels carry), exact stored bytes for a bytes budget.
 */
export function budgetUnits(
  tables: readonly LayerTable[],
  budget: Budget,
): { limit: number; options: Option[][]; byBits: boolean } {
  const elements = tables.reduce((s, t) => s + t.elements, 0);
  const byBits = budget.targetBits !== undefined;
  if (!byBits && budget.targetBytes === undefined) {
    throw new StudioError('QuantConfigError', 'a budget needs target bits or a target size');
  }
  const limit = byBits ? Math.floor(budget.targetBits! * elements) : Math.floor(budget.targetBytes!);
  const options = byBits
    ? tables.map((t) => t.options.map((o, k) => ({ bytes: nominalBits(t, k) * t.elements, loss: o.loss })))
    : tables.map((t) => t.options);
  return { limit, options, byBits };
}

/** One pick per layer written as a config (per-layer bits; `skip` for layers left float), with its totals. */
export function assignmentOf(
  model: OnnxModel,
  base: QuantConfig,
  tables: readonly LayerTable[],
  picks: readonly number[],
): Pick<Assignment, 'config' | 'chosen' | 'averageBits' | 'storedBytes'> {
  const elements = tables.reduce((s, t) => s + t.elements, 0);
  const layers: Record<string, LayerOverride> = {};
  // Weights outside the assignment (excluded, tied, Gather tables not asked for) are listed as float.
  for (const w of findWeights(model, { includeGather: true })) {
    layers[w.name] = { ...base.layers[w.name], skip: true };
  }
  const chosen: Record<string, Candidate> = {};
  let storedBytes = 0;
  let bits = 0;
  tables.forEach((t, i) => {
    const k = picks[i];
    const c = t.candidates[k];
    chosen[t.name] = c;
    storedBytes += t.options[k].bytes;
    bits += nominalBits(t, k) * t.elements;
    const { skip: _skip, ...rest } = base.layers[t.name] ?? {};
    layers[t.name] = c === 'float' ? { ...rest, skip: true } : { ...rest, bits: c };
  });
  return {
    config: { ...base, layers },
    chosen,
    averageBits: elements ? bits / elements : 0,
    storedBytes,
  };
}
