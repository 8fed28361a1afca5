// docs/.eval-options.json as scripts/bench/eval-options.ts writes it (scripts/bench/eval-browser/bounds.ts renders it).
import type { EvalMode } from '../../../src/protocol/eval-dto';

/** One variant on one model, form and mode: medians of the rounds. */
export interface OptionRow {
  model: string;
  form: string;
  mode: EvalMode;
  variant: string;
  batch: number;
  wasmSamplesPerCpuS: number;
  /** onnxruntime-node, the studio's session options, the variant's batch. */
  nodeSamplesPerCpuS: number;
  /** The variant's wasm CPU time over the plain session's (base, batch 32): below 1 is faster. */
  wasmCpuVsBase: number;
  wasmWallVsBase: number;
  /** Against the plain session's outputs: max |difference| of the logits, samples whose top-1 class differs. */
  maxAbsDiff: number;
  top1Differs: number;
}
export interface OptionsJson {
  commit: string;
  machine: string;
  reps: number;
  variants: { name: string; batch: number; what: string }[];
  rows: OptionRow[];
  /** The process's first pass (1,000 samples) against the same session's later passes (median), wasm CPU ms. */
  coldPass?: {
    model: string;
    form: string;
    mode: EvalMode;
    variant: string;
    wasmCpuMs: number;
    steadyCpuMs: number;
  };
  /** Variants onnxruntime-web refused (execution providers not in this build). */
  failures: { variant: string; message: string }[];
}
