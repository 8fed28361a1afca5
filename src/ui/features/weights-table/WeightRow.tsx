import { memo } from 'react';
import { PRECISIONS, type LayerOverride, type Precision } from '../../../core/quant/config';
import type { WeightInfo } from '../../../protocol/dto';
import { precisionLabel } from '../../../state';
import { setLayerIncluded, setLayerPrecision } from '../../../state/actions/config';
import { selectWeight } from '../../../state/actions/ui';
import { formatBytes, formatCount, formatPercent, formatShape } from '../../format';

interface WeightRowProps {
  weight: WeightInfo;
  override: LayerOverride | undefined;
  selected: boolean;
  fileBytes: number;
}

const parsePrecision = (v: string): Precision | null =>
  v === '' ? null : v === 'fp16' ? 'fp16' : (Number(v) as Precision);

/** One weight: include checkbox, facts, per-layer bit override. Clicking the row shows it in the plots. */
export const WeightRow = memo(function WeightRow({
  weight: w,
  override,
  selected,
  fileBytes,
}: WeightRowProps) {
  const included = !override?.skip;
  return (
    <tr
      data-testid="weight-row"
      data-weight={w.name}
      className={`${selected ? 'is-selected' : ''} ${included ? '' : 'is-excluded'}`}
      aria-selected={selected}
      onClick={() => selectWeight(w.name)}
    >
      <td className="cell-check" onClick={(e) => e.stopPropagation()}>
        <input
          type="checkbox"
          checked={included}
          aria-label={`Quantize ${w.name}`}
          onChange={(e) => setLayerIncluded(w.name, e.currentTarget.checked)}
        />
      </td>
      <td className="cell-name">
        <button type="button" className="link" title={w.name} aria-pressed={selected}>
          {w.name}
        </button>
        {w.via.length > 0 && <span className="via">via {w.via.join(' → ')}</span>}
      </td>
      <td>
        <span className={`op op-${w.op.toLowerCase()}`}>{w.op}</span>
      </td>
      <td className="mono">{formatShape(w.shape)}</td>
      <td className="num">{formatCount(w.elements)}</td>
      <td className="num">{formatBytes(w.bytes)}</td>
      <td className="num">
        <span className="share">
          <span className="share-bar" style={{ width: `${Math.min(100, (w.bytes / fileBytes) * 100)}%` }} />
          {formatPercent(w.bytes / fileBytes)}
        </span>
      </td>
      <td onClick={(e) => e.stopPropagation()}>
        <select
          className="select-small"
          aria-label={`Bit width for ${w.name}`}
          value={override?.precision === undefined ? '' : String(override.precision)}
          disabled={!included}
          onChange={(e) => setLayerPrecision(w.name, parsePrecision(e.currentTarget.value))}
        >
          <option value="">variant</option>
          {PRECISIONS.map((p) => (
            <option key={p} value={String(p)}>
              {precisionLabel(p)}
            </option>
          ))}
        </select>
      </td>
    </tr>
  );
});
