import { openFiles } from '../../../state/actions/open-model';

export const FILE_INPUT_ID = 'model-file-input';

/** Opens the system file dialog of the one (hidden) model file input. */
export const openFileDialog = () => document.getElementById(FILE_INPUT_ID)?.click();

/**
 * The page's only file input: several files at once, so a model can come with its external-data file(s).
 * Visually hidden; the "Open model…" buttons (landing page and header) open it.
 */
export function FileInput() {
  return (
    <input
      id={FILE_INPUT_ID}
      data-testid="model-file-input"
      className="visually-hidden"
      type="file"
      multiple
      tabIndex={-1}
      aria-label="Choose an ONNX model and its external-data files"
      onChange={(e) => {
        const files = Array.from(e.currentTarget.files ?? []);
        e.currentTarget.value = ''; // picking the same file again still fires change
        if (files.length > 0) void openFiles(files);
      }}
    />
  );
}
