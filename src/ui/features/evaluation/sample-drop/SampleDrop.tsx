import { useRef, useState, type DragEvent, type RefObject } from 'react';
import { selectEvalBusy, selectSamples, useAppStore } from '../../../../state';
import {
  DEMO_SAMPLES_COUNT,
  loadDemoSamples,
  selectIsDemoModel,
} from '../../../../state/actions/demo-samples';
import { dismissSamplesError, loadSampleFiles } from '../../../../state/actions/evaluate-samples';
import { ErrorNotice } from '../../../components/ErrorNotice';
import { ProgressBar } from '../../../components/ProgressBar';
import { UploadIcon } from '../../../components/icons';
import { samplesFromDataTransfer, samplesFromInput, type DroppedSamples } from './drop-files';

const load = (d: DroppedSamples) => void loadSampleFiles(d.files, d.name);
const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');

/** The two hidden pickers: a folder (webkitdirectory) and files (zip, npy/npz, csv, pb, images). */
function Pickers({
  folderRef,
  filesRef,
}: {
  folderRef: RefObject<HTMLInputElement | null>;
  filesRef: RefObject<HTMLInputElement | null>;
}) {
  return (
    <>
      <input
        ref={folderRef}
        data-testid="samples-folder-input"
        className="visually-hidden"
        type="file"
        multiple
        tabIndex={-1}
        aria-label="Choose a sample folder"
        {...{ webkitdirectory: '' }}
        onChange={(e) => {
          const d = samplesFromInput(e.currentTarget.files, true);
          e.currentTarget.value = '';
          load(d);
        }}
      />
      <input
        ref={filesRef}
        data-testid="samples-file-input"
        className="visually-hidden"
        type="file"
        multiple
        tabIndex={-1}
        aria-label="Choose sample files"
        onChange={(e) => {
          const d = samplesFromInput(e.currentTarget.files, false);
          e.currentTarget.value = '';
          if (d.files.length > 0) load(d);
        }}
      />
    </>
  );
}

/** Where a sample set is dropped or picked; shows the read's progress and errors in place. */
export function SampleDrop() {
  const samples = useAppStore((s) => s.samples);
  const hasSet = useAppStore((s) => selectSamples(s) !== null);
  const busy = useAppStore(selectEvalBusy);
  const demo = useAppStore(selectIsDemoModel);
  const folderRef = useRef<HTMLInputElement>(null);
  const filesRef = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const disabled = busy || samples.status === 'loading';
  return (
    <div
      className={`sample-drop${over ? ' is-over' : ''}${hasSet ? ' is-compact' : ''}`}
      data-testid="sample-drop"
      data-status={samples.status}
      data-drop-scope="samples"
      onDragEnter={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        setOver(true);
      }}
      onDragOver={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        e.stopPropagation();
        e.dataTransfer.dropEffect = disabled ? 'none' : 'copy';
      }}
      onDragLeave={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        e.stopPropagation(); // not a model: keep the page-level drop from opening it
        setOver(false);
        if (disabled) return;
        void samplesFromDataTransfer(e.dataTransfer).then(load);
      }}
    >
      <Pickers folderRef={folderRef} filesRef={filesRef} />
      <div className="sample-drop-body">
        <span className="sample-drop-icon" aria-hidden="true">
          <UploadIcon size={22} />
        </span>
        <div className="sample-drop-text">
          <p className="sample-drop-title">{hasSet ? 'Drop another sample set' : 'Drop a sample set here'}</p>
          {!hasSet && (
            <p className="muted small">
              A folder of images in class folders (<code>cat/001.png</code>) or with a <code>labels.csv</code>
              , a <code>.zip</code> of those, <code>inputs.npy</code> + <code>labels.npy</code> or{' '}
              <code>labels.csv</code> (other names: you choose which array is which), <code>samples.npz</code>
              , <code>test_data_set_N/</code> or a <code>.csv</code> table. Without labels, only fidelity to
              the float model is measured.
            </p>
          )}
        </div>
        <div className="sample-drop-actions">
          {demo && (
            <button
              type="button"
              className="btn btn-small btn-primary"
              disabled={disabled}
              title="MNIST test digits with labels, shipped with the demo model (public/demo/ATTRIBUTION.md)"
              onClick={() => void loadDemoSamples()}
            >
              Use {DEMO_SAMPLES_COUNT} demo digits
            </button>
          )}
          <button
            type="button"
            className="btn btn-small"
            disabled={disabled}
            onClick={() => folderRef.current?.click()}
          >
            Choose folder…
          </button>
          <button
            type="button"
            className="btn btn-small"
            disabled={disabled}
            onClick={() => filesRef.current?.click()}
          >
            Choose files…
          </button>
        </div>
      </div>
      {samples.status === 'loading' && (
        <div className="sample-drop-status" aria-live="polite">
          <p className="small">
            Reading <strong>{samples.name}</strong>…
          </p>
          <ProgressBar value={null} label={`Reading ${samples.name}`} />
        </div>
      )}
      {samples.status === 'error' && (
        <ErrorNotice error={samples.error} context={`Couldn’t use “${samples.name}”`} testId="samples-error">
          <button type="button" className="btn btn-small btn-ghost" onClick={dismissSamplesError}>
            {samples.previous ? `Keep using ${samples.previous.name}` : 'Dismiss'}
          </button>
        </ErrorNotice>
      )}
      {busy && <p className="muted small">The sample set can be changed when the evaluation is done.</p>}
    </div>
  );
}
