// What a quantization run reports (plain data: protocol/ re-exports it for the worker boundary).
import type { Dtype } from '../onnx/types';
import type { BlockSize, Bits, Granularity, QuantConfig, Scheme } from '../quant/config';
import type { LayerMetrics } from '../metrics/types';
import type { FloatLeft } from '../onnx/inventory';
import type { LayerRounding } from './method';

/**
 * Models from this many bytes on spill their quantized tensors (the CLI to a file, the studio to OPFS: RunHooks.spill):
 * below it, holding the output costs less than writing it twice.
 */
export const SPILL_FROM_BYTES = 256 * 2 ** 20;

/** What an encoded weight stores, in bytes: its levels (or fp16 values), scales and zero points. */
export interface StoredBytes {
  levels: number;
  scales: number;
  zeroPoints: number;
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
  /** `bytesAfter` by part (an fp16 weight's values count as levels). */
  stored: StoredBytes;
  /** Set when the weight got other settings than asked for, and why (e.g. a block longer than its axis). */
  fallback?: string;
  /** Rounding method asked for and used (with any fallback reason); only for data-aware methods. */
  rounding?: LayerRounding;
}

export interface RunSummary {
  runId: string;
  config: QuantConfig;
  layers: LayerResult[];
  /** Weights left in float, with the reason (excluded, unsupported, ...). */
  skipped: { name: string; reason: string; bytes: number }[];
  /** Float constants that are not weights we quantize (biases, norms, ...), with the reason. */
  floatLeft: FloatLeft[];
  /** Float parameters in the model and how many of them this run quantized. */
  floatParams: { total: number; quantized: number };
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

export type Progress =
  | { status: 'reading'; fraction: number; tensor?: string }
  | {
      status: 'quantizing';
      fraction: number;
      tensor: string;
      /** AdaRound: optimisation steps done on this tensor, of `steps`. */
      step?: number;
      steps?: number;
    }
  | { status: 'writing'; fraction: number };
