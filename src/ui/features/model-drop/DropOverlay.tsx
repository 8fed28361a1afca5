import { selectLoaded, useAppStore } from '../../../state';
import { UploadIcon } from '../../components/icons';

/** Shown over the whole page while files are dragged over it. */
export function DropOverlay() {
  const hasModel = useAppStore((s) => selectLoaded(s) !== null);
  return (
    <div className="drop-overlay" aria-hidden="true">
      <div className="drop-overlay-card">
        <UploadIcon size={40} />
        <p>{hasModel ? 'Drop a model to open it, or a sample set to evaluate' : 'Drop to open the model'}</p>
        <p className="muted">Include a model’s external-data file(s) in the same drop.</p>
      </div>
    </div>
  );
}
