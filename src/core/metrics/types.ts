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

/** One weight's error per output channel under one run (channelErrors), and the run's per-tensor grid. */
export interface ChannelErrorsDto {
  axis: number;
  /** Per channel: 10·log10(Σw² / Σ(w−ŵ)²); +∞ exact, 0 when all its weights round to zero, NaN for a zero channel. */
  sqnrDb: Float32Array;
  /** Per channel: √(mean (w−ŵ)²). */
  rmsError: Float32Array;
  /** 1 where a channel with non-zero weights has every quantized weight 0. */
  zeroed: Uint8Array;
  zeroedCount: number;
  /** Per-tensor runs: the scale (one step of the grid); null for per-channel, blocks, float16 or a skipped weight. */
  step: number | null;
  /** Per-tensor runs of up to 64 levels: every level's value; else null. */
  levels: Float32Array | null;
}
