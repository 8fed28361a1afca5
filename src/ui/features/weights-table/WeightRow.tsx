import { memo } from 'react';
import {
  ALL_BITS,
  CLIP_METHODS,
  type ClipMethod,
  type LayerOverride,
  type Bits,
} from '../../../core/quant/config';
import type { WeightInfo } from '../../../protocol/dto';
import { bitsLabel } from '../../../state';
import type { RoundingMethod } from '../../../core/gptq/result';
import { setLayerIncluded, setLayerBits, setLayerClip, setLayerMethod } from '../../../state/actions/config';
import { selectWeight } from '../../../state/actions/ui';
import { METHOD_LABELS } from '../../method-labels';
import { formatBytes, formatCount, formatPercent, formatShape } from '../../format';

interface WeightRowProps {
  weight: WeightInfo;
  override: LayerOverride | undefined;
  /** Whether a run quantizes it (Gather tables only when asked): the tick shows what the exported file holds. */
  included: boolean;
  selected: boolean;
  fileBytes: number;
}

const parseBits = (v: string): Bits | null => (v === '' ? null : v === 'fp16' ? 'fp16' : (Number(v) as Bits));

const CLIP_LABELS: Record<ClipMethod, string> = { minmax: 'min/max', mse: 'MSE', percentile: 'percentile' };

/** One per-layer setting: "variant" (no override: the variant's own) or one of `options` ([value, label]). */
function SettingCell(props: {
  label: string;
  title: string;
  value: string;
  disabled: boolean;
  options: [string, string][];
  onChange: (value: string) => void;
}) {
  return (
    <td className="cell-setting" onClick={(e) => e.stopPropagation()}>
      <select
        className="select-small"
        aria-label={props.label}
        title={props.title}
        value={props.value}
        disabled={props.disabled}
        onChange={(e) => props.onChange(e.currentTarget.value)}
      >
        <option value="">variant</option>
        {props.options.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
    </td>
  );
}

/** One weight: include checkbox, facts, per-layer settings. Clicking the row shows it in the plots. */
export const WeightRow = memo(function WeightRow({
  weight: w,
  override,
  included: wanted,
  selected,
  fileBytes,
}: WeightRowProps) {
  // A weight shared with readers that do not use it as this weight stays float whatever the tick says.
  const shared = w.consumers > w.uses.length;
  const included = wanted && !shared;
  // A disabled control says why (its own tooltip otherwise).
  const why = included
    ? undefined
    : shared
      ? 'Kept float: this weight is also read by other ops'
      : 'Not quantized: tick the box at the left of the row to include this layer';
  return (
    <tr
      data-testid="weight-row"
      data-weight={w.name}
      data-elements={w.elements}
      className={`${selected ? 'is-selected' : ''} ${included ? '' : 'is-excluded'}`}
      aria-selected={selected}
      onClick={() => selectWeight(w.name)}
    >
      <td className="cell-check" onClick={(e) => e.stopPropagation()}>
        <input
          type="checkbox"
          checked={included}
          disabled={shared}
          aria-label={`Quantize ${w.name}`}
          title={shared ? `kept float: read by ${w.consumers} ops, not all as this weight` : undefined}
          onChange={(e) => setLayerIncluded(w.name, e.currentTarget.checked, w.op === 'Gather')}
        />
      </td>
      <td className="cell-name">
        <button type="button" className="link" title={w.name} aria-pressed={selected}>
          {w.name}
        </button>
        {w.via.length > 0 && <span className="via">via {w.via.join(' → ')}</span>}
        {w.scope && <span className="via">in {w.scope}</span>}
        {w.uses.length > 1 && <span className="via">tied: {w.uses.length} ops share it</span>}
        {shared && <span className="via">kept float: also read by other ops</span>}
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
      {/* Layer settings: one cell each (columns Bits, Clip, Rounding) so a row stays one line tall. */}
      <SettingCell
        label={`Bit width for ${w.name}`}
        title={why ?? 'Bit width of this layer (variant: each variant’s own)'}
        value={override?.bits === undefined ? '' : String(override.bits)}
        disabled={!included}
        options={ALL_BITS.map((p) => [String(p), bitsLabel(p)])}
        onChange={(v) => setLayerBits(w.name, parseBits(v))}
      />
      <SettingCell
        label={`Clip range for ${w.name}`}
        title={why ?? 'Clip range of this layer (variant: the global setting)'}
        value={override?.clip ?? ''}
        disabled={!included}
        options={CLIP_METHODS.map((c) => [c, CLIP_LABELS[c]])}
        onChange={(v) => setLayerClip(w.name, (v || null) as ClipMethod | null)}
      />
      <SettingCell
        label={`Rounding for ${w.name}`}
        title={
          why ??
          'Rounding method of this layer (variant: the global setting); GPTQ and AdaRound need a sample set'
        }
        value={override?.method ?? ''}
        disabled={!included}
        options={(Object.keys(METHOD_LABELS) as RoundingMethod[]).map((m) => [m, METHOD_LABELS[m]])}
        onChange={(v) => setLayerMethod(w.name, (v || null) as RoundingMethod | null)}
      />
    </tr>
  );
});
