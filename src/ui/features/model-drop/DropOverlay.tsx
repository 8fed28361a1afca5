import { UploadIcon } from '../../components/icons';

/** Shown over the whole page while files are dragged over it. */
export function DropOverlay() {
  return (
    <div className="drop-overlay" aria-hidden="true">
      <div className="drop-overlay-card">
        <UploadIcon size={40} />
        <p>Drop to open the model</p>
        <p className="muted">Include its external-data file(s) in the same drop.</p>
      </div>
    </div>
  );
}
