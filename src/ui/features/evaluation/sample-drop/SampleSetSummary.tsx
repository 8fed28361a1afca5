import { selectEvalBusy, selectSamples, useAppStore } from '../../../../state';
import { clearSamples } from '../../../../state/actions/evaluate-samples';
import { formatCount } from '../../../format';
import { ArrayRolesForm } from './ArrayRolesForm';
import { TabularOptionsForm } from './TabularOptionsForm';

const SOURCE_LABELS: Record<string, string> = {
  images: 'images',
  npy: 'NumPy .npy',
  npz: 'NumPy .npz',
  'onnx-test-data': 'ONNX test data',
  idx: 'MNIST idx',
  csv: 'CSV table',
};
const MAX_CLASSES_SHOWN = 12;

/** What the worker read: how many samples of what, the labels, and the readers' notes. */
export function SampleSetSummary() {
  const samples = useAppStore(selectSamples);
  const busy = useAppStore(selectEvalBusy);
  if (!samples) return null;
  const { info } = samples;
  const classes = info.classes ?? [];
  return (
    <div
      className="sample-summary"
      data-testid="sample-summary"
      data-kind={info.kind}
      data-count={info.count}
    >
      <div className="sample-summary-head">
        <div className="min-w-0">
          <p className="sample-summary-name" title={info.sourceName}>
            <strong>{samples.name}</strong>
            <span className="badge">{SOURCE_LABELS[info.source] ?? info.source}</span>
            {!info.labeled && (
              <span className="badge badge-warn" data-testid="samples-unlabeled">
                no labels: fidelity only
              </span>
            )}
          </p>
          <p className="muted small">
            {formatCount(info.count)} sample{info.count === 1 ? '' : 's'}
            {info.sampleDims &&
              ` · ${info.kind === 'images' ? 'first image' : 'each'} [${info.sampleDims.join(' × ')}]`}
            {info.labeled && ` · ${classes.length || '?'} classes`}
            {info.referenceOutputDims && ' · with reference outputs'}
          </p>
        </div>
        <button type="button" className="btn btn-small btn-ghost" disabled={busy} onClick={clearSamples}>
          Clear
        </button>
      </div>
      {info.labeled && classes.length > 0 && (
        <ul className="chips class-chips" aria-label="Classes">
          {classes.slice(0, MAX_CLASSES_SHOWN).map((c, i) => (
            <li key={`${i}:${c}`} className="chip">
              <span className="chip-count">{i}</span>
              {c !== String(i) && c}
            </li>
          ))}
          {classes.length > MAX_CLASSES_SHOWN && (
            <li className="chip muted">+{formatCount(classes.length - MAX_CLASSES_SHOWN)} more</li>
          )}
        </ul>
      )}
      {info.tabular && <TabularOptionsForm />}
      {info.npyFiles && <ArrayRolesForm />}
      {info.notes.length > 0 && (
        <ul className="sample-notes muted small">
          {info.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
