import { bitsLabel, resultOf, useAppStore } from '../../../state';
import { downloadVariant } from '../../../state/actions/download';
import { DownloadIcon } from '../../components/icons';
import { errorText } from '../../error-text';
import { formatExactBytes } from '../../format';

/** Export a variant's model and save it as `<model>_w<bits>_<granularity>.onnx`. */
export function DownloadButton({ variantId }: { variantId: string }) {
  const v = useAppStore((s) => s.variants[variantId]);
  const d = useAppStore((s) => s.downloads[variantId]);
  const result = resultOf(v);
  if (!v) return null;
  const status = d?.status ?? 'idle';
  const err = d?.status === 'error' ? errorText(d.error) : null;
  return (
    <span className="download" data-testid={`download-${variantId}`} data-status={status}>
      <button
        type="button"
        className="btn btn-small"
        disabled={!result || status === 'preparing'}
        aria-label={`Download ${bitsLabel(v.bits)} model (${variantId})`}
        title={
          d?.status === 'ready'
            ? `${d.fileName} · ${formatExactBytes(d.bytes)}`
            : 'Export and download this variant'
        }
        onClick={() => void downloadVariant(variantId)}
      >
        <DownloadIcon />
        {status === 'preparing' ? 'Exporting…' : 'Download'}
      </button>
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
