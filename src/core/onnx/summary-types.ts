// What opening a model reports (returned by summarizeModel; protocol/ re-exports it for the worker boundary).
import type { Dtype, WeightInfo } from './types';
import type { QuantizedGroup } from './quantized-text';
import type { QuantizedWeightInfo } from './quantized-weights';

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
  /** Integer weights the model already has (an already-quantized model), by consuming op. */
  quantized: QuantizedGroup[];
  /** Each of those integer weights (histograms of their dequantized values come from the worker on demand). */
  quantizedWeights: QuantizedWeightInfo[];
}
