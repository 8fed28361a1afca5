import { useAppStore } from '../../../state';
import { openDemo } from '../../../state/actions/open-model';
import { UploadIcon } from '../../components/icons';
import { openFileDialog } from './FileInput';
import { LoadStatus } from './LoadStatus';

/** The landing view: drop a model, pick one, or try the demo. */
export function DropZone() {
  const status = useAppStore((s) => s.model.status);
  const busy = status === 'loading';
  return (
    <section className="hero" aria-labelledby="hero-title">
      <div className="drop-zone" data-testid="drop-zone" data-status={status}>
        <div className="drop-zone-icon">
          <UploadIcon size={34} />
        </div>
        <h1 id="hero-title">Drop an ONNX model anywhere on this page</h1>
        <p className="muted">
          Quantize its weights to 2–8 bits or fp16, see what each bit width costs layer by layer, and download
          the result. Everything runs in this tab; no file leaves your computer.
        </p>
        <div className="hero-actions">
          <button type="button" className="btn btn-primary" onClick={openFileDialog} disabled={busy}>
            Open model…
          </button>
          <button type="button" className="btn" onClick={() => void openDemo()} disabled={busy}>
            Demo model
          </button>
        </div>
        <p className="hint">
          Model with external data? Select or drop the <code>.onnx</code> file together with its data file(s).
        </p>
        <LoadStatus />
      </div>
      <ol className="hero-steps" aria-label="How it works">
        <li>
          <strong>Load</strong> a model: see its inputs, ops and every weight.
        </li>
        <li>
          <strong>Configure</strong> bit widths, scheme and granularity, per model or per layer.
        </li>
        <li>
          <strong>Compare</strong> histograms, per-layer error and size against quality.
        </li>
        <li>
          <strong>Evaluate</strong> float and every variant on your own samples (or the demo digits).
        </li>
        <li>
          <strong>Download</strong> a quantized model that onnxruntime loads.
        </li>
      </ol>
    </section>
  );
}
