// One module for naming a config or variant: its id, its download file name, and its labels, from shared parts.
import { ALL_BITS, type Bits, type QuantConfig } from '../core/quant/config';
import { rangeIdParts, rangeLabelParts } from '../core/ranges/tag';

/**
 * A mixed-precision variant's bits part: `mix4.5b` / `mix1200000B` in ids, "mixed 4.5 b" / "mixed ≤ 1.2 MB" in
 * labels; null for a uniform config. Its `layers` are the assignment, so they are not counted as overrides.
 */
const mixedId = (c: QuantConfig, sep = '-'): string | null =>
  c.mixed
    ? (c.mixed.targetBits !== undefined ? `mix${c.mixed.targetBits}b` : `mix${c.mixed.targetBytes}B`) +
      (c.mixed.proxy === 'measured' ? `${sep}measured` : '')
    : null;
/**
 * A plan from measured sensitivity says so ("mixed 4.5 b measured"), and its id differs from the proxy plan's for
 * the same budget (`mix4.5b-measured-…`): they are different answers and must not replace each other.
 */
export const mixedLabel = (c: QuantConfig): string | null =>
  c.mixed
    ? (c.mixed.targetBits !== undefined
        ? `mixed ${c.mixed.targetBits} b`
        : `mixed ≤ ${decimalSize(c.mixed.targetBytes ?? 0)}`) +
      (c.mixed.proxy === 'measured' ? ' measured' : '')
    : null;
/**
 * What predicted a mixed variant's per-layer loss and whether the assignment was refined end to end, e.g. "measured on
 * 64 samples of digits.npz; refined: 7 whole assignments evaluated, kept …" (null: uniform). `refineSkipped`: why a
 * measured plan could not be refined (the worker's note).
 */
export function mixedLossText(c: QuantConfig, refineSkipped?: string): string | null {
  if (!c.mixed) return null;
  if (c.mixed.proxy !== 'measured') return 'weight-error proxy (no data); not refined';
  const on = c.mixed.measuredOn;
  const r = c.mixed.refined;
  const refined = r
    ? `; refined: ${r.evaluated} whole assignments evaluated, kept ${r.winner}`
    : `; not refined${refineSkipped ? ` (${refineSkipped})` : ''}`;
  if (!on) return `measured sensitivity${refined}`;
  return on.synthetic
    ? `measured on ${on.samples} synthetic samples (made-up inputs)${refined}`
    : `measured on ${on.samples} samples of ${on.source}${refined}`;
}
/** A mixed variant's budget as the user set it: "4.5 b/weight average", "file ≤ 200 kB" (null: uniform). */
export const mixedBudgetText = (c: QuantConfig): string | null =>
  !c.mixed
    ? null
    : c.mixed.targetBits !== undefined
      ? `${c.mixed.targetBits} b/weight average`
      : `file ≤ ${decimalSize(c.mixed.targetBytes ?? 0)}`;
/** A budget as the user typed it: decimal kB/MB (the budget field's units), 3 significant digits. */
const decimalSize = (bytes: number): string =>
  bytes >= 1e6 ? `${+(bytes / 1e6).toPrecision(3)} MB` : `${+(bytes / 1e3).toPrecision(3)} kB`;
/** Range parts without the budget (which a mixed variant puts first). */
const rangeIds = (c: QuantConfig) => rangeIdParts({ ...c, mixed: undefined });
const rangeLabels = (c: QuantConfig) => rangeLabelParts({ ...c, mixed: undefined });

/** Short, stable hash (FNV-1a, base 36) for config parts that have no readable name. */
export function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36).slice(0, 5);
}

const sortedLayers = (config: QuantConfig): string =>
  JSON.stringify(
    Object.keys(config.layers)
      .sort()
      .map((k) => [k, config.layers[k]]),
  );

/** Everything in a config except the bit width, as a key (error curves vary it themselves). */
export function configKeyWithoutBits(config: QuantConfig): string {
  const { scheme, granularity, blockSize, format, includeGather } = config;
  // rtn keys without bias correction stay as they were
  const method = `${config.method === 'rtn' ? '' : `|${config.method}`}${config.biasCorrection ? '|bc' : ''}`;
  return `${scheme}|${granularity}|${granularity === 'block' ? blockSize : ''}|${format}|${includeGather}|${rangeIdParts(config).join('+')}|${shortHash(sortedLayers(config))}${method}`;
}

const schemeTag = (c: QuantConfig): 'sym' | 'asym' => (c.scheme === 'symmetric' ? 'sym' : 'asym');
/** `channel`, `tensor`, `block32`: the granularity in ids and file names. */
const granularityTag = (c: QuantConfig): string =>
  c.granularity === 'block' ? `block${c.blockSize}` : c.granularity;
const overrideCount = (c: QuantConfig): number => Object.keys(c.layers).length;

/** A readable, deterministic id for a variant, e.g. `w4-sym-channel`, `w4-asym-block32`, `fp16`. */
export function variantIdOf(config: QuantConfig): string {
  const hasOverrides = overrideCount(config) > 0;
  const suffix = [
    config.method !== 'rtn' && config.bits !== 'fp16' ? config.method : '',
    config.biasCorrection ? 'bc' : '',
    config.format !== 'auto' ? config.format : '',
    config.includeGather ? 'gather' : '',
    ...rangeIds(config),
    hasOverrides ? `o${shortHash(sortedLayers(config))}` : '',
  ]
    .filter(Boolean)
    .map((s) => `-${s}`)
    .join('');
  const mixed = mixedId(config);
  if (mixed) return `${mixed}-${schemeTag(config)}-${granularityTag(config)}${suffix}`;
  if (config.bits === 'fp16') return `fp16${suffix}`;
  return `w${config.bits}-${schemeTag(config)}-${granularityTag(config)}${suffix}`;
}

export const bitsLabel = (p: Bits): string => (p === 'fp16' ? 'fp16' : `${p}-bit`);

/** Sort chosenBits the way the UI lists them: fp16 first, then widest to narrowest. */
export const sortBits = (ps: readonly Bits[]): Bits[] =>
  ALL_BITS.filter((p) => ps.includes(p)).sort((a, b) => rank(b) - rank(a));

const rank = (p: Bits): number => (p === 'fp16' ? 16 : p);

/** File name of a variant's download: `<model>_w<bits>_<granularity>.onnx`, `<model>_fp16.onnx`. */
export function downloadFileName(modelFileName: string, config: QuantConfig): string {
  const stem = modelFileName.replace(/\.onnx$/i, '').replace(/[^\w.-]+/g, '_') || 'model';
  const mixed = mixedId(config, '_');
  const bc = config.biasCorrection ? '_bc' : '';
  if (config.bits === 'fp16' && !mixed) return `${stem}_fp16${bc}.onnx`;
  const asym = schemeTag(config) === 'asym' ? '_asym' : '';
  const ranges = rangeIds(config)
    .map((p) => `_${p}`)
    .join('');
  const method = `${config.method === 'rtn' ? '' : `_${config.method}`}${bc}`;
  return `${stem}_${mixed ?? `w${config.bits}`}_${granularityTag(config)}${asym}${ranges}${method}.onnx`;
}

/** `per-channel`, `per-tensor`, `block 32`. */
export const granularityLabel = (c: QuantConfig): string =>
  c.granularity === 'block' ? `block ${c.blockSize}` : `per-${c.granularity}`;

const METHOD_LABEL = { rtn: '', gptq: 'GPTQ', adaround: 'AdaRound' } as const;

/** Rounding method and bias correction, e.g. ["GPTQ", "bias-corrected"] (nothing for plain RTN). */
const methodLabelParts = (c: QuantConfig): string[] =>
  [c.bits === 'fp16' ? '' : METHOD_LABEL[c.method], c.biasCorrection ? 'bias-corrected' : ''].filter(Boolean);

/** Method, range/budget choices and per-layer overrides, e.g. " · GPTQ · MSE clip · 2 overrides". */
const overridesLabel = (c: QuantConfig): string => {
  const n = c.mixed ? 0 : overrideCount(c);
  return [...methodLabelParts(c), ...rangeLabels(c), ...(n ? [`${n} override${n > 1 ? 's' : ''}`] : [])]
    .map((p) => ` · ${p}`)
    .join('');
};

/** e.g. "4-bit · sym · per-channel", "fp16"; marks per-layer overrides. */
export function variantLabel(v: { config: QuantConfig }): string {
  const c = v.config;
  const mixed = mixedLabel(c);
  if (c.bits === 'fp16' && !mixed) return `fp16${overridesLabel(c)}`;
  return `${mixed ?? bitsLabel(c.bits)} · ${schemeTag(c)} · ${granularityLabel(c)}${overridesLabel(c)}`;
}

/** The variants table's two columns of the same name: "4-bit" / "mixed 4.5 b", and "sym · per-channel · GPTQ". */
export function variantLabelParts(v: { config: QuantConfig }): { bits: string; settings: string } {
  const c = v.config;
  const mixed = mixedLabel(c);
  if (c.bits === 'fp16' && !mixed) return { bits: 'fp16', settings: `cast${overridesLabel(c)}` };
  return {
    bits: mixed ?? bitsLabel(c.bits),
    settings: `${schemeTag(c)} · ${granularityLabel(c)}${overridesLabel(c)}`,
  };
}

/** The short name used in plot legends and selects: "4-bit · channel", "4-bit · asym · block 32", "fp16". */
export function variantShortLabel(v: { config: QuantConfig }): string {
  const c = v.config;
  const mixed = mixedLabel(c);
  if (c.bits === 'fp16' && !mixed) return 'fp16';
  const gran = c.granularity === 'block' ? granularityLabel(c) : c.granularity;
  const asym = schemeTag(c) === 'asym' ? ' · asym' : '';
  return `${mixed ?? bitsLabel(c.bits)}${asym} · ${gran}${overridesLabel(c)}`;
}

/** Short labels of every variant by id (for pickers showing variants from an evaluation report). */
export const selectVariantLabels = (s: {
  variants: Record<string, { config: QuantConfig }>;
}): Record<string, string> =>
  Object.fromEntries(Object.entries(s.variants).map(([id, v]) => [id, variantShortLabel(v)]));
