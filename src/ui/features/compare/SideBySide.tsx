import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import {
  resultOf,
  selectModelId,
  selectResultVariants,
  selectWeight,
  useAppStore,
  type Variant,
  variantLabel,
} from '../../../state';
import { setCompare } from '../../../state/actions/ui';
import { Panel } from '../../components/Panel';
import { histogramKey } from '../../../state/actions/views';
import { HistogramPlot } from '../histograms/HistogramPlot';
import { maxQuantizedCount } from '../histograms/histogram-traces';
import { LayerErrorPlot } from '../layer-error/LayerErrorPlot';
import { LayerDeltaTable } from './LayerDeltaTable';
import { sharedErrorRange } from '../layer-error/shared-range';

function Side({
  side,
  variant,
  variants,
  yRange,
  counts,
}: {
  side: 'a' | 'b';
  variant: Variant | null;
  variants: Variant[];
  yRange: [number, number] | null;
  counts: { floatMax: number; quantizedMax: number } | null;
}) {
  const weight = useAppStore(selectWeight);
  return (
    <div className="side" data-testid={`compare-${side}`}>
      <label className="stack">
        <span className="field-label">Variant {side.toUpperCase()}</span>
        <select value={variant?.id ?? ''} onChange={(e) => setCompare(side, e.currentTarget.value || null)}>
          {variants.map((v) => (
            <option key={v.id} value={v.id}>
              {variantLabel(v)}
            </option>
          ))}
        </select>
      </label>
      {variant && weight && (
        <HistogramPlot
          weight={weight.name}
          variants={[variant]}
          testId={`plot-compare-histogram-${side}`}
          height={240}
          sharedCounts={counts}
        />
      )}
      {variant && (
        <LayerErrorPlot
          variants={[variant]}
          testId={`plot-compare-layer-error-${side}`}
          height={240}
          yRange={yRange}
          compact
        />
      )}
    </div>
  );
}

/**
 * The count ranges both histograms use: the float counts (one histogram, the same on both sides) and the larger
 * of the two variants' quantized counts. null until all three are computed.
 */
function useSharedCounts(a: Variant | undefined, b: Variant | undefined) {
  const modelId = useAppStore(selectModelId);
  const weight = useAppStore((s) => s.selectedWeight);
  const entries = useAppStore(
    useShallow((s) =>
      modelId && weight
        ? [null, resultOf(a)?.runId, resultOf(b)?.runId].map((run) =>
            run === undefined ? undefined : s.histograms[histogramKey(modelId, weight, run)],
          )
        : [],
    ),
  );
  const ready = entries.length === 3 && entries.every((e) => e?.status === 'ready');
  return useMemo(() => {
    if (!ready) return null;
    const [f, ...q] = entries.map((e) => (e?.status === 'ready' ? e.data : null));
    return { floatMax: f ? Math.max(0, ...f.float) : 0, quantizedMax: maxQuantizedCount(q) };
  }, [ready, entries]);
}

/** Two variants next to each other: the selected weight's histogram, the per-layer error, and B − A per layer. */
export function SideBySide() {
  const variants = useAppStore(useShallow(selectResultVariants));
  const compare = useAppStore(useShallow((s) => s.compare));
  const metric = useAppStore((s) => s.errorMetric);
  const pick = (id: string | null, fallback: number): Variant | undefined =>
    variants.find((v) => v.id === id) ?? variants[Math.min(fallback, variants.length - 1)];
  const a = pick(compare.a, 0);
  const b = pick(compare.b, 1);
  const counts = useSharedCounts(a, b);
  if (!a || !b || variants.length < 2) return null;
  const yRange = sharedErrorRange(
    [a, b].flatMap((v) => resultOf(v)?.layers ?? []),
    metric,
  );
  return (
    <Panel title="Side by side" subtitle="Pick two variants." id="compare" testId="side-by-side">
      <div className="grid-2">
        <Side side="a" variant={a} variants={variants} yRange={yRange} counts={counts} />
        <Side side="b" variant={b} variants={variants} yRange={yRange} counts={counts} />
      </div>
      <LayerDeltaTable a={a} b={b} />
    </Panel>
  );
}
