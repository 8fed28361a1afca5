// What a sensitivity run reports (plain data: it crosses the worker boundary as it is).
import type { WeightSpec } from '../quant/config';
import type { SkippedLayer } from './variants';

/**
 * What orders the layers: output KL divergence when the model has a class-score output (softmax of logits), else
 * the noise-to-signal ratio of the worst output (10^(−SQNR/10)), for maps, embeddings and other outputs.
 */
export type SensitivityMetric = 'kl' | 'output-nsr';

/** One layer quantized alone (every other weight float), against the float model on the same samples. */
export interface LayerSensitivity {
  /** The weight's name, or the block's when a run groups layers by block. */
  name: string;
  /** The op, or `block of N` for a block. */
  op: string;
  elements: number;
  /** The weights of a block quantized together (absent for a single layer). */
  members?: string[];
  /** Mean KL(float ‖ variant) in nats over the samples; null without a class-score output. */
  kl: number | null;
  /** Fraction of samples whose top-1 class equals the float model's; null without a class-score output. */
  top1Agreement: number | null;
  /** Variant top-1 accuracy minus the float model's; null without labels. */
  top1Delta: number | null;
  /** SQNR (dB) of the worst compared output vs the float model's (+∞: identical). */
  outputSqnrDb: number;
  /** Weight SQNR (dB) of this layer: the data-free proxy (it measures rounding, not accuracy). */
  weightSqnrDb: number;
  /** The measured loss the ranking uses (KL, or output noise-to-signal ratio); larger is more sensitive. */
  score: number;
  /** 1 = most sensitive by measurement; ties share the order of the weight list. */
  rank: number;
  /** 1 = most sensitive by the proxy (lowest weight SQNR). */
  proxyRank: number;
}

export interface SensitivityReport {
  spec: WeightSpec;
  metric: SensitivityMetric;
  /** Most sensitive first. */
  layers: LayerSensitivity[];
  /** Weights the config would quantize that were not measured, with the reason. */
  skipped: SkippedLayer[];
  /** Layers eligible for measurement; the rows are fewer when the run measured a sample of them. */
  measuredLayers?: number;
  /**
   * Spearman's ρ between the measured score and the proxy's (lower weight SQNR = more sensitive): +1 when the proxy
   * orders the layers exactly as the measurement does. null with fewer than 2 layers or a constant side.
   */
  spearman: number | null;
  sampleCount: number;
  sourceName: string;
  /** Made-up inputs (the synthetic probe), not the user's data: label every number so. */
  synthetic: boolean;
  labeled: boolean;
  /** The float model's top-1 accuracy on these samples (labels only). */
  floatTop1: number | null;
  notes: string[];
  durationMs: number;
}

/** Sent while a run goes: layer `done` of `total` started (0 = the float model). */
export interface SensitivityProgress {
  layer: string | null;
  done: number;
  total: number;
  /** Samples done in the current model, out of `samples`. */
  sample: number;
  samples: number;
}
