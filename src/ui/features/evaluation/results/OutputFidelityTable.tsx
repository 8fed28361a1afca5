import { useShallow } from 'zustand/react/shallow';
import type { EvalReport } from '../../../../protocol/eval-dto';
import { selectVariantLabels, useAppStore } from '../../../../state';
import { EVAL_MODE_LABELS } from '../eval-modes';
import { setIouThreshold } from '../../../../state/actions/evaluate-probe';
import { formatDb, formatSci, formatShape } from '../../../format';

const ROLE_LABELS = { 'class-scores': 'class scores', map: 'map', vector: 'vector' } as const;

/** Every output of every variant against the float model's: SQNR, cosine, max |Δ|, IoU for maps. */
export function OutputFidelityTable({ report }: { report: EvalReport }) {
  const labels = useAppStore(useShallow(selectVariantLabels));
  const threshold = useAppStore((s) => s.iouThreshold);
  const hasMaps = report.outputs.some((o) => o.role === 'map');
  const rows = report.variants.flatMap((v) =>
    report.modes.flatMap((mode) => {
      const m = v[mode];
      return m ? m.outputs.map((o) => ({ v, mode, o })) : [];
    }),
  );
  if (report.outputs.length === 0) return null;
  return (
    <div className="output-fidelity" data-testid="output-fidelity" data-synthetic={report.synthetic}>
      <h3 className="small strong">
        Output fidelity vs the float model{report.synthetic ? ' (synthetic probe)' : ''}
      </h3>
      <p className="muted small">
        Per output, over {report.outputSamples} sample(s):{' '}
        {report.outputs
          .filter((o) => o.compared)
          .map((o) => `${o.name} ${formatShape(o.runDims)} (${ROLE_LABELS[o.role]})`)
          .join(', ')}
        . SQNR pools every value; cosine is the mean per sample.
      </p>
      {rows.length > 0 ? (
        <div className="table-scroll">
          <table className="table table-compact" data-testid="output-fidelity-table">
            <thead>
              <tr>
                <th scope="col">Variant</th>
                {report.modes.length > 1 && <th scope="col">Mode</th>}
                <th scope="col">Output</th>
                <th scope="col" className="num" title="10·log10(Σ float² / Σ (float − variant)²)">
                  SQNR
                </th>
                <th scope="col" className="num" title="Mean cosine similarity per sample">
                  Cosine
                </th>
                <th scope="col" className="num" title="Largest absolute difference of any value">
                  Max |Δ|
                </th>
                {hasMaps && (
                  <th
                    scope="col"
                    className="num"
                    title="Intersection over union of the values above the threshold"
                  >
                    <span data-testid="iou-header">IoU @ {report.iouThreshold}</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {rows.map(({ v, mode, o }) => (
                <tr key={`${v.id}|${mode}|${o.name}`} data-testid={`fidelity-${v.id}-${o.name}`}>
                  <th scope="row">{labels[v.id] ?? v.label}</th>
                  {report.modes.length > 1 && <td>{EVAL_MODE_LABELS[mode]}</td>}
                  <td>
                    {o.name} <span className="muted small">{ROLE_LABELS[o.role]}</span>
                  </td>
                  <td className="num strong" data-testid="fidelity-sqnr" data-value={o.sqnrDb}>
                    {formatDb(o.sqnrDb)}
                  </td>
                  <td className="num" data-testid="fidelity-cosine" data-value={o.cosine}>
                    {o.cosine.toFixed(4)}
                  </td>
                  <td className="num" data-testid="fidelity-maxabs" data-value={o.maxAbsDiff}>
                    {formatSci(o.maxAbsDiff)}
                  </td>
                  {hasMaps && (
                    <td className="num" data-testid="fidelity-iou" data-value={o.iou ?? ''}>
                      {o.iou === null ? '' : o.iou.toFixed(3)}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted small">Quantize a variant to compare its outputs with the float model’s.</p>
      )}
      {hasMaps && (
        <label className="small">
          IoU threshold (next evaluation){' '}
          <input
            type="number"
            step="0.05"
            value={threshold}
            data-testid="iou-threshold"
            onChange={(e) => setIouThreshold(Number(e.target.value))}
            style={{ width: '5em' }}
          />
        </label>
      )}
    </div>
  );
}
