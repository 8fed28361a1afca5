// Plain data that crosses the worker boundary: no classes, only objects, arrays and typed arrays.
import type { Dtype, WeightInfo } from '../core/onnx/types';
import type { BlockSize, Granularity, Bits, QuantConfig, Scheme } from '../core/quant/config';
import type { LayerRounding } from '../core/pipeline/method';

export type { Dtype, WeightInfo, QuantConfig, Bits, Granularity, Scheme, BlockSize };

export interface ValueInfoDto {
  name: string;
  dtype: Dtype | 'unknown';
  /** Dimensions: a number, a symbolic name (e.g. 'batch'), or null when unknown. */
  shape: (number | string | null)[];
}

export interface ModelSummary {
  fileName: string;
  fileBytes: number;
  /** Graph name (or file name) for display. */
  name: string;
  producer: string;
  irVersion: number;
  /** Opset per domain, '' = ai.onnx. */
  opsets: Record<string, number>;
  inputs: ValueInfoDto[];
  outputs: ValueInfoDto[];
  /** Node count per op type, e.g. { Conv: 2, Relu: 3 }. */
  opCounts: Record<string, number>;
  totalParams: number;
  /** Bytes of all initializers (inline and external). */
  totalWeightBytes: number;
  weights: WeightInfo[];
  externalFiles: string[];
}

/** Error metrics of one weight under one config. */
export interface LayerMetrics {
  mse: number;
  sqnrDb: number;
  maxAbsError: number;
  /** Mean |w|, to read the errors against. */
  meanAbs: number;
}

export interface LayerResult extends LayerMetrics {
  name: string;
  op: string;
  shape: number[];
  elements: number;
  bits: Bits;
  scheme: Scheme;
  granularity: Granularity;
  blockSize: BlockSize | null;
  /** Stored element type and how it is written, e.g. 'int4' via 'DequantizeLinear'. */
  container: Dtype;
  encoding: 'DequantizeLinear' | 'com.microsoft.DequantizeLinear' | 'MatMulNBits' | 'Cast';
  bytesBefore: number;
  /** Levels + scales + zero points as stored. */
  bytesAfter: number;
  /** Rounding method asked for and used (with any fallback reason); absent in summaries from before methods. */
  rounding?: LayerRounding;
}

export interface RunSummary {
  runId: string;
  config: QuantConfig;
  layers: LayerResult[];
  /** Weights left in float, with the reason (excluded, unsupported, ...). */
  skipped: { name: string; reason: string }[];
  /** Exact size of the exported file. */
  fileBytesBefore: number;
  fileBytesAfter: number;
  /** Opset of the exported model and what was changed to get there. */
  opset: number;
  notes: string[];
  /** Over all quantized weights: total squared error vs total energy. */
  overallSqnrDb: number;
  meanSqnrDb: number;
  minSqnrDb: number;
  worstLayer: string | null;
  durationMs: number;
}

export interface HistogramDto {
  /** Shared bin edges (length = bins + 1) for both the float and the quantized counts. */
  edges: Float32Array;
  float: Uint32Array;
  quantized: Uint32Array | null;
  /** Distinct dequantized values (the grid) when few enough to draw, else null. */
  grid: Float32Array | null;
  min: number;
  max: number;
}

/** Per-channel min/max of one weight along its output-channel axis. */
export interface ChannelRangesDto {
  axis: number;
  min: Float32Array;
  max: Float32Array;
}

export type Progress =
  | { status: 'reading'; fraction: number; tensor?: string }
  | { status: 'quantizing'; fraction: number; tensor: string }
  | { status: 'writing'; fraction: number };
