import { bitsLabel, useAppStore, type Variant, variantShortLabel } from '../../../../state';
import type { EvalReport } from '../../../../protocol/eval-dto';
import { useVariantColor } from '../../../components/variant-colors';
import { formatBytes, formatCount, formatSci } from '../../../format';
import { deltaClass, deltaPt, formatKl, formatLatency, pct } from '../eval-format';
import type { ResultRow } from './result-rows';

function NameCell({ row, variant, stale }: { row: ResultRow; variant: Variant | undefined; stale: boolean }) {
  const color = useVariantColor(variant ? variant.id : null);
  if (row.span === 0) return null;
  const label = row.variantId === null ? 'float' : variant ? variantShortLabel(variant) : row.label;
  return (
    <th scope="row" rowSpan={row.span > 1 ? row.span : undefined}>
      <span className="dot" style={{ background: color }} data-color={color} aria-hidden="true" />
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

/** Median ms per sample with its interquartile range under it; min–max and run count in the tooltip. */
function LatencyCell({ timing }: { timing: ResultRow['timing'] }) {
  const l = timing.latency;
  if (!l) {
    return (
      <td className="num muted" data-testid="eval-latency" title="Not measured">
        –
      </td>
    );
  }
  return (
    <td
      className="num"
      data-testid="eval-latency"
      data-median={l.medianMs}
      data-q1={l.q1Ms}
      data-q3={l.q3Ms}
      title={`median of ${formatCount(l.runs)} runs of ${formatCount(l.samplesPerRun)} sample(s) after ${l.warmupRuns} warm-up runs; min ${formatLatency(l.minMs)}, max ${formatLatency(l.maxMs)} ms per sample`}
    >
      {formatLatency(l.medianMs)}
      <span className="latency-spread muted" data-testid="eval-latency-spread">
        {formatLatency(l.q1Ms)}–{formatLatency(l.q3Ms)}
      </span>
    </td>
  );
}

function Row({
  row,
  labeled,
  showMode,
  scores,
  stale,
}: {
  row: ResultRow;
  labeled: boolean;
  showMode: boolean;
  /** False when the model has no class-score output: agreement, flips and KL do not apply. */
  scores: boolean;
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
      {scores && (
        <>
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
        </>
      )}
      <LatencyCell timing={row.timing} />
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
  const scores = report.output !== null;
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
            {scores && (
              <>
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
              </>
            )}
            <th
              scope="col"
              className="num"
              data-testid="eval-latency-header"
              title="Median time per sample in this browser, with the interquartile range (25th–75th percentile) under it"
            >
              Latency (ms / sample)
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
              scores={scores}
              stale={row.variantId !== null && stale.has(row.variantId)}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}
