// Results of the metrics (plain data: protocol/ re-exports them for the worker boundary).

/** Error metrics of one weight under one config. */
export interface LayerMetrics {
  mse: number;
  sqnrDb: number;
  maxAbsError: number;
  /** Mean |w|, to read the errors against. */
  meanAbs: number;
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
