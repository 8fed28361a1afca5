// Empirical bias correction (Nagel et al., 2019): quantizing W shifts each output channel's mean by
// E[Wx] − E[Ŵx]; adding that shift to the bias puts the mean back where the float model had it.
import { StudioError } from '../errors';

/**
 * Per-output-channel running means of a layer's output, accumulated sample by sample. The layer output is
 * [N, C, ...] (Conv, channel axis 1) or [..., C] (MatMul/Gemm, last axis): pass the channel axis.
 */
export class ChannelMeans {
  private readonly sum: Float64Array;
  private count = 0;

  constructor(readonly channels: number) {
    this.sum = new Float64Array(channels);
  }

  add(y: ArrayLike<number>, dims: readonly number[], channelAxis: number): void {
    const axis = channelAxis < 0 ? channelAxis + dims.length : channelAxis;
    if (dims[axis] !== this.channels || y.length !== dims.reduce((a, b) => a * b, 1)) {
      throw new StudioError(
        'QuantConfigError',
        `output [${dims.join(', ')}] has no ${this.channels} channels on axis ${channelAxis}`,
      );
    }
    const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    const c = this.channels;
    for (let i = 0; i < y.length; i++) this.sum[Math.floor(i / inner) % c] += y[i];
    this.count += y.length / c;
  }

  means(): Float64Array {
    return this.sum.map((s) => (this.count > 0 ? s / this.count : 0));
  }
}

/**
 * The corrected bias: b + (E[float output] − E[quantized output]) per output channel, in float32 (a missing bias
 * is zero: the caller then adds one). Both means must come from the same calibration samples, and the quantized
 * output from the layer with its quantized weight (and, for a sequential correction, quantized inputs).
 */
export function correctedBias(
  floatMeans: ArrayLike<number>,
  quantizedMeans: ArrayLike<number>,
  bias?: ArrayLike<number> | null,
): Float32Array {
  const c = floatMeans.length;
  if (quantizedMeans.length !== c || (bias && bias.length !== c)) {
    throw new StudioError(
      'QuantConfigError',
      `bias correction: ${c} float means, ${quantizedMeans.length} quantized means${bias ? ` and ${bias.length} biases` : ''} must match`,
    );
  }
  const out = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    const shift = floatMeans[i] - quantizedMeans[i];
    if (!Number.isFinite(shift)) {
      throw new StudioError('QuantConfigError', `bias correction: channel ${i} has a non-finite mean`);
    }
    out[i] = (bias ? bias[i] : 0) + shift;
  }
  return out;
}

/**
 * The same shift computed without running the quantized layer: (W − Ŵ)·E[x] per output row, with E[x] the mean
 * input vector (`HessianAccumulator.meanInput()`; for a grouped Conv, the mean patch of the row's group). Row-view
 * weights: rows × cols. Equal to the empirical shift of a linear layer's pre-activation output.
 */
export function analyticShift(
  w: ArrayLike<number>,
  wq: ArrayLike<number>,
  rows: number,
  meanInputs: ArrayLike<number>[],
): Float64Array {
  const per = rows / meanInputs.length;
  const cols = w.length / rows;
  if (!Number.isInteger(per) || meanInputs.some((m) => m.length !== cols) || wq.length !== w.length) {
    throw new StudioError(
      'QuantConfigError',
      `bias correction: mean inputs do not fit ${rows} rows × ${cols}`,
    );
  }
  const shift = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const mu = meanInputs[Math.floor(r / per)];
    let s = 0;
    for (let c = 0; c < cols; c++) s += (w[r * cols + c] - wq[r * cols + c]) * mu[c];
    shift[r] = s;
  }
  return shift;
}
