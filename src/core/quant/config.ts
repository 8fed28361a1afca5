import { StudioError } from '../errors';
import type { RoundingMethod } from '../gptq/result';

/** Integer bit widths we quantize to. 3/5/6/7 have no native ONNX container: they live in the next one up. */
export type IntBits = 2 | 3 | 4 | 5 | 6 | 7 | 8;
/** What a weight becomes: integer levels of `IntBits`, or plain float16. */
export type Bits = IntBits | 'fp16';
export type Scheme = 'symmetric' | 'asymmetric';
export type Granularity = 'tensor' | 'channel' | 'block';
export type BlockSize = 16 | 32 | 64 | 128 | 256;
/**
 * How quantized weights are written: `auto` picks per weight (standard DequantizeLinear where the model's opset
 * allows it, MatMulNBits for blocked MatMul weights below opset 21, an opset upgrade otherwise), `qdq` never uses
 * MatMulNBits, `matmulnbits` uses it for every MatMul weight it fits.
 */
export type ExportFormat = 'auto' | 'qdq' | 'matmulnbits';

export const INT_BITS: readonly IntBits[] = [2, 3, 4, 5, 6, 7, 8];
export const ALL_BITS: readonly Bits[] = [...INT_BITS, 'fp16'];
export const BLOCK_SIZES: readonly BlockSize[] = [16, 32, 64, 128, 256];
export const GRANULARITIES: readonly Granularity[] = ['tensor', 'channel', 'block'];
export const SCHEMES: readonly Scheme[] = ['symmetric', 'asymmetric'];
/**
 * How a group's range is chosen before rounding: its extremes (`minmax`, round-to-nearest), the clip range that
 * minimises weight reconstruction MSE (`mse`), or the `clipPercentile`-th percentile of |w| (`percentile`).
 */
export type ClipMethod = 'minmax' | 'mse' | 'percentile';
export const CLIP_METHODS: readonly ClipMethod[] = ['minmax', 'mse', 'percentile'];
export const DEFAULT_CLIP_PERCENTILE = 99.9;
/** Rounding: round-to-nearest, or data-aware GPTQ / AdaRound (these need calibration samples). */
export const METHODS: readonly RoundingMethod[] = ['rtn', 'gptq', 'adaround'];

/** The settings of one weight (after per-layer overrides are applied). */
export interface WeightSpec {
  bits: Bits;
  scheme: Scheme;
  granularity: Granularity;
  blockSize: BlockSize;
  /** Optional so specs written before clipping existed stay valid; absent means `minmax`. */
  clip?: ClipMethod;
  clipPercentile?: number;
}

export interface LayerOverride {
  /** Leave this weight in float. */
  skip?: boolean;
  bits?: Bits;
  scheme?: Scheme;
  granularity?: Granularity;
  blockSize?: BlockSize;
  method?: RoundingMethod;
  clip?: ClipMethod;
  clipPercentile?: number;
  /** false: leave this weight out of cross-layer equalization (its chain is not rescaled). */
  equalize?: boolean;
}

/** How a mixed-precision assignment in `layers` was made (informational: `layers` is the assignment). */
export interface MixedPrecisionInfo {
  /** The budget: average stored bits per weight, or total stored weight bytes. */
  targetBits?: number;
  targetBytes?: number;
  /** What predicted each layer's loss: relative weight reconstruction error (no data), or measured sensitivity. */
  proxy: 'weight-error' | 'measured';
  /** With a measured proxy: the samples the sensitivity was measured on (said in the variant's details). */
  measuredOn?: MeasuredOn;
  /** Refined end to end on the calibration samples: how many whole configurations were evaluated, which won. */
  refined?: { evaluated: number; winner: string };
}

export interface MeasuredOn {
  samples: number;
  /** The sample set's name, or "synthetic probe". */
  source: string;
  /** Made-up inputs, not the user's data. */
  synthetic: boolean;
}

/** One quantization run, fully described. Serializable: it is the exported recipe. */
export interface QuantConfig extends WeightSpec {
  format: ExportFormat;
  /** Gather tables (embeddings) are quantized only when asked. */
  includeGather: boolean;
  /** Drop nodes' doc strings (exporters put stack traces there: 8 KB of a 115 KB model is not unusual). */
  stripDocStrings: boolean;
  clip: ClipMethod;
  clipPercentile: number;
  /** Cross-layer equalization of Conv/Gemm/MatMul chains before quantizing (the float model is unchanged). */
  equalize: boolean;
  mixed?: MixedPrecisionInfo;
  /** Per-weight settings, keyed by weight name. */
  layers: Record<string, LayerOverride>;
  /** Rounding method (recipes written before it existed mean 'rtn'). */
  method: RoundingMethod;
  /**
   * Empirical bias correction: add each output channel's mean output shift (W − Ŵ)·E[x] over the calibration
   * inputs to the layer's bias (needs calibration samples; absent in older recipes means off).
   */
  biasCorrection: boolean;
}

export const defaultQuantConfig: QuantConfig = {
  bits: 8,
  scheme: 'symmetric',
  granularity: 'channel',
  blockSize: 32,
  format: 'auto',
  includeGather: false,
  stripDocStrings: true,
  clip: 'minmax',
  clipPercentile: DEFAULT_CLIP_PERCENTILE,
  equalize: false,
  layers: {},
  method: 'rtn',
  biasCorrection: false,
};

/** Does any weight in the config need calibration data (a data-aware method, or bias correction)? */
export const needsCalibration = (config: QuantConfig): boolean =>
  config.method !== 'rtn' ||
  config.biasCorrection ||
  Object.values(config.layers).some((o) => o.method && o.method !== 'rtn');

export const RECIPE_VERSION = 1;
export interface Recipe extends QuantConfig {
  recipeVersion: typeof RECIPE_VERSION;
}

const oneOf = <T>(what: string, value: unknown, allowed: readonly T[]): T => {
  if (!allowed.includes(value as T)) {
    throw new StudioError(
      'QuantConfigError',
      `${what} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value as T;
};

export const parseBits = (value: unknown): Bits => {
  if (value === 'fp16' || value === 'float16' || value === 16 || value === '16') return 'fp16';
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return oneOf('bits', n, INT_BITS);
};

function parsePercentile(value: unknown, where: string): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !(n > 50 && n <= 100)) {
    throw new StudioError(
      'QuantConfigError',
      `${where}clip percentile must be a number in (50, 100], got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

function positive(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new StudioError(
      'QuantConfigError',
      `${what} must be a positive number, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function parseMixed(value: unknown): MixedPrecisionInfo | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new StudioError('QuantConfigError', 'mixed must be an object');
  }
  const m = value as Partial<MixedPrecisionInfo>;
  const out: MixedPrecisionInfo = {
    proxy: oneOf('mixed.proxy', m.proxy, ['weight-error', 'measured'] as const),
  };
  if (m.targetBits !== undefined) out.targetBits = positive('mixed.targetBits', m.targetBits);
  if (m.targetBytes !== undefined) out.targetBytes = positive('mixed.targetBytes', m.targetBytes);
  if (m.measuredOn !== undefined) out.measuredOn = parseMeasuredOn(m.measuredOn);
  if (m.refined !== undefined) {
    const r = m.refined as Partial<{ evaluated: unknown; winner: unknown }>;
    if (typeof r !== 'object' || r === null || typeof r.winner !== 'string')
      throw new StudioError('QuantConfigError', 'mixed.refined must be {evaluated, winner}');
    out.refined = { evaluated: positive('mixed.refined.evaluated', r.evaluated), winner: r.winner };
  }
  return out;
}

function parseMeasuredOn(value: unknown): MeasuredOn {
  const m = (value ?? {}) as Partial<MeasuredOn>;
  if (typeof value !== 'object' || Array.isArray(value) || typeof m.source !== 'string') {
    throw new StudioError('QuantConfigError', 'mixed.measuredOn must be {samples, source, synthetic}');
  }
  const samples = positive('mixed.measuredOn.samples', m.samples);
  return { samples, source: m.source, synthetic: m.synthetic === true };
}

function validateSpec<T extends Partial<WeightSpec>>(spec: T, where: string): T {
  const out = { ...spec };
  if (spec.bits !== undefined) out.bits = parseBits(spec.bits);
  if (spec.scheme !== undefined) out.scheme = oneOf(`${where}scheme`, spec.scheme, SCHEMES);
  if (spec.granularity !== undefined)
    out.granularity = oneOf(`${where}granularity`, spec.granularity, GRANULARITIES);
  if (spec.blockSize !== undefined) out.blockSize = oneOf(`${where}block size`, spec.blockSize, BLOCK_SIZES);
  if (spec.clip !== undefined) out.clip = oneOf(`${where}clip`, spec.clip, CLIP_METHODS);
  if (spec.clipPercentile !== undefined) out.clipPercentile = parsePercentile(spec.clipPercentile, where);
  const m = (spec as { method?: unknown }).method;
  if (m !== undefined) (out as { method?: RoundingMethod }).method = oneOf(`${where}method`, m, METHODS);
  return out;
}

/** Check a config (e.g. one read from a recipe file) and fill in defaults. Throws QuantConfigError. */
export function normalizeConfig(input: unknown): QuantConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new StudioError('QuantConfigError', 'a quantization config must be a JSON object');
  }
  // Undefined keys mean "not given": they must not wipe out defaults.
  const raw = Object.fromEntries(
    Object.entries(input).filter(([, v]) => v !== undefined),
  ) as Partial<QuantConfig> & {
    precision?: unknown;
  };
  const merged = { ...defaultQuantConfig, ...raw };
  // Recipes written before the field was named `bits` call it `precision`.
  if (raw.bits === undefined && raw.precision !== undefined) merged.bits = parseBits(raw.precision);
  delete (merged as { precision?: unknown }).precision;
  delete (merged as { recipeVersion?: unknown }).recipeVersion;
  const cfg = validateSpec(merged, '') as QuantConfig;
  cfg.format = oneOf('format', cfg.format, ['auto', 'qdq', 'matmulnbits'] as const);
  cfg.includeGather = Boolean(cfg.includeGather);
  cfg.stripDocStrings = Boolean(cfg.stripDocStrings);
  cfg.equalize = Boolean(cfg.equalize);
  cfg.biasCorrection = Boolean(cfg.biasCorrection);
  const mixed = parseMixed(raw.mixed);
  if (mixed) cfg.mixed = mixed;
  else delete cfg.mixed;
  const layers: Record<string, LayerOverride> = {};
  if (typeof raw.layers === 'object' && raw.layers !== null) {
    for (const [name, o] of Object.entries(raw.layers)) {
      if (typeof o !== 'object' || o === null) {
        throw new StudioError('QuantConfigError', `layer "${name}": override must be an object`);
      }
      layers[name] = validateSpec(
        {
          ...o,
          skip: o.skip === undefined ? undefined : Boolean(o.skip),
          equalize: o.equalize === undefined ? undefined : Boolean(o.equalize),
        },
        `layer "${name}": `,
      );
      if (layers[name].skip === undefined) delete layers[name].skip;
      if (layers[name].equalize === undefined) delete layers[name].equalize;
    }
  }
  cfg.layers = layers;
  return cfg;
}

/** The settings one weight gets, or null when it stays float. */
export function specFor(config: QuantConfig, weightName: string): WeightSpec | null {
  const o = config.layers[weightName];
  if (o?.skip) return null;
  return {
    bits: o?.bits ?? config.bits,
    scheme: o?.scheme ?? config.scheme,
    granularity: o?.granularity ?? config.granularity,
    blockSize: o?.blockSize ?? config.blockSize,
    clip: o?.clip ?? config.clip ?? 'minmax',
    clipPercentile: o?.clipPercentile ?? config.clipPercentile ?? DEFAULT_CLIP_PERCENTILE,
  };
}

export const toRecipe = (config: QuantConfig): Recipe => ({ recipeVersion: RECIPE_VERSION, ...config });
