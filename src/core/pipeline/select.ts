// Which weights a run quantizes, with which settings, and the reason for every weight it leaves float.
import type { WeightInfo } from '../onnx/types';
import { BLOCK_SIZES, specFor, type QuantConfig, type WeightSpec } from '../quant/config';

export interface PlannedSpec extends WeightSpec {
  /** Set when the settings differ from what was asked, with the reason. */
  fallback?: string;
}

/** Whether a run with `config` quantizes this weight (the weights table ticks exactly these). */
export function isIncluded(config: Pick<QuantConfig, 'layers' | 'includeGather'>, w: WeightInfo): boolean {
  const o = config.layers[w.name];
  if (o?.skip) return false;
  return w.op !== 'Gather' || config.includeGather || o?.skip === false;
}

/** Why an excluded weight stays float. */
export function excludedReason(config: QuantConfig, w: WeightInfo): string {
  if (config.layers[w.name]?.skip) return 'excluded';
  return 'Gather table (embedding): not included (--include-gather or tick it)';
}

/**
 * The settings a weight gets, or null when it is excluded. A block longer than the reduction axis would store one
 * scale per few weights (a depthwise or 1-channel conv grows past float): use the largest block size that fits,
 * or per-channel when none does.
 */
export function weightSpec(config: QuantConfig, w: WeightInfo): PlannedSpec | null {
  if (!isIncluded(config, w)) return null;
  const spec = specFor(config, w.name);
  if (!spec || spec.granularity !== 'block') return spec;
  const dim = w.shape[w.reductionAxis];
  if (dim >= spec.blockSize) return spec;
  const fits = [...BLOCK_SIZES].reverse().find((b) => b <= dim);
  return fits
    ? {
        ...spec,
        blockSize: fits,
        fallback: `block ${spec.blockSize} is longer than the reduction axis (${dim}): block ${fits}`,
      }
    : {
        ...spec,
        granularity: 'channel',
        fallback: `block ${spec.blockSize} is longer than the reduction axis (${dim}): per-channel`,
      };
}

/** Why a weight that is included still stays float, or null when it can be quantized. */
export function leftFloatReason(w: WeightInfo, spec: WeightSpec): string | null {
  if (w.consumers > w.uses.length) {
    return `shared by ${w.consumers} readers that do not all read it as this weight (another layout or a non-weight op): quantizing it here would store it twice`;
  }
  if (spec.bits === 'fp16' && w.dtype === 'float16') return 'already float16';
  return null;
}

/** The weights a run with `config` leaves float before it starts, each with its reason (the run adds opset limits). */
export function plannedSkips(
  config: QuantConfig,
  weights: readonly WeightInfo[],
): { name: string; reason: string }[] {
  return weights.flatMap((w) => {
    const spec = weightSpec(config, w);
    const reason = spec ? leftFloatReason(w, spec) : excludedReason(config, w);
    return !spec || reason ? [{ name: w.name, reason: reason! }] : [];
  });
}

/**
 * Why a run quantizes nothing: an already-quantized model (`alreadyQuantized`, e.g. describeQuantized's text), every
 * weight excluded or kept float, or no weight at all. One sentence for the CLI's exit message and the studio.
 */
export function nothingReason(
  alreadyQuantized: string,
  skipped: readonly { name: string; reason: string }[],
): string {
  const parts: string[] = [];
  if (alreadyQuantized) parts.push(`it is already quantized (${alreadyQuantized})`);
  if (skipped.length)
    parts.push(
      `every weight found is kept float: ${skipped.map((k) => `${k.name} (${k.reason})`).join('; ')}`,
    );
  if (!parts.length)
    parts.push('no Conv/ConvTranspose/Gemm/MatMul/LSTM/GRU/RNN/Gather weight input is a float constant');
  return parts.join('; ');
}

/** Why `config` would quantize nothing in a model with `weights`, or null when at least one weight gets quantized. */
export function nothingToQuantize(
  config: QuantConfig,
  weights: readonly WeightInfo[],
  alreadyQuantized: string,
): string | null {
  const skipped = plannedSkips(config, weights);
  return skipped.length < weights.length ? null : nothingReason(alreadyQuantized, skipped);
}
