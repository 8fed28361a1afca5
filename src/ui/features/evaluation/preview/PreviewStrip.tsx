import type { SamplePreview } from '../../../../protocol/eval-dto';
import { selectSamples, useAppStore } from '../../../../state';
import { refreshPreview } from '../../../../state/actions/evaluate-samples';
import { ErrorNotice } from '../../../components/ErrorNotice';
import { formatSci } from '../../../format';
import { Thumbnail } from '../Thumbnail';

const PREVIEW_BOX = 56;

const labelText = (p: SamplePreview) => p.labelName ?? (p.label !== null ? `class ${p.label}` : 'no label');

/** Image-like samples: thumbnails of what the model gets, with the value range under each. */
function Tiles({ samples }: { samples: SamplePreview[] }) {
  return (
    <ul className="preview-list" aria-label="Preprocessed samples">
      {samples.map((p) => (
        <li
          key={p.index}
          className="preview-item"
          data-testid="preview-sample"
          data-min={p.min}
          data-max={p.max}
        >
          <div className="thumb-box" style={{ width: PREVIEW_BOX, height: PREVIEW_BOX }}>
            {p.thumbnail && <Thumbnail image={p.thumbnail} box={PREVIEW_BOX} label={`Sample ${p.name}`} />}
          </div>
          <span className="preview-label" title={p.name}>
            {labelText(p)}
          </span>
          <span className="preview-range muted" title={`mean ${formatSci(p.mean)}`}>
            {formatSci(p.min)}…{formatSci(p.max)}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** Other samples (table rows, feature vectors): one line each with the label and the value range. */
function Rows({ samples }: { samples: SamplePreview[] }) {
  return (
    <table className="mapping-table preview-rows" aria-label="First samples">
      <thead>
        <tr>
          <th scope="col">Sample</th>
          <th scope="col">Label</th>
          <th scope="col" className="num">
            min
          </th>
          <th scope="col" className="num">
            max
          </th>
          <th scope="col" className="num">
            mean
          </th>
        </tr>
      </thead>
      <tbody>
        {samples.map((p) => (
          <tr key={p.index} data-testid="preview-sample" data-min={p.min} data-max={p.max}>
            <td className="muted">{p.name}</td>
            <td>{labelText(p)}</td>
            <td className="num">{formatSci(p.min)}</td>
            <td className="num">{formatSci(p.max)}</td>
            <td className="num">{formatSci(p.mean)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The first samples as the model will see them (after preprocessing), with value ranges and the fit check. */
export function PreviewStrip() {
  const preview = useAppStore((s) => s.preview);
  const hasSet = useAppStore((s) => selectSamples(s) !== null);
  if (!hasSet || preview.status === 'idle') return null;
  const result =
    preview.status === 'ready' ? preview.result : preview.status === 'loading' ? preview.last : null;
  const fit = result?.fit;
  const images = result?.samples.some((p) => p.thumbnail) ?? false;
  return (
    <div
      className="preview"
      data-testid="preview"
      data-status={preview.status}
      data-fit={fit ? String(fit.ok) : ''}
      data-pending={preview.status === 'loading' || undefined}
    >
      <div className="preview-head">
        <span className="field-label">As the model sees them</span>
        {result && <span className="muted small">each sample [{result.sampleDims.join(' × ')}]</span>}
      </div>
      {preview.status === 'error' && (
        <ErrorNotice error={preview.error} context="Preview failed" testId="preview-error">
          <button type="button" className="btn btn-small" onClick={() => void refreshPreview()}>
            Try again
          </button>
        </ErrorNotice>
      )}
      {fit && !fit.ok && (
        <ErrorNotice error={fit.error} testId="fit-error">
          <p className="small">Change the preprocessing, or drop a set that matches the model input.</p>
        </ErrorNotice>
      )}
      {fit?.ok && (
        <p className="fit-ok small" data-testid="fit-ok">
          Fits the model input: {fit.description}.
        </p>
      )}
      {result && (images ? <Tiles samples={result.samples} /> : <Rows samples={result.samples} />)}
    </div>
  );
}
