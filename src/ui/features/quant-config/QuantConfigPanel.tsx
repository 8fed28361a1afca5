import { useShallow } from 'zustand/react/shallow';
import {
  BLOCK_SIZES,
  ALL_BITS,
  type BlockSize,
  type ClipMethod,
  type ExportFormat,
  type Granularity,
  type Scheme,
} from '../../../core/quant/config';
import { bitsLabel, useAppStore, type AppState } from '../../../state';
import { setConfig, toggleBits } from '../../../state/actions/config';
import { Panel } from '../../components/Panel';
import { Segmented } from '../../components/Segmented';
import { bitsColor } from '../../components/plot-theme';
import { BudgetSection } from './BudgetField';
import { MethodField } from './MethodField';

const selectConfig = (s: AppState) => ({
  config: s.config,
  chosenBits: s.chosenBits,
  busy: s.batch.status !== 'idle',
});

const SCHEMES: { value: Scheme; label: string }[] = [
  { value: 'symmetric', label: 'Symmetric' },
  { value: 'asymmetric', label: 'Asymmetric' },
];
const GRANULARITIES: { value: Granularity; label: string }[] = [
  { value: 'tensor', label: 'Tensor' },
  { value: 'channel', label: 'Channel' },
  { value: 'block', label: 'Block' },
];
const CLIPS: { value: ClipMethod; label: string }[] = [
  { value: 'minmax', label: 'Min/max' },
  { value: 'mse', label: 'MSE' },
  { value: 'percentile', label: 'Percentile' },
];
const FORMATS: { value: ExportFormat; label: string }[] = [
  { value: 'auto', label: 'Auto (DequantizeLinear, MatMulNBits where it fits)' },
  { value: 'qdq', label: 'DequantizeLinear only' },
  { value: 'matmulnbits', label: 'MatMulNBits for MatMul weights' },
];

/** Global settings and the bit widths to compare; each chosen bit width becomes a variant. */
export function QuantConfigPanel() {
  const { config, chosenBits, busy } = useAppStore(useShallow(selectConfig));
  return (
    <Panel title="Quantize" subtitle="Each checked bit width becomes a variant to compare." id="configure">
      <fieldset className="field" disabled={busy}>
        <legend>Bit widths</legend>
        <div className="bit-grid" data-testid="bit-widths">
          {ALL_BITS.map((p) => {
            const on = chosenBits.includes(p);
            return (
              <label
                key={p}
                className={`bit-chip ${on ? 'is-on' : ''}`}
                style={{ ['--chip' as string]: bitsColor(p) }}
              >
                <input
                  type="checkbox"
                  checked={on}
                  onChange={(e) => toggleBits(p, e.currentTarget.checked)}
                />
                <span>{bitsLabel(p)}</span>
              </label>
            );
          })}
        </div>
      </fieldset>
      <div className="field">
        <span className="field-label">Scheme</span>
        <Segmented
          label="Scheme"
          value={config.scheme}
          options={SCHEMES}
          onChange={(scheme) => setConfig({ scheme })}
        />
      </div>
      <div className="field">
        <span className="field-label">Granularity</span>
        <div className="row">
          <Segmented
            label="Granularity"
            value={config.granularity}
            options={GRANULARITIES}
            onChange={(granularity) => setConfig({ granularity })}
          />
          <label className="inline-select" title="Weights per block">
            <span className="muted small">size</span>
            <select
              aria-label="Block size"
              value={config.blockSize}
              disabled={config.granularity !== 'block'}
              onChange={(e) => setConfig({ blockSize: Number(e.currentTarget.value) as BlockSize })}
            >
              {BLOCK_SIZES.map((b) => (
                <option key={b} value={b}>
                  {b}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>
      <div className="field">
        <span className="field-label">Range</span>
        <div className="row row-wrap">
          <Segmented
            label="Clip range"
            value={config.clip}
            options={CLIPS}
            onChange={(clip) => setConfig({ clip })}
          />
          <label className="inline-select" title="Clip at this percentile of |w|">
            <span className="muted small">pct</span>
            <input
              type="number"
              aria-label="Clip percentile"
              min={50.1}
              max={100}
              step={0.1}
              value={config.clipPercentile}
              disabled={config.clip !== 'percentile'}
              onChange={(e) => {
                const v = Number(e.currentTarget.value);
                if (v > 50 && v <= 100) setConfig({ clipPercentile: v });
              }}
            />
          </label>
        </div>
        <label className="check">
          <input
            type="checkbox"
            checked={config.equalize}
            onChange={(e) => setConfig({ equalize: e.currentTarget.checked })}
          />
          Cross-layer equalization (float model unchanged)
        </label>
      </div>
      <MethodField />
      <BudgetSection />
      <details className="field advanced">
        <summary>Advanced</summary>
        <label className="stack">
          <span className="field-label">Export format</span>
          <select
            value={config.format}
            onChange={(e) => setConfig({ format: e.currentTarget.value as ExportFormat })}
          >
            {FORMATS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={config.includeGather}
            onChange={(e) => setConfig({ includeGather: e.currentTarget.checked })}
          />
          Quantize Gather tables (embeddings)
        </label>
        <p className="muted small">fp16 ignores scheme and granularity: weights are cast to float16.</p>
      </details>
    </Panel>
  );
}
