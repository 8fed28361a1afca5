import type { ChannelOrder, PixelLayout, PixelRange } from '../../../../core/samples';
import { selectEvalBusy, selectSummary, useAppStore } from '../../../../state';
import { resetPreprocess, setPreprocess } from '../../../../state/actions/evaluate-samples';
import { Segmented } from '../../../components/Segmented';
import { formatShape } from '../../../format';

const CHANNELS = [
  { value: 'gray', label: 'Gray' },
  { value: 'rgb', label: 'RGB' },
  { value: 'bgr', label: 'BGR' },
] as const satisfies readonly { value: ChannelOrder; label: string }[];
const LAYOUTS = [
  { value: 'NCHW', label: 'NCHW' },
  { value: 'NHWC', label: 'NHWC' },
] as const satisfies readonly { value: PixelLayout; label: string }[];
const RANGES = [
  { value: '0..1', label: '0..1' },
  { value: '0..255', label: '0..255' },
] as const satisfies readonly { value: PixelRange; label: string }[];

const parseList = (text: string): number[] | null => {
  const parts = text
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map(Number);
  return parts.length > 0 && parts.every(Number.isFinite) ? parts : null;
};

/** A text or number field that commits on blur or Enter (each commit re-runs the preview). */
function CommitInput({
  label,
  value,
  onCommit,
  type = 'text',
  testId,
}: {
  label: string;
  value: string;
  onCommit: (text: string) => void;
  type?: 'text' | 'number';
  testId?: string;
}) {
  return (
    <input
      key={value}
      type={type}
      min={type === 'number' ? 1 : undefined}
      className={type === 'number' ? 'input-num' : 'input-list'}
      aria-label={label}
      data-testid={testId}
      defaultValue={value}
      onBlur={(e) => {
        if (e.currentTarget.value !== value) onCommit(e.currentTarget.value);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter') e.currentTarget.blur();
      }}
    />
  );
}

const SOURCE_TEXT = {
  inferred: 'Inferred from the input shape: check the pixel scale, the shape cannot tell it.',
  preset: 'Saved for this model.',
  edited: 'Edited; saved for this model.',
};

/** Image preprocessing: size, channels, layout, scale, mean/std, flatten. Defaults come from the input shape. */
export function PreprocessForm() {
  const pre = useAppStore((s) => s.preprocess);
  const input = useAppStore((s) => selectSummary(s)?.inputs[0] ?? null);
  const busy = useAppStore(selectEvalBusy);
  if (!pre) return null;
  const o = pre.options;
  const size = (which: 'width' | 'height') => (t: string) => {
    const n = Number(t);
    if (Number.isInteger(n) && n > 0) setPreprocess({ [which]: n });
  };
  return (
    <fieldset className="preprocess" data-testid="preprocess" data-source={pre.source} disabled={busy}>
      <legend className="field-label">Preprocessing</legend>
      <p className={`small ${pre.source === 'inferred' ? 'warn' : 'muted'}`} data-testid="preprocess-source">
        {SOURCE_TEXT[pre.source]}
        {input && <> Model input {formatShape(input.shape)}.</>}
      </p>
      <div className="pre-grid">
        <span className="pre-label">Size</span>
        <span className="row">
          <CommitInput
            label="Width"
            type="number"
            value={String(o.width)}
            onCommit={size('width')}
            testId="pre-width"
          />
          <span className="muted">×</span>
          <CommitInput
            label="Height"
            type="number"
            value={String(o.height)}
            onCommit={size('height')}
            testId="pre-height"
          />
        </span>
        <span className="pre-label">Channels</span>
        <Segmented
          label="Channels"
          value={o.channels}
          options={CHANNELS}
          onChange={(channels) => setPreprocess({ channels })}
          testId="pre-channels"
        />
        <span className="pre-label">Layout</span>
        <Segmented
          label="Layout"
          value={o.layout}
          options={LAYOUTS}
          onChange={(layout) => setPreprocess({ layout })}
          testId="pre-layout"
        />
        <span className="pre-label">Pixel scale</span>
        <Segmented
          label="Pixel scale"
          value={o.range}
          options={RANGES}
          onChange={(range) => setPreprocess({ range })}
          testId="pre-range"
        />
        <span className="pre-label">Mean</span>
        <CommitInput
          label="Mean per channel"
          value={o.mean.join(', ')}
          onCommit={(t) => {
            const mean = parseList(t);
            if (mean) setPreprocess({ mean });
          }}
          testId="pre-mean"
        />
        <span className="pre-label">Std</span>
        <CommitInput
          label="Std per channel"
          value={o.std.join(', ')}
          onCommit={(t) => {
            const std = parseList(t);
            if (std) setPreprocess({ std });
          }}
          testId="pre-std"
        />
        <span className="pre-label">Flatten</span>
        <label className="row small">
          <input
            type="checkbox"
            checked={o.flatten}
            onChange={(e) => setPreprocess({ flatten: e.currentTarget.checked })}
          />
          one vector of C·H·W values
        </label>
      </div>
      <p className="muted small pre-formula">
        x = ({o.range === '0..1' ? 'pixel / 255' : 'pixel'} − mean) / std, {o.layout}
        {o.flatten ? ', flattened' : ''}
      </p>
      {pre.source !== 'inferred' && (
        <button type="button" className="btn btn-small btn-ghost" onClick={resetPreprocess}>
          Reset to the inferred settings
        </button>
      )}
    </fieldset>
  );
}
