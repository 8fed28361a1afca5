import { selectSamples, useAppStore } from '../../../../state';
import { refreshPreview } from '../../../../state/actions/evaluate-samples';
import { ErrorNotice } from '../../../components/ErrorNotice';
import { formatSci } from '../../../format';
import { Thumbnail } from '../Thumbnail';

const PREVIEW_BOX = 56;

/** The first samples as the model will see them (after preprocessing), with value ranges and the fit check. */
export function PreviewStrip() {
  const preview = useAppStore((s) => s.preview);
  const hasSet = useAppStore((s) => selectSamples(s) !== null);
  if (!hasSet || preview.status === 'idle') return null;
  const result =
    preview.status === 'ready' ? preview.result : preview.status === 'loading' ? preview.last : null;
  const fit = result?.fit;
  return (
    <div
      className="preview"
      data-testid="preview"
      data-status={preview.status}
      data-fit={fit ? String(fit.ok) : ''}
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
        <ErrorNotice error={fit.error} context="The samples don’t fit the model" testId="fit-error" />
      )}
      {fit?.ok && (
        <p className="fit-ok small" data-testid="fit-ok">
          Fits the model input: {fit.description}.
        </p>
      )}
      {result && (
        <ul
          className="preview-list"
          aria-label="Preprocessed samples"
          data-pending={preview.status === 'loading' || undefined}
        >
          {result.samples.map((p) => (
            <li
              key={p.index}
              className="preview-item"
              data-testid="preview-sample"
              data-min={p.min}
              data-max={p.max}
            >
              <div className="thumb-box" style={{ width: PREVIEW_BOX, height: PREVIEW_BOX }}>
                {p.thumbnail ? (
                  <Thumbnail image={p.thumbnail} box={PREVIEW_BOX} label={`Sample ${p.name}`} />
                ) : (
                  <span className="muted small">[{p.dims.join('×')}]</span>
                )}
              </div>
              <span className="preview-label" title={p.name}>
                {p.labelName ?? (p.label !== null ? `class ${p.label}` : 'no label')}
              </span>
              <span className="preview-range muted" title={`mean ${formatSci(p.mean)}`}>
                {formatSci(p.min)}…{formatSci(p.max)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
