import { useEffect, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { resultOf, selectModelId, useAppStore, type Variant, variantShortLabel } from '../../../state';
import { clipViewKey, ensureClipView } from '../../../state/actions/views';
import { useVariantColors } from '../../components/variant-colors';
import type { VariantClip } from './clip-traces';

/** The clip choice of each variant that clips `weight` (MSE or percentile), fetched from the quantize worker. */
export function useClipViews(weight: string | null, variants: readonly Variant[]): VariantClip[] {
  const modelId = useAppStore(selectModelId);
  const colors = useVariantColors();
  const runs = variants.flatMap((v) => {
    const r = resultOf(v);
    // Only variants whose config clips somewhere ask the worker (it answers null for weights it does not clip).
    const clips =
      v.config.clip !== 'minmax' || Object.values(v.config.layers).some((l) => l.clip && l.clip !== 'minmax');
    return r && clips ? [{ variant: v, runId: r.runId }] : [];
  });
  const keys = modelId && weight ? runs.map((r) => clipViewKey(modelId, weight, r.runId)) : [];
  const entries = useAppStore(useShallow((s) => keys.map((k) => s.clipViews[k])));
  const runKey = runs.map((r) => r.runId).join(',');
  useEffect(() => {
    if (!weight) return;
    for (const r of runs) void ensureClipView(weight, { runId: r.runId, config: r.variant.config });
    // runs is derived from runKey
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [weight, runKey, modelId]);
  return useMemo(
    () =>
      runs.flatMap((r, i) => {
        const e = entries[i];
        return e?.status === 'ready' && e.data
          ? [
              {
                label: variantShortLabel(r.variant),
                color: colors[r.variant.id],
                runId: r.runId,
                view: e.data,
              },
            ]
          : [];
      }),
    // useShallow keeps `entries` stable until one changes; runs follow runKey.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [entries, runKey, colors],
  );
}
