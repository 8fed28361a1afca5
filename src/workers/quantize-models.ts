// The quantize worker's models and runs: what `open` parsed and what each `quantize` made, kept by the page's ids.
// A restarted worker has neither; the must-get helpers answer ModelNotLoadedError so the page's session restores them.
import { StudioError } from '../core/errors';
import type { RunSpill } from './opfs-spill';
import { findWeights } from '../core/onnx';
import type { OnnxModel, WeightInfo } from '../core/onnx/types';
import type { ExternalData } from '../core/export/external-data';
import type { ModelFile } from '../core/export/stream';
import type { QuantConfig } from '../core/quant/config';

export interface OpenModel {
  model: OnnxModel;
  weights: WeightInfo[];
}

export interface Run {
  modelId: string;
  config: QuantConfig;
  /** The exported .onnx as parts (tensor buffers, slices of the source file): joined only into a Blob. */
  file: ModelFile;
  /** Set when the output went to external data (beyond protobuf's 2 GiB): the second file of the download. */
  externalData?: ExternalData;
  /** The data file's name for a two-file export. */
  dataLocation: string;
  /** The two-file form of a one-file run, made when asked for (same bytes as `qstudio quantize --external-data`). */
  split?: Promise<{ file: ModelFile; data: ExternalData }>;
  /** The exported file was read back and checked (once, on the first export). */
  validated?: boolean;
  /** Where a large model's quantized tensors were written (OPFS); the exports read them from there. */
  spill?: RunSpill;
}

export const models = new Map<string, OpenModel>();
export const runs = new Map<string, Run>();

export function mustGetModel(modelId: string): OpenModel {
  const m = models.get(modelId);
  if (!m)
    throw new StudioError('ModelNotLoadedError', `no model "${modelId}" in this worker (was it restarted?)`);
  return m;
}

export function mustGetWeight(m: OpenModel, name: string): WeightInfo {
  const w = m.weights.find((x) => x.name === name);
  if (!w) throw new StudioError('QuantConfigError', `no quantizable weight named "${name}"`);
  return w;
}

export function mustGetRun(runId: string): Run {
  const r = runs.get(runId);
  if (!r)
    throw new StudioError('ModelNotLoadedError', `no run "${runId}" in this worker (was it restarted?)`);
  return r;
}

/** The same weight in an equalized copy (an equalized Clip becomes two nodes, so node indices move). */
export const sameWeight = (model: OnnxModel, w: WeightInfo): WeightInfo =>
  findWeights(model, { includeGather: true }).find((x) => x.name === w.name) ?? w;
