// Which rounding method each weight gets (RTN, GPTQ, AdaRound) and running it; falls back to RTN with a reason.
import { isStudioError } from '../errors';
import { adaroundQuantize, gptqQuantize, type LayerHessians } from '../gptq';
import type { RoundingMethod } from '../gptq/result';
import type { WeightInfo } from '../onnx/types';
import { dequantize } from '../quant';
import type { QuantConfig, WeightSpec } from '../quant/config';
import { kernelOptions, quantizeWeight, roundForOp, type QuantizedWeight } from './weight';

/** What rounding a layer asked for and got. `error`/`rtnError` are ‖(W − Ŵ)X‖² on the calibration data. */
export interface LayerRounding {
  requested: RoundingMethod;
  used: RoundingMethod;
  error: number | null;
  rtnError: number | null;
  /** Why RTN was used instead, or what the method reports (iterations, damping). */
  notes: string[];
  ms: number;
}

/** Per-weight curvature captured from calibration data (see gptq/capture.ts). */
export interface Calibration {
  hessians: Map<string, LayerHessians>;
  /** E[x] per Hessian (one per Conv group) over the same inputs, for bias correction. */
  meanInputs?: Map<string, Float64Array[]>;
}

/** The method a weight gets: its per-layer override, else the config's. */
export const methodFor = (config: QuantConfig, name: string): RoundingMethod =>
  config.layers[name]?.method ?? config.method;

export { needsCalibration } from '../quant/config';

/** Does this weight need captured activations (a data-aware method, or bias correction)? */
export const capturesFor = (config: QuantConfig, name: string): boolean =>
  config.biasCorrection || methodFor(config, name) !== 'rtn';

/**
 * Quantize one weight with its method. RTN is `quantizeWeight` unchanged (exported bytes stay pinned). A data-aware
 * method that cannot run on this weight (no Hessian captured, unsupported shape) falls back to RTN and says why.
 */
export function quantizeWithMethod(
  values: Float32Array,
  w: WeightInfo,
  spec: WeightSpec,
  requested: RoundingMethod,
  calibration: Calibration | undefined,
  now: () => number = () => Date.now(),
  /** AdaRound's steps on this weight, every few (for progress). */
  onStep?: (step: number, total: number) => void,
  /** Asked inside the solve (every AdaRound step, every GPTQ row block): true throws a CancelledError. */
  isCancelled?: () => boolean,
): { qw: QuantizedWeight; rounding: LayerRounding } {
  const started = now();
  const rtn = (why: string[]): { qw: QuantizedWeight; rounding: LayerRounding } => ({
    qw: quantizeWeight(values, w, spec),
    rounding: { requested, used: 'rtn', error: null, rtnError: null, notes: why, ms: now() - started },
  });
  if (requested === 'rtn') return rtn([]);
  if (spec.bits === 'fp16') return rtn([`${requested} applies to integer grids: float16 is a cast`]);
  const layer = calibration?.hessians.get(w.name);
  if (!layer) return rtn([`no calibration activations reached this ${w.op} weight: RTN used`]);
  // RTN's options, clip range included: the data-aware methods round on exactly the grid RTN would use.
  const opts = kernelOptions(values, w, spec.bits, spec);
  const clipped = (spec.clip ?? 'minmax') !== 'minmax';
  try {
    const res =
      requested === 'gptq'
        ? // Act-order helps at low bits; block grids keep column order so each block's scale is refitted (min/max)
          // to the updated weights — unless a clip range was chosen, which then stays the grid.
          gptqQuantize(values, w.shape, opts, layer, {
            actOrder: spec.granularity !== 'block',
            dynamicGroups: !clipped,
            isCancelled,
          })
        : adaroundQuantize(values, w.shape, opts, layer, { onStep, isCancelled });
    const notes = [...res.notes];
    if (res.iterations !== undefined) notes.push(`${res.iterations} AdaRound steps`);
    return {
      qw: { kind: 'int', q: res.q, dequantized: roundForOp(dequantize(res.q), w.opDtype) },
      rounding: {
        requested,
        used: res.method,
        error: res.error,
        rtnError: res.rtnError,
        notes,
        ms: now() - started,
      },
    };
  } catch (e) {
    if (!isStudioError(e, 'UnsupportedModelError')) throw e;
    return rtn([`${requested} not applicable (${e.message}): RTN used`]);
  }
}
