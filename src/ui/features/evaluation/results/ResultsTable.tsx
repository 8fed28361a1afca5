import { bitsLabel, useAppStore, type Variant, variantShortLabel } from '../../../../state';
import type { EvalReport } from '../../../../protocol/eval-dto';
import { bitsColor } from '../../../components/plot-theme';
import { formatBytes, formatCount, formatSci } from '../../../format';
import { deltaClass, deltaPt, formatKl, formatMs, pct } from '../eval-format';
import type { ResultRow } from './result-rows';

function NameCell({ row, variant, stale }: { row: ResultRow; variant: Variant | undefined; stale: boolean }) {
  if (row.span === 0) return null;
  const label = row.variantId === null ? 'float' : variant ? variantShortLabel(variant) : row.label;
  return (
    <th scope="row" rowSpan={row.span > 1 ? row.span : undefined}>
      <span
        className="dot"
        style={{ background: variant ? bitsColor(variant.bits) : 'var(--muted)' }}
        aria-hidden="true"
      />
      <span title={`${row.variantId === null ? row.label : row.variantId} · ${formatBytes(row.sizeBytes)}`}>
        {label}
      </span>
      {stale && (
        <span className="badge badge-warn" title="Re-quantized or removed since this evaluation">
          stale
        </span>
      )}
      {variant && row.span > 1 && <span className="visually-hidden">{bitsLabel(variant.bits)}</span>}
    </th>
  );
}

function Row({
  row,
  labeled,
  showMode,
  stale,
}: {
  row: ResultRow;
  labeled: boolean;
  showMode: boolean;
  stale: boolean;
}) {
  const variant = useAppStore((s) => (row.variantId ? s.variants[row.variantId] : undefined));
  const f = row.fidelity;
  const top1 = row.accuracy?.top1Accuracy ?? null;
  return (
    <tr data-testid={row.testId} data-mode={row.mode ?? 'float'} data-variant={row.variantId ?? 'float'}>
      <NameCell row={row} variant={variant} stale={stale} />
      {showMode && (
        <td>
          {row.modeBadge ? <span className={`mode-badge mode-${row.mode}`}>{row.modeBadge}</span> : null}
        </td>
      )}
      {labeled && (
        <>
          <td className="num strong" data-testid="eval-top1" data-value={top1 ?? ''}>
            {pct(top1)}
          </td>
          <td
            className={`num ${deltaClass(row.delta)}`}
            data-testid="eval-delta"
            data-value={row.delta ?? ''}
          >
            {row.variantId === null ? '' : deltaPt(row.delta)}
          </td>
          <td className="num">{pct(row.accuracy?.topKAccuracy)}</td>
        </>
      )}
      <td className="num" data-testid="eval-agreement" data-value={f?.top1Agreement ?? ''}>
        {f ? pct(f.top1Agreement) : ''}
      </td>
      <td
        className="num"
        data-testid="eval-flips"
        data-value={row.flips ?? ''}
        title={
          row.flipsBroken !== null && row.flipsFixed !== null
            ? `${row.flipsBroken} now wrong, ${row.flipsFixed} now right`
            : undefined
        }
      >
        {row.flips === null ? '' : formatCount(row.flips)}
      </td>
      <td className="num">{f ? formatKl(f.meanKl) : ''}</td>
      <td className="num">{f ? formatSci(f.maxAbsDiff) : ''}</td>
      <td className="num muted" title={`${formatCount(row.timing.runs)} runs of ${row.timing.samplesPerRun}`}>
        {formatMs(row.timing.latencyMsPerSample)}
      </td>
    </tr>
  );
}

/** One row per model and mode: accuracy, its change, fidelity to the float model, and speed in this browser. */
export function ResultsTable({
  report,
  rows,
  stale,
}: {
  report: EvalReport;
  rows: ResultRow[];
  stale: Set<string>;
}) {
  const labeled = report.labeled;
  const showMode = report.modes.length > 1;
  return (
    <div className="table-scroll">
      <table className="table table-compact eval-table" data-testid="eval-results-table">
        <thead>
          <tr>
            <th scope="col">Model</th>
            {showMode && <th scope="col">Mode</th>}
            {labeled && (
              <>
                <th scope="col" className="num" title="Top-1 accuracy">
                  Top-1
                </th>
                <th
                  scope="col"
                  className="num"
                  title="Top-1 accuracy minus the float model's, in percentage points"
                >
                  Δ float
                </th>
                <th scope="col" className="num">
                  Top-{report.topK}
                </th>
              </>
            )}
            <th scope="col" className="num" title="Samples with the same top-1 class as the float model">
              Agrees
            </th>
            <th scope="col" className="num" title="Samples whose top-1 class changed vs the float model">
              Changed
            </th>
            <th scope="col" className="num" title="Mean KL divergence KL(float ‖ variant), in nats">
              Mean KL
            </th>
            <th
              scope="col"
              className="num"
              title="Largest absolute difference of any output value vs the float model"
            >
              Max |Δ|
            </th>
            <th
              scope="col"
              className="num"
              title="Mean time of one sample in this browser (onnxruntime-web, wasm)"
            >
              Latency
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <Row
              key={row.key}
              row={row}
              labeled={labeled}
              showMode={showMode}
              stale={row.variantId !== null && stale.has(row.variantId)}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}
