import { useShallow } from 'zustand/react/shallow';
import {
  bitsLabel,
  resultOf,
  selectSummary,
  useAppStore,
  type Variant,
  granularityLabel,
} from '../../../state';
import { Panel } from '../../components/Panel';
import { bitsColor } from '../../components/plot-theme';
import { formatBytes, formatCount, formatDb, formatRatio } from '../../format';
import { DownloadButton } from '../download/DownloadButton';
import { AccuracyCell } from '../evaluation/results/AccuracyCell';

function Row({ v }: { v: Variant }) {
  const r = resultOf(v);
  const c = v.config;
  const fp16 = v.bits === 'fp16';
  return (
    <tr data-testid={`variant-row-${v.id}`} data-status={v.run.status}>
      <th scope="row">
        <span className="dot" style={{ background: bitsColor(v.bits) }} aria-hidden="true" />
        {bitsLabel(v.bits)}
        {Object.keys(c.layers).length > 0 && <span className="badge">overrides</span>}
      </th>
      <td>{fp16 ? 'cast' : `${c.scheme === 'symmetric' ? 'sym' : 'asym'} · ${granularityLabel(c)}`}</td>
      <td
        className="num"
        data-testid={`variant-size-${v.id}`}
        data-bytes={r?.fileBytesAfter ?? ''}
        title={r ? `${formatCount(r.fileBytesAfter)} bytes` : undefined}
      >
        {r ? formatBytes(r.fileBytesAfter) : '…'}
      </td>
      <td className="num">{r ? formatRatio(r.fileBytesBefore / r.fileBytesAfter) : '…'}</td>
      <td className="num" title="mean / min over quantized layers">
        {r ? `${formatDb(r.meanSqnrDb).replace(' dB', '')} / ${formatDb(r.minSqnrDb)}` : '…'}
      </td>
      <td className="cell-name">
        {r?.worstLayer ? (
          <code title={r.worstLayer}>{r.worstLayer}</code>
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

/** Every variant's size and quality, with its download. */
export function VariantsTable() {
  const variants = useAppStore(useShallow((s) => s.variantOrder.map((id) => s.variants[id])));
  const summary = useAppStore(selectSummary);
  const withResult = variants.filter((v) => resultOf(v));
  if (!summary || withResult.length === 0) return null;
  return (
    <Panel
      title="Variants"
      subtitle={`Original file ${formatBytes(summary.fileBytes)} (${formatCount(summary.fileBytes)} bytes). Sizes are of the exported files.`}
      id="variants"
      testId="variants-table"
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
              <th scope="col" className="num" title="mean / min over quantized layers">
                SQNR mean / min
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
    </Panel>
  );
}
