// Plain data that crosses the quantize worker's boundary: no classes, only objects, arrays and typed arrays.
import type { Dtype, WeightInfo } from '../core/onnx/types';
import type { BlockSize, Granularity, Bits, QuantConfig, Scheme } from '../core/quant/config';

// Results are core's own types; this module names them for the boundary and adds the request types.
export type { Dtype, WeightInfo, QuantConfig, Bits, Granularity, Scheme, BlockSize };
export type { ModelSummary, ValueInfoDto } from '../core/onnx/summary-types';
export type { ChannelErrorsDto, ChannelRangesDto, HistogramDto, LayerMetrics } from '../core/metrics/types';
export type { LayerResult, Progress, RunSummary } from '../core/pipeline/types';

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
}
