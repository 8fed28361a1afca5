import { useAppStore } from '../../../state';
import { cancelOpen, dismissLoadError } from '../../../state/actions/open-model';
import { ErrorNotice } from '../../components/ErrorNotice';
import { ProgressBar } from '../../components/ProgressBar';

/** The state of the latest open: a bar while it runs, the error in place when it failed. */
export function LoadStatus({ dismissible = false }: { dismissible?: boolean }) {
  const model = useAppStore((s) => s.model);
  if (model.status === 'loading') {
    return (
      <div className="load-status" data-testid="load-status" data-status="loading" aria-live="polite">
        <p>
          Opening <strong>{model.fileName}</strong>…
        </p>
        <ProgressBar value={null} label={`Opening ${model.fileName}`} />
        <button type="button" className="btn btn-small btn-ghost" onClick={cancelOpen}>
          Cancel
        </button>
      </div>
    );
  }
  if (model.status === 'error') {
    return (
      <div className="load-status" data-testid="load-status" data-status="error">
        <ErrorNotice error={model.error} context={`Couldn’t open “${model.fileName}”`} testId="load-error">
          {dismissible && model.previous && (
            <button type="button" className="btn btn-small btn-ghost" onClick={dismissLoadError}>
              Keep working on {model.previous.fileName}
            </button>
          )}
        </ErrorNotice>
      </div>
    );
  }
  return null;
}
