import { useShallow } from 'zustand/react/shallow';
import { useAppStore } from '../../../state';
import { VariantRow } from './VariantRow';

/** The variants of the loaded model and their job status. */
export function VariantList() {
  const ids = useAppStore(useShallow((s) => s.variantOrder));
  if (ids.length === 0)
    return (
      <p className="muted small empty-variants">No variants yet: choose bit widths and press Quantize.</p>
    );
  return (
    <ul className="variant-list" aria-label="Variants" data-testid="variant-list">
      {ids.map((id) => (
        <VariantRow key={id} id={id} />
      ))}
    </ul>
  );
}
