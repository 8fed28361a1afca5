import { useState } from 'react';
import { bitsLabel, resultOf, useAppStore } from '../../../state';
import { downloadVariant } from '../../../state/actions/download';
import { DownloadIcon } from '../../components/icons';
import { errorText } from '../../error-text';
import { formatExactBytes } from '../../format';

/** Export a variant's model and save it as `<model>_w<bits>_<granularity>.onnx`. */
export function DownloadButton({ variantId }: { variantId: string }) {
  const v = useAppStore((s) => s.variants[variantId]);
  const d = useAppStore((s) => s.downloads[variantId]);
  const storedCheck = useAppStore((s) => s.checks[variantId]);
  const [externalData, setExternalData] = useState(false);
  const result = resultOf(v);
  if (!v) return null;
  const check = storedCheck?.runId === result?.runId ? storedCheck : undefined;
  if (check?.status === 'failed') {
    // A file that failed its check is never offered: the reason takes the button's place.
    const text = errorText(check.error);
    return (
      <span className="download" data-testid={`download-${variantId}`} data-status="refused">
        <span
          className="error-inline small"
          role="alert"
          data-testid={`check-error-${variantId}`}
          data-error-name={check.error.name}
          title={text?.detail}
        >
          {text?.title} {text?.detail}
        </span>
      </span>
    );
  }
  const checking = check?.status === 'checking';
  const status = d?.status ?? (checking ? 'checking' : 'idle');
  const err = d?.status === 'error' ? errorText(d.error) : null;
  const checked =
    check?.status === 'ok'
      ? check.loaded
        ? 'checked: read back and loaded by onnxruntime-web'
        : (check.note ?? '')
      : '';
  return (
    <span
      className="download"
      data-testid={`download-${variantId}`}
      data-status={status}
      data-check={check?.status ?? 'none'}
    >
      <button
        type="button"
        className="btn btn-small"
        disabled={!result || status === 'preparing' || checking}
        aria-label={`Download ${bitsLabel(v.bits)} model (${variantId})`}
        title={[
          d?.status === 'ready'
            ? `${d.fileName} · ${formatExactBytes(d.bytes)}`
            : 'Export and download this variant',
          checked,
        ]
          .filter(Boolean)
          .join(' — ')}
        onClick={() => void downloadVariant(variantId, { externalData })}
      >
        <DownloadIcon />
        {status === 'preparing' ? 'Exporting…' : checking ? 'Checking…' : 'Download'}
      </button>
      <label
        className="small"
        title="Save model.onnx + model.onnx_data (keep both in one folder): what onnxruntime loads for models past protobuf's 2 GiB, and automatic there"
      >
        <input
          type="checkbox"
          data-testid={`external-data-${variantId}`}
          checked={externalData}
          onChange={(e) => setExternalData(e.target.checked)}
        />{' '}
        external data
      </label>
      {d?.status === 'ready' && d.data && (
        <span className="small" role="status">
          2 files: {d.fileName} + {d.data.fileName} (keep them in one folder)
        </span>
      )}
      {d?.status === 'ready' && result && d.bytes !== result.fileBytesAfter && (
        <span className="warn small" role="status">
          file is {formatExactBytes(d.bytes)}
        </span>
      )}
      {err && (
        <span
          className="error-inline small"
          role="alert"
          data-error-name={d?.status === 'error' ? d.error.name : ''}
        >
          {err.title}
        </span>
      )}
    </span>
  );
}
