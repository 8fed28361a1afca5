import { useShallow } from 'zustand/react/shallow';
import { resultOf, selectSummary, useAppStore, variantLabelParts, type Variant } from '../../../state';
import { LayerName } from '../../components/LayerName';
import { Panel } from '../../components/Panel';
import { useVariantColor } from '../../components/variant-colors';
import { WeightSqnrTerm, WeightSqnrValue } from '../../components/WeightSqnr';
import { formatBytes, formatCount, formatDb, formatRatio } from '../../format';
import { downloadReport } from '../../../state/actions/report';
import { DownloadButton } from '../download/DownloadButton';
import { ByteAccountTable } from './ByteAccountTable';
import { AccuracyCell } from '../evaluation/results/AccuracyCell';

function Row({ v }: { v: Variant }) {
  const r = resultOf(v);
  // The sidebar's name split in two columns: method, clip, overrides and budget included, so no two rows read alike.
  const label = variantLabelParts(v);
  const color = useVariantColor(v.id);
  return (
    <tr data-testid={`variant-row-${v.id}`} data-status={v.run.status}>
      <th scope="row">
        <span className="dot" style={{ background: color }} data-color={color} aria-hidden="true" />
        {label.bits}
      </th>
      <td data-testid={`variant-settings-${v.id}`}>{label.settings}</td>
      <td
        className="num"
        data-testid={`variant-size-${v.id}`}
        data-bytes={r?.fileBytesAfter ?? ''}
        title={r ? `${formatCount(r.fileBytesAfter)} bytes` : undefined}
      >
        {r ? formatBytes(r.fileBytesAfter) : '…'}
      </td>
      <td className="num">{r ? formatRatio(r.fileBytesBefore / r.fileBytesAfter) : '…'}</td>
      <td className="num">
        {r ? <WeightSqnrValue db={r.overallSqnrDb} testId={`variant-sqnr-${v.id}`} /> : '…'}
      </td>
      <td className="cell-layer">
        {r?.worstLayer ? (
          <LayerName
            name={r.worstLayer}
            title={`${r.worstLayer}: weight SQNR ${formatDb(r.minSqnrDb)}, the lowest of any layer`}
            testId={`variant-worst-${v.id}`}
          />
        ) : (
          <span className="muted">{r ? '–' : '…'}</span>
        )}
      </td>
      <AccuracyCell variantId={v.id} />
      <td>
        <DownloadButton variantId={v.id} />
      </td>
    </tr>
  );
}

const REPORTS = [
  {
    kind: 'json',
    label: 'Report (JSON)',
    title:
      "Every variant's settings, sizes and per-layer weight error, the last evaluation and any measured sensitivity, as JSON (the shapes of qstudio's --json output)",
  },
  {
    kind: 'csv',
    label: 'Layers (CSV)',
    title:
      'One row per layer of each variant: bits, sizes, weight SQNR / MSE / max error, and the layers left float with why',
  },
] as const;

/**
 * The session as files to keep: a JSON report (run summaries, the last evaluation, measured sensitivity) and a CSV of
 * every layer of every variant (weight error, not accuracy: the column names say so).
 */
function ReportButtons() {
  return (
    <div className="report-buttons" role="group" aria-label="Download the results">
      {REPORTS.map((r) => (
        <button
          key={r.kind}
          type="button"
          className="btn btn-small"
          title={r.title}
          onClick={() => downloadReport(r.kind)}
        >
          {r.label}
        </button>
      ))}
    </div>
  );
}

/** Every variant's size and quality, with its download. */
export function VariantsTable() {
  const variants = useAppStore(useShallow((s) => s.variantOrder.map((id) => s.variants[id])));
  const summary = useAppStore(selectSummary);
  const evaluated = useAppStore((s) => s.evalResult?.samplesLabel ?? null);
  const withResult = variants.filter((v) => resultOf(v));
  if (!summary || withResult.length === 0) return null;
  return (
    <Panel
      title="Variants"
      subtitle={`Original file ${formatBytes(summary.fileBytes)} (${formatCount(summary.fileBytes)} bytes). Sizes are of the exported files.`}
      id="variants"
      testId="variants-table"
      actions={<ReportButtons />}
    >
      <div className="table-scroll">
        <table className="table table-compact variants-table">
          <thead>
            <tr>
              <th scope="col">Bits</th>
              <th scope="col">Scheme · granularity</th>
              <th scope="col" className="num">
                File size
              </th>
              <th scope="col" className="num" title="original file size / variant file size">
                Ratio
              </th>
              <th scope="col" className="num">
                <WeightSqnrTerm />
              </th>
              <th scope="col">Worst layer</th>
              <th scope="col" className="num" title="Top-1 accuracy on your sample set (see Evaluate)">
                Acc.
              </th>
              <th scope="col">
                <span className="visually-hidden">Download</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {withResult.map((v) => (
              <Row key={v.id} v={v} />
            ))}
          </tbody>
        </table>
      </div>
      {evaluated && (
        <p className="muted small" data-testid="variants-eval-samples">
          Acc.: {evaluated}.
        </p>
      )}
      <ByteAccountTable variants={withResult} />
    </Panel>
  );
}
