import { useShallow } from 'zustand/react/shallow';
import type { Bits } from '../../core/quant/config';
import { useAppStore, type AppState } from '../../state';
import { bitsColor } from './plot-theme';

/**
 * Colours for a variant whose bit width an earlier variant already has (4-bit per-tensor next to 4-bit per-channel):
 * hues away from the bit-width colours, readable on both themes.
 */
const MORE = ['#db2777', '#854d0e', '#1d4ed8', '#0d9488', '#c026d3', '#4d7c0f', '#b91c1c', '#0369a1'];

/** A colour no earlier variant has: the next of MORE, then hues spread by the golden angle. */
function nextFree(used: Set<string>): string {
  for (const c of MORE) if (!used.has(c)) return c;
  for (let i = 0; ; i++) {
    const c = `hsl(${Math.round((i * 137.508) % 360)}, 70%, 45%)`;
    if (!used.has(c)) return c;
  }
}

/**
 * One colour per variant, in display order: the first variant of a bit width gets that width's colour (the same as
 * its bit-width chip), later ones with the same width a colour of their own. Earlier variants keep theirs when
 * more are added, so a colour means the same variant in every plot, legend and table.
 */
export function assignVariantColors(variants: readonly { id: string; bits: Bits }[]): Record<string, string> {
  const out: Record<string, string> = {};
  const used = new Set<string>();
  for (const v of variants) {
    const own = bitsColor(v.bits);
    const c = used.has(own) ? nextFree(used) : own;
    used.add(c);
    out[v.id] = c;
  }
  return out;
}

export const selectVariantColors = (s: Pick<AppState, 'variantOrder' | 'variants'>): Record<string, string> =>
  assignVariantColors(s.variantOrder.flatMap((id) => (s.variants[id] ? [s.variants[id]] : [])));

/** Colour of every variant by id. */
export const useVariantColors = (): Record<string, string> => useAppStore(useShallow(selectVariantColors));

/** Colour of one variant (a neutral grey for an id that is gone). */
export const useVariantColor = (id: string | null | undefined): string =>
  useAppStore((s) => (id ? selectVariantColors(s)[id] : undefined) ?? 'var(--muted)');
