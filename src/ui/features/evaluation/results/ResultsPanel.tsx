import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { EvalReport } from '../../../../protocol/eval-dto';
import { EVAL_MODE_LABELS } from '../eval-modes';
import { selectSamples, selectStaleVariantIds, useAppStore, selectVariantLabels } from '../../../../state';
import { Panel } from '../../../components/Panel';
import { formatCount, formatSci, formatShape } from '../../../format';
import { pct, runtimeLabel } from '../eval-format';
import { resultRows } from './result-rows';
import { LatencyNote } from './LatencyNote';
import { ResultsTable } from './ResultsTable';
import { OutputFidelityTable } from './OutputFidelityTable';
import { PROBE_SAMPLES_ID } from '../../../../state/actions/evaluate-probe';

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

/** Why exact and deployed differ, and by how much for each variant that differs. */
function ModeDifference({ report }: { report: EvalReport }) {
  const labels = useAppStore(useShallow(selectVariantLabels));
  const differing = report.variants.filter((v) => v.modesDiffer);
  if (report.modes.length < 2) {
    return (
      <p className="muted small">
        Variants ran {EVAL_MODE_LABELS[report.modes[0]]}. Choose “both” to see how onnxruntime runs the files
        as deployed.
      </p>
    );
  }
  if (differing.length === 0) {
    return <p className="muted small">Both modes gave identical outputs for every variant.</p>;
  }
  return (
    <div className="mode-note" data-testid="mode-difference">
      <p>
        <strong>Why “as deployed” differs from “exact weight-only”:</strong> with its default settings
        onnxruntime rewrites DequantizeLinear→MatMul into an int8-activation kernel (MatMulNBits), so the
        activations are quantized too. “Exact weight-only” folds the dequantized weights back to float,
        measuring the weight rounding alone.
      </p>
      <ul>
        {differing.map((v) => {
          const c = v.modeComparison;
          return (
            <li key={v.id}>
              <strong>{labels[v.id] ?? v.label}</strong>:{' '}
              {c
                ? `${formatCount(c.flips)} prediction${c.flips === 1 ? '' : 's'} differ between the modes (agreement ${pct(c.top1Agreement)}), max |Δ output| ${formatSci(c.maxAbsDiff)}`
                : 'outputs differ'}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

const sentence = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;

/** The last evaluation: per-model table, mode comparison, reference check and the readers' notes. */
export function ResultsPanel() {
  const result = useAppStore((s) => s.evalResult);
  const currentSamplesId = useAppStore((s) => selectSamples(s)?.id ?? null);
  const staleIds = useAppStore(useShallow(selectStaleVariantIds));
  const rows = useMemo(() => (result ? resultRows(result.report) : []), [result]);
  const stale = useMemo(() => new Set(staleIds), [staleIds]);
  if (!result) return null;
  const r = result.report;
  const subtitle = [
    `${formatCount(r.sampleCount)} samples from ${result.samplesName}`,
    r.synthetic
      ? 'synthetic inputs: fidelity to the float model only'
      : r.labeled
        ? `${r.numClasses} classes`
        : 'no labels: fidelity to the float model only',
    `input ${formatShape(r.input.runDims)} per run`,
    `${seconds(r.durationMs)} on ${runtimeLabel(r.runtime)}`,
  ].join(' · ');
  return (
    <Panel
      title={r.synthetic ? 'Output fidelity — synthetic probe' : r.output ? 'Accuracy' : 'Output fidelity'}
      subtitle={subtitle}
      id="eval-results"
      testId="eval-results"
      status={r.labeled ? 'labeled' : 'unlabeled'}
    >
      {r.synthetic && (
        <p className="warn small" data-testid="synthetic-label">
          Synthetic probe: {formatCount(r.sampleCount)} made-up inputs from the model’s input shapes, not your
          data. These numbers show how far each variant’s outputs move from the float model’s — not accuracy.
        </p>
      )}
      {result.samplesId !== PROBE_SAMPLES_ID && currentSamplesId !== result.samplesId && (
        <p className="warn small">
          These results are for {result.samplesName}, not the sample set loaded now.
        </p>
      )}
      {stale.size > 0 && (
        <p className="warn small">
          Some variants were re-quantized or removed since: evaluate again to update them.
        </p>
      )}
      {!r.labeled && !r.synthetic && (
        <p className="muted small" data-testid="fidelity-only">
          This set has no labels, so there is no accuracy: each variant is compared with the float model only.
        </p>
      )}
      <p className="small" data-testid="eval-samples-label">
        {sentence(result.samplesLabel)}
      </p>
      <ResultsTable report={r} rows={rows} stale={stale} />
      <LatencyNote report={r} />
      <OutputFidelityTable report={r} />
      <div className="eval-notes">
        <ModeDifference report={r} />
        {r.reference && (
          <p className="small" data-testid="reference-check">
            Float model vs the reference outputs ({formatCount(r.reference.count)}): top-1 agreement{' '}
            {pct(r.reference.top1Agreement)}, max |Δ| {formatSci(r.reference.maxAbsDiff)} (outputs up to{' '}
            {formatSci(r.reference.maxAbsReference)}).
          </p>
        )}
        {r.notes.length > 0 && (
          <ul className="sample-notes muted small">
            {r.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        )}
      </div>
    </Panel>
  );
}
