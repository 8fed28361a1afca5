import type { QuantConfig } from '../../../core/quant/config';
import { rangeLabelParts } from '../../../core/ranges/tag';
import { bitsLabel, type Variant } from '../../../state';

export const granularityLabel = (c: QuantConfig): string =>
  c.granularity === 'block' ? `block ${c.blockSize}` : `per-${c.granularity}`;

/** e.g. "4-bit · sym · per-channel", "fp16"; marks per-layer overrides. */
export function variantLabel(v: Pick<Variant, 'bits' | 'config'>): string {
  const overrides = Object.keys(v.config.layers).length;
  const extra = [
    ...rangeLabelParts(v.config),
    ...(overrides ? [`${overrides} override${overrides > 1 ? 's' : ''}`] : []),
  ]
    .map((p) => ` · ${p}`)
    .join('');
  if (v.bits === 'fp16') return `fp16${extra}`;
  const scheme = v.config.scheme === 'symmetric' ? 'sym' : 'asym';
  return `${bitsLabel(v.bits)} · ${scheme} · ${granularityLabel(v.config)}${extra}`;
}

/** The short name used in plot legends and selects. */
export const variantShortLabel = (v: Pick<Variant, 'bits' | 'config' | 'id'>): string =>
  v.bits === 'fp16' ? 'fp16' : variantLabel(v).replace(' · sym', '').replace('per-', '');

/** Short labels of every variant by id (for pickers showing variants from an evaluation report). */
export const selectVariantLabels = (s: {
  variants: Record<string, Pick<Variant, 'bits' | 'config' | 'id'>>;
}): Record<string, string> =>
  Object.fromEntries(Object.entries(s.variants).map(([id, v]) => [id, variantShortLabel(v)]));
