// Plain data that crosses the quantize worker's boundary: no classes, only objects, arrays and typed arrays.
import type { MeasureAssignments } from '../core/mixed/refine';
import type { Dtype, WeightInfo } from '../core/onnx/types';
import type { BlockSize, Granularity, Bits, QuantConfig, Scheme } from '../core/quant/config';
import type { Candidate } from '../core/mixed/plan';

// Results are core's own types; this module names them for the boundary and adds the request types.
export type { Dtype, WeightInfo, QuantConfig, Bits, Granularity, Scheme, BlockSize };
export type { ModelSummary, ValueInfoDto } from '../core/onnx/summary-types';
export type { ChannelErrorsDto, ChannelRangesDto, HistogramDto, LayerMetrics } from '../core/metrics/types';
export type { LayerResult, Progress, RunSummary } from '../core/pipeline/types';
export type { ClipView } from '../core/ranges/clip-view';

/**
 * A Blob or File as it crosses the boundary (structured clone copies the handle, not the bytes). Typed by the parts
 * the workers use, because protocol/ compiles without the DOM lib; a browser or Node Blob fits.
 */
export interface WireBlob {
  readonly size: number;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
  slice(start?: number, end?: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

/** A model file and the other files dropped with it (external data). */
export interface OpenRequest {
  modelId: string;
  file: WireBlob;
  fileName: string;
  sidecars: { name: string; blob: WireBlob }[];
}

/** Error of one weight (or of all quantized weights) at one bit width. */
export interface ErrorCurvePoint {
  bits: Bits;
  sqnrDb: number;
  mse: number;
  /**
   * Set on a large model's curve only: the share of the weights' values it was computed from (whole output
   * channels, evenly spaced), so the point is an estimate.
   */
  share?: number;
}

/** A mixed-precision assignment planned for a budget (core/mixed `Assignment`, without the solver's internals). */
export interface BudgetPlanDto {
  /** The recipe: `layers` lists every weight (bits, or `skip` for float); `mixed` records the budget. */
  config: QuantConfig;
  chosen: Record<string, Candidate>;
  /** Average bits per weight the levels carry over the assigned layers. */
  averageBits: number;
  /** Bytes stored for the assigned layers. */
  storedBytes: number;
  /** Narrowest width the solver allowed (the uniform floor), or null. */
  floor: number | null;
  /** Refinement was asked for but a layer cannot be measured whole: why (the solver's answer stands). */
  refineSkipped?: string;
}

/** What the quantize worker calls back to refine a budget plan end to end (comlink proxies to the page). */
export interface BudgetRefineRemote {
  /** Runs whole assignments on the calibration samples (the page, in the evaluate worker). */
  measure: MeasureAssignments;
  /** Configurations evaluated so far, of at most `cap`. */
  onProgress?: (done: number, cap: number) => void;
}
