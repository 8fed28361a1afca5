import { useShallow } from 'zustand/react/shallow';
import { selectResultVariants, selectWeight, useAppStore, type Variant, variantLabel } from '../../../state';
import { setCompare } from '../../../state/actions/ui';
import { Panel } from '../../components/Panel';
import { HistogramPlot } from '../histograms/HistogramPlot';
import { LayerErrorPlot } from '../layer-error/LayerErrorPlot';

function Side({
  side,
  variant,
  variants,
}: {
  side: 'a' | 'b';
  variant: Variant | null;
  variants: Variant[];
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
        />
      )}
      {variant && (
        <LayerErrorPlot variants={[variant]} testId={`plot-compare-layer-error-${side}`} height={240} />
      )}
    </div>
  );
}

/** Two variants next to each other: the selected weight's histogram and the per-layer error. */
export function SideBySide() {
  const variants = useAppStore(useShallow(selectResultVariants));
  const compare = useAppStore(useShallow((s) => s.compare));
  if (variants.length < 2) return null;
  const pick = (id: string | null, fallback: number) =>
    variants.find((v) => v.id === id) ?? variants[Math.min(fallback, variants.length - 1)];
  const a = pick(compare.a, 0);
  const b = pick(compare.b, 1);
  return (
    <Panel title="Side by side" subtitle="Pick two variants." id="compare" testId="side-by-side">
      <div className="grid-2">
        <Side side="a" variant={a} variants={variants} />
        <Side side="b" variant={b} variants={variants} />
      </div>
    </Panel>
  );
}
